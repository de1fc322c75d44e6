import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName } from './handler-function.js';

export type ApiHandlerName = Extract<FunctionName, `api-${string}`>;

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly handler: ApiHandlerName;
  /** No authorizer: the route serves nothing that needs a caller. */
  readonly public?: true;
}

/**
 * Every deployed route of SPEC 4 (the local-only `POST /_local/token` is not one of them).
 * Handlers check the caller's group (`cognito:groups`) and portal; the gateway checks the token.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/health', handler: 'api-health', public: true },
  { method: 'GET', path: '/openapi.json', handler: 'api-health', public: true },
  // A static page holding no data; its script calls the API with the reviewer's bearer token.
  { method: 'GET', path: '/console', handler: 'api-console', public: true },
  { method: 'PUT', path: '/admin/members/{memberId}', handler: 'api-admin' },
  { method: 'PUT', path: '/admin/providers/{npi}', handler: 'api-admin' },
  { method: 'GET', path: '/codes/{cpt}', handler: 'api-codes' },
  { method: 'GET', path: '/members/{memberId}/eligibility', handler: 'api-eligibility' },
  { method: 'POST', path: '/referrals', handler: 'api-referrals' },
  { method: 'GET', path: '/referrals/{id}', handler: 'api-referrals' },
  { method: 'GET', path: '/referrals/{id}/notice', handler: 'api-referrals' },
  { method: 'POST', path: '/referrals/{id}/information', handler: 'api-referrals' },
  { method: 'POST', path: '/referrals/{id}/appeals', handler: 'api-referrals' },
  { method: 'GET', path: '/reports/prior-authorization', handler: 'api-reports' },
  { method: 'POST', path: '/referrals/{id}/visits', handler: 'api-visits' },
  { method: 'GET', path: '/reviews', handler: 'api-reviews' },
  { method: 'GET', path: '/reviews/{reviewId}', handler: 'api-reviews' },
  { method: 'POST', path: '/reviews/{reviewId}/decision', handler: 'api-reviews' },
  // SPEC 8, Da Vinci PAS. The CapabilityStatement is open, as FHIR clients read it before signing in.
  { method: 'GET', path: '/fhir/metadata', handler: 'api-fhir', public: true },
  { method: 'GET', path: '/fhir/Questionnaire/massage-therapy', handler: 'api-fhir' },
  // `$submit` is a literal path part to API Gateway (only `{…}` is a parameter).
  { method: 'POST', path: '/fhir/Claim/$submit', handler: 'api-fhir' },
  { method: 'POST', path: '/fhir/Claim/$inquire', handler: 'api-fhir' },
  { method: 'GET', path: '/fhir/ClaimResponse/{id}', handler: 'api-fhir' },
  // SPEC 13, CDS Hooks: discovery lists the service and holds no data; the service needs a token.
  { method: 'GET', path: '/cds-services', handler: 'api-cds', public: true },
  { method: 'POST', path: '/cds-services/massage-therapy-crd', handler: 'api-cds' },
  // SPEC 9: notifications.
  { method: 'PUT', path: '/portals/{portalId}/webhook', handler: 'api-notifications' },
  { method: 'GET', path: '/portals/{portalId}/deliveries', handler: 'api-notifications' },
  { method: 'POST', path: '/fhir/Subscription', handler: 'api-notifications' },
  { method: 'GET', path: '/fhir/Subscription/{id}', handler: 'api-notifications' },
  { method: 'DELETE', path: '/fhir/Subscription/{id}', handler: 'api-notifications' },
];

/** SPEC 4's error shape, for the 4xx/5xx answers API Gateway gives without calling a handler. */
export const GATEWAY_ERROR_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';

const JSON_CONTENT_TYPE = { 'Content-Type': "'application/json'" };

/** Access log fields: who called what and how it ended. Ids only, never bodies (PHI). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  user: '$context.authorizer.claims.sub',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
};

export interface PriorAuthApiProps {
  readonly handlers: Record<ApiHandlerName, lambda.IFunction>;
  readonly userPool: cognito.IUserPool;
  readonly logKey: kms.IKey;
}

/**
 * The REST API of SPEC 4: stage `v1`, throttled, access-logged, traced, with a Cognito
 * user-pool authorizer on every route but the public ones (`public: true` below).
 *
 * Body size: API Gateway's own limit is 10 MB and cannot be lowered, so SPEC 4's 256 KiB limit
 * (413) is enforced by the handlers (shared/http.ts). The gateway's REQUEST_TOO_LARGE answer
 * still gets the error shape below.
 */
export class PriorAuthApi extends Construct {
  public readonly restApi: apigw.RestApi;
  public readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  public readonly accessLogs: logs.LogGroup;
  /** The methods without an authorizer (health, OpenAPI document, console page, CDS Hooks discovery). */
  public readonly publicMethods: apigw.Method[] = [];

  constructor(scope: Construct, id: string, props: PriorAuthApiProps) {
    super(scope, id);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });

    this.restApi = new apigw.RestApi(this, 'Resource', {
      restApiName: 'prior-auth-api',
      description: 'Prior authorization for massage therapy (SPEC 4)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Access logging needs the account-level CloudWatch role; this API brings it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs for errors only, and never request or response bodies.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
    });

    this.addGatewayResponses();

    // Rejects a body that is not a JSON object (400) before any handler runs; the handlers
    // validate the schema itself and answer 422 with details.
    const bodyValidator = this.restApi.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const jsonObject = this.restApi.addModel('JsonObject', {
      contentType: 'application/json',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, type: apigw.JsonSchemaType.OBJECT },
    });

    const integrations = new Map<lambda.IFunction, apigw.LambdaIntegration>();
    for (const route of API_ROUTES) {
      const fn = props.handlers[route.handler];
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new apigw.LambdaIntegration(fn, { allowTestInvoke: false });
        integrations.set(fn, integration);
      }
      // FHIR bodies (application/fhir+json) are checked by the handler, which answers an OperationOutcome.
      const hasBody = (route.method === 'POST' || route.method === 'PUT') && !route.path.startsWith('/fhir/');
      const method = this.restApi.root.resourceForPath(route.path).addMethod(route.method, integration, {
        ...(route.public
          ? { authorizationType: apigw.AuthorizationType.NONE }
          : { authorizationType: apigw.AuthorizationType.COGNITO, authorizer: this.authorizer }),
        ...(hasBody && {
          requestValidator: bodyValidator,
          requestModels: { 'application/json': jsonObject },
        }),
      });
      if (route.public) this.publicMethods.push(method);
    }
  }

  private addGatewayResponses(): void {
    const responses: [string, apigw.ResponseType, string?][] = [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
      ['Unauthorized', apigw.ResponseType.UNAUTHORIZED, '401'],
      ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, '403'],
      ['RequestTooLarge', apigw.ResponseType.REQUEST_TOO_LARGE, '413'],
      ['Throttled', apigw.ResponseType.THROTTLED, '429'],
    ];
    for (const [id, type, statusCode] of responses) {
      this.restApi.addGatewayResponse(id, {
        type,
        statusCode,
        templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
        responseHeaders: JSON_CONTENT_TYPE,
      });
    }
    // API Gateway answers an unknown path or method with 403 "Missing Authentication Token";
    // to a client that is a 404.
    this.restApi.addGatewayResponse('UnknownRoute', {
      type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      templates: { 'application/json': '{"error":{"code":"NOT_FOUND","message":"No such route"}}' },
      responseHeaders: JSON_CONTENT_TYPE,
    });
  }
}
