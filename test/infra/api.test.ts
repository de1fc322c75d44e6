import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_TEMPLATE } from '../../infra/constructs/api.js';
import {
  type CfnResource,
  ofType,
  projectFunctions,
  prop,
  refId,
  type Synthesized,
  synthesize,
} from './support.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const PUBLIC_ROUTES = [
  'GET /health',
  'GET /openapi.json',
  'GET /console',
  'GET /fhir/metadata',
  'GET /cds-services',
];

/** `METHOD /path` → the method resource, from the template's Resource tree. */
function methods(resources: Record<string, CfnResource>): Map<string, CfnResource> {
  const paths = new Map<string, string>();
  const pathOf = (id: string | undefined): string => {
    if (id === undefined) return '';
    const cached = paths.get(id);
    if (cached !== undefined) return cached;
    const resource = resources[id];
    if (resource?.Type !== 'AWS::ApiGateway::Resource') return ''; // the root resource
    const path = `${pathOf(refId(resource.Properties?.ParentId))}/${resource.Properties?.PathPart}`;
    paths.set(id, path);
    return path;
  };
  const out = new Map<string, CfnResource>();
  for (const [, method] of ofType(resources, 'AWS::ApiGateway::Method')) {
    const path = pathOf(refId(method.Properties?.ResourceId)) || '/';
    out.set(`${method.Properties?.HttpMethod} ${path}`, method);
  }
  return out;
}

describe('API routes (SPEC 4)', () => {
  it('deploys exactly the routes of SPEC 4, without the local-only token route', () => {
    expect([...methods(s.serviceResources).keys()].sort()).toEqual(
      [
        'GET /health',
        'GET /openapi.json',
        'GET /console',
        'PUT /admin/members/{memberId}',
        'PUT /admin/providers/{npi}',
        'GET /codes/{cpt}',
        'GET /members/{memberId}/eligibility',
        'POST /referrals',
        'GET /referrals/{id}',
        'GET /referrals/{id}/notice',
        'POST /referrals/{id}/information',
        'POST /referrals/{id}/appeals',
        'GET /reports/prior-authorization',
        'POST /referrals/{id}/visits',
        'GET /reviews',
        'GET /reviews/{reviewId}',
        'POST /reviews/{reviewId}/decision',
        'GET /fhir/metadata',
        'GET /fhir/Questionnaire/massage-therapy',
        'POST /fhir/Claim/$submit',
        'POST /fhir/Claim/$inquire',
        'GET /fhir/ClaimResponse/{id}',
        'GET /cds-services',
        'POST /cds-services/massage-therapy-crd',
        'PUT /portals/{portalId}/webhook',
        'GET /portals/{portalId}/deliveries',
        'POST /fhir/Subscription',
        'GET /fhir/Subscription/{id}',
        'DELETE /fhir/Subscription/{id}',
      ].sort(),
    );
  });

  it('puts the Cognito authorizer on every method but health, the OpenAPI document, the console, the FHIR CapabilityStatement and CDS Hooks discovery', () => {
    const authorizers = ofType(s.serviceResources, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] ?? [];
    expect(authorizer?.Properties?.Type).toBe('COGNITO_USER_POOLS');

    for (const [route, method] of methods(s.serviceResources)) {
      if (PUBLIC_ROUTES.includes(route)) {
        expect(method.Properties?.AuthorizationType, route).toBe('NONE');
        expect(method.Properties?.AuthorizerId, route).toBeUndefined();
      } else {
        expect(method.Properties?.AuthorizationType, route).toBe('COGNITO_USER_POOLS');
        expect(refId(method.Properties?.AuthorizerId), route).toBe(authorizerId);
      }
    }
  });

  it('integrates each route with its handler (Lambda proxy)', () => {
    const byLogicalId = new Map(
      [...projectFunctions(s.serviceResources)].map(([entry, f]) => [f.logicalId, entry]),
    );
    const handlerOf = (method: CfnResource): string | undefined => {
      const uri = JSON.stringify(prop<{ Uri: unknown }>(method, 'Integration').Uri);
      const id = [...byLogicalId.keys()].find((logicalId) => uri.includes(`"${logicalId}"`));
      return id === undefined ? undefined : byLogicalId.get(id);
    };
    const all = methods(s.serviceResources);
    for (const [route, method] of all) {
      expect(prop<{ Type: string }>(method, 'Integration').Type, route).toBe('AWS_PROXY');
    }
    expect(handlerOf(all.get('GET /health')!)).toBe('functions/api-health/index.ts');
    expect(handlerOf(all.get('GET /console')!)).toBe('functions/api-console/index.ts');
    expect(handlerOf(all.get('POST /referrals')!)).toBe('functions/api-referrals/index.ts');
    expect(handlerOf(all.get('POST /referrals/{id}/visits')!)).toBe('functions/api-visits/index.ts');
    expect(handlerOf(all.get('POST /reviews/{reviewId}/decision')!)).toBe('functions/api-reviews/index.ts');
    expect(handlerOf(all.get('PUT /admin/providers/{npi}')!)).toBe('functions/api-admin/index.ts');
    // PAS is api-fhir; the R4 Backport Subscriptions (SPEC 9) belong with the other notifications.
    for (const route of [...all.keys()].filter((r) => r.includes(' /fhir/'))) {
      const expected = route.includes('/fhir/Subscription')
        ? 'functions/api-notifications/index.ts'
        : 'functions/api-fhir/index.ts';
      expect(handlerOf(all.get(route)!), route).toBe(expected);
    }
    expect(handlerOf(all.get('GET /cds-services')!)).toBe('functions/api-cds/index.ts');
    expect(handlerOf(all.get('POST /cds-services/massage-therapy-crd')!)).toBe('functions/api-cds/index.ts');
  });

  it('keeps `$submit` and `$inquire` as literal path parts under /fhir/Claim', () => {
    const parts = ofType(s.serviceResources, 'AWS::ApiGateway::Resource').map(
      ([, r]) => r.Properties?.PathPart,
    );
    expect(parts).toEqual(
      expect.arrayContaining(['fhir', 'Claim', '$submit', '$inquire', 'ClaimResponse', '{id}']),
    );
  });

  it('validates that JSON request bodies are JSON objects before a handler runs (FHIR bodies: the handler, with an OperationOutcome)', () => {
    const validators = ofType(s.serviceResources, 'AWS::ApiGateway::RequestValidator');
    expect(validators).toHaveLength(1);
    const [validatorId] = validators[0] ?? [];
    for (const [route, method] of methods(s.serviceResources)) {
      const hasBody = (route.startsWith('POST ') || route.startsWith('PUT ')) && !route.includes(' /fhir/');
      expect(refId(method.Properties?.RequestValidatorId), route).toBe(hasBody ? validatorId : undefined);
    }
  });
});

describe('API stage', () => {
  it('is v1, throttled, traced, with metrics and error-only execution logs without bodies', () => {
    s.service.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          MetricsEnabled: true,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
  });

  it('writes JSON access logs with ids only (no bodies) to a KMS-encrypted log group', () => {
    const [, stage] = ofType(s.serviceResources, 'AWS::ApiGateway::Stage')[0] ?? [];
    const settings = stage?.Properties?.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(Object.keys(format).sort()).toEqual(
      [
        'requestId',
        'ip',
        'caller',
        'user',
        'requestTime',
        'httpMethod',
        'resourcePath',
        'status',
        'protocol',
        'responseLength',
      ].sort(),
    );
    expect(format.user).toBe('$context.authorizer.claims.sub');
    expect(settings.Format).not.toMatch(/body|requestOverride|responseOverride/i);

    // arn:…:log-group:<name>, the name being a Ref to the log group.
    const join = (settings.DestinationArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const logGroup = s.serviceResources[refId(join.at(-1)) ?? ''];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.KmsKeyId).toBeDefined();
    expect(logGroup?.Properties?.RetentionInDays).toBe(365);
  });

  it("answers the gateway's own errors in SPEC 4's error shape", () => {
    const responses = ofType(s.serviceResources, 'AWS::ApiGateway::GatewayResponse').map(
      ([, r]) => r.Properties,
    );
    const byType = new Map(responses.map((p) => [p?.ResponseType as string, p]));
    for (const [type, status] of [
      ['DEFAULT_4XX', undefined],
      ['DEFAULT_5XX', undefined],
      ['UNAUTHORIZED', '401'],
      ['ACCESS_DENIED', '403'],
      ['REQUEST_TOO_LARGE', '413'],
      ['THROTTLED', '429'],
    ] as const) {
      const response = byType.get(type);
      expect(response, type).toBeDefined();
      expect(response?.StatusCode, type).toBe(status);
      expect(response?.ResponseTemplates, type).toEqual({ 'application/json': GATEWAY_ERROR_TEMPLATE });
      expect(response?.ResponseParameters, type).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
      });
    }
    // The template renders to {"error":{"code":…,"message":…}} once API Gateway substitutes.
    const rendered = GATEWAY_ERROR_TEMPLATE.replace('$context.error.responseType', 'THROTTLED').replace(
      '$context.error.messageString',
      '"Too Many Requests"',
    );
    expect(JSON.parse(rendered)).toEqual({ error: { code: 'THROTTLED', message: 'Too Many Requests' } });
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')?.StatusCode).toBe('404');
  });
});

describe('Cognito user pool', () => {
  it('has no self sign-up, a strong password policy, required TOTP MFA, threat protection and deletion protection', () => {
    s.data.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'PLUS',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'portalId', AttributeDataType: 'String', Mutable: true }),
        Match.objectLike({ Name: 'credential', AttributeDataType: 'String', Mutable: true }),
      ]),
    });
  });

  it('has the groups portal, reviewer and admin', () => {
    const groups = ofType(s.dataResources, 'AWS::Cognito::UserPoolGroup').map(
      ([, g]) => g.Properties?.GroupName,
    );
    expect(groups.sort()).toEqual(['admin', 'portal', 'reviewer']);
  });

  it('has a public portal client (SRP and password auth) that cannot write portalId or credential', () => {
    const clients = ofType(s.dataResources, 'AWS::Cognito::UserPoolClient');
    expect(clients).toHaveLength(1);
    const client = clients[0]?.[1].Properties ?? {};
    expect(client.GenerateSecret).toBe(false);
    expect((client.ExplicitAuthFlows as string[]).sort()).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_USER_SRP_AUTH',
    ]);
    expect(client.WriteAttributes).toEqual(['email']);
    expect(client.ReadAttributes).toEqual(expect.arrayContaining(['custom:portalId', 'custom:credential']));
    // No hosted-UI OAuth flows: the portals sign in through the API above.
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.CallbackURLs).toBeUndefined();
  });

  it('authorizes the API with this user pool', () => {
    const [, authorizer] = ofType(s.serviceResources, 'AWS::ApiGateway::Authorizer')[0] ?? [];
    expect(JSON.stringify(authorizer?.Properties?.ProviderARNs)).toContain('Users');
    expect(authorizer?.Properties?.IdentitySource).toBe('method.request.header.Authorization');
  });
});
