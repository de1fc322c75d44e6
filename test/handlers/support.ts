/**
 * Shared set-up for the handler tests. Importing this module sets the Lambda environment first
 * (`./env.js`); the test files import it statically and load the handlers afterwards with
 * `await import(...)`, so each handler's cold-start code sees the environment.
 *
 * DynamoDB is mocked by `mockDynamoDb()` (`./dynamodb-mock.ts`): the product's plain commands reach a
 * document-client mock in plain items, so the tests arrange and assert items as they read.
 */
import './env.js';
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, vi } from 'vitest';
import { computeBilling } from '../../shared/billing.js';
import { keys } from '../../shared/data/keys.js';
import type { ReferralRecord, ReviewRecord, VisitRecord } from '../../shared/model.js';
import { parseReferral, parseVisit } from '../../shared/schemas.js';
import { bodyHash } from '../../shared/usecases/common.js';
import { referralBody, TODAY, visitBody } from '../fixtures.js';
import { mockDynamoDb } from './dynamodb-mock.js';

export const TABLE = 'prior-auth-test';
export const WORKFLOW_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:AuthorizationWorkflow';
export const BUS = 'prior-auth-test-bus';
/** The tests' "now": mid-afternoon UTC on the fixtures' TODAY. */
export const NOW = new Date(`${TODAY}T15:00:00.000Z`);

/**
 * The three SDK mocks, reset after every test, with the clock pinned to NOW (only `Date` is faked,
 * so promises keep running normally). Each test starts from an empty table that accepts every
 * write; a test's own `.on(...)` answers, defined later, take precedence.
 */
export function useAwsMocks() {
  const ddb = mockDynamoDb();
  const sfn = mockClient(SFNClient);
  const events = mockClient(EventBridgeClient);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(BatchGetCommand).resolves({ Responses: {} });
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    sfn.onAnyCommand().resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  });
  afterEach(() => {
    ddb.reset();
    sfn.reset();
    events.reset();
    vi.useRealTimers();
  });
  afterAll(() => {
    ddb.restore();
    sfn.restore();
    events.restore();
  });
  return { ddb, sfn, events };
}

type DdbMock = ReturnType<typeof useAwsMocks>['ddb'];

/** Every DynamoDB call that changes data. "Nothing written" means this is empty. */
export function writeCalls(ddb: DdbMock) {
  return [
    ...ddb.commandCalls(TransactWriteCommand),
    ...ddb.commandCalls(PutCommand),
    ...ddb.commandCalls(UpdateCommand),
    ...ddb.commandCalls(DeleteCommand),
    ...ddb.commandCalls(BatchWriteCommand),
  ];
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The items of the n-th TransactWriteItems call. */
export function transactItems(ddb: DdbMock, n = 0): TransactItem[] {
  const call = ddb.commandCalls(TransactWriteCommand)[n];
  if (!call) throw new Error(`no TransactWriteItems call #${n}`);
  return call.args[0].input.TransactItems ?? [];
}

/** The Put item of a transaction whose sort key starts with `skPrefix`. */
export function putWithSk(items: TransactItem[], skPrefix: string) {
  return items.map((i) => i.Put).find((p) => String(p?.Item?.SK ?? '').startsWith(skPrefix));
}

// ---------- API Gateway (REST, v1) events ----------

export type Claims = Record<string, string>;

export const CLAIMS = {
  portal: { sub: 'portal-user-1', 'cognito:groups': 'portal', 'custom:portalId': 'P-100' },
  otherPortal: { sub: 'portal-user-2', 'cognito:groups': 'portal', 'custom:portalId': 'P-200' },
  reviewer: { sub: 'reviewer-7', 'cognito:groups': 'reviewer', 'custom:credential': 'MD' },
  reviewerWithoutCredential: { sub: 'reviewer-8', 'cognito:groups': 'reviewer' },
  admin: { sub: 'admin-1', 'cognito:groups': 'admin' },
} satisfies Record<string, Claims>;

export interface EventOptions {
  /** e.g. `/referrals/{id}`; the path is built from it and `params`. */
  resource: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  /** null: no authorizer claims at all. */
  claims?: Claims | null;
}

export function apiEvent(method: string, opts: EventOptions): APIGatewayProxyEvent {
  const params = opts.params ?? {};
  const path = opts.resource.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
  const body =
    opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const claims = opts.claims === undefined ? CLAIMS.portal : opts.claims;
  return {
    httpMethod: method,
    resource: opts.resource,
    path,
    pathParameters: Object.keys(params).length ? params : null,
    queryStringParameters: opts.query ?? null,
    multiValueQueryStringParameters: null,
    headers: { 'Content-Type': 'application/json', ...opts.headers },
    multiValueHeaders: {},
    body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      requestId: 'req-test-1',
      ...(claims ? { authorizer: { claims } } : {}),
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

export interface Answer {
  status: number;
  body: any;
  raw: string;
}

export function answer(res: APIGatewayProxyResult): Answer {
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, raw: res.body };
}

/** The SPEC 4 error body's `error`; throws when the body has any other shape. */
export function errorOf(a: Answer): { code: string; message: string; details?: { field: string }[] } {
  const e = a.body?.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || e.message.length === 0) {
    throw new Error(`not the SPEC 4 error shape: ${a.raw}`);
  }
  const allowed = new Set(['code', 'message', 'details']);
  const extra = [...Object.keys(a.body), ...Object.keys(e).filter((k) => !allowed.has(k))].filter(
    (k) => k !== 'error',
  );
  if (extra.length) throw new Error(`unexpected keys in the error body: ${extra.join(', ')}`);
  return e;
}

// ---------- AWS errors ----------

const meta = { $metadata: { httpStatusCode: 400 } };

export const awsErrors = {
  conditionalCheckFailed: () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta }),
  /** A transaction cancelled with one reason per item, e.g. `['None', 'None', 'ConditionalCheckFailed']`. */
  transactionCanceled: (codes: string[]) =>
    new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
      CancellationReasons: codes.map((Code) => ({ Code })),
      ...meta,
    }),
  provisionedThroughputExceeded: () =>
    new ProvisionedThroughputExceededException({
      message: 'Rate of requests exceeds the allowed throughput',
      ...meta,
    }),
  throttling: () => new ThrottlingException({ message: 'Rate exceeded', ...meta }),
};

// ---------- stored items (as the document client returns them) ----------

export const REFERRAL_ID = 'ref-0001';

/** A referral as stored, with its keys: by default approved on criteria A with an active authorization. */
export function storedReferral(
  overrides: Partial<ReferralRecord> = {},
): ReferralRecord & Record<string, unknown> {
  const record: ReferralRecord = {
    referralId: REFERRAL_ID,
    portalId: 'P-100',
    submittedBy: 'portal-user-1',
    receivedAt: '2026-11-20T10:00:00.000Z',
    status: 'APPROVED',
    request: parseReferral(referralBody({ startDate: '2026-11-20' }), TODAY),
    reasons: ['CRITERIA_A_MET'],
    criteria: [],
    lines: [
      {
        cpt: '97124',
        unitsPerVisit: 2,
        status: 'APPROVED',
        reasons: ['CRITERIA_A_MET'],
        separatelyPayable: true,
      },
    ],
    recommendation: null,
    decisionDueAt: '2026-11-23T10:00:00.000Z',
    policyVersion: 'kpwa-massage-2023-03-07',
    decidedBy: 'system',
    decidedAt: '2026-11-20T10:00:05.000Z',
    authorization: {
      status: 'ACTIVE',
      reasons: [],
      basis: 'A',
      visitsRequested: 8,
      visitsAuthorized: 6,
      visitsUsed: 0,
      validFrom: '2026-11-20',
      validTo: '2027-01-19',
      approvedCpts: ['97124'],
    },
    reviewIds: [],
    version: 3,
    ...overrides,
  };
  return { ...keys.referral(record.referralId), ...record };
}

/** A visit as stored: the fixture body parsed, hashed and billed the way the handler does it. */
export function storedVisit(
  body: Record<string, unknown> = visitBody(),
  overrides: Partial<VisitRecord> = {},
) {
  const visit = parseVisit(body, TODAY);
  const record: VisitRecord = {
    referralId: REFERRAL_ID,
    visitId: visit.visitId,
    visitNumber: 1,
    memberId: 'M-1001',
    bodyHash: bodyHash(visit),
    receivedAt: '2026-11-21T18:00:00.000Z',
    visit,
    billing: computeBilling({
      lineOfBusiness: 'commercial',
      services: visit.services,
      sameDayProcedures: visit.sameDayProcedures,
    }),
    ...overrides,
  };
  return { ...keys.visit(REFERRAL_ID, visit.visitId), ...record };
}

export const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZ-secret-task-token';

export function storedReview(overrides: Partial<ReviewRecord> = {}): ReviewRecord & Record<string, unknown> {
  const review: ReviewRecord = {
    reviewId: `rv-${REFERRAL_ID}`,
    referralId: REFERRAL_ID,
    kind: 'INITIAL',
    status: 'OPEN',
    recommendation: 'DENY',
    reasons: ['A4_NOT_MET'],
    createdAt: '2026-11-22T09:00:00.000Z',
    dueAt: '2026-11-25T09:00:00.000Z',
    escalated: false,
    taskToken: TASK_TOKEN,
    ...overrides,
  };
  return { ...keys.review(review.reviewId), ...review };
}

type StoredKey = { PK: string; SK: string };

/**
 * BatchGetItem answered as a table holding `items` would (or, given a function, the item it gives
 * for each key): each call gets the stored items among the keys it asks for (the referral's head
 * and case, a member and their providers, …).
 */
export function storeForBatchGet(
  ddb: DdbMock,
  items: Record<string, unknown>[] | ((key: StoredKey) => Record<string, unknown> | undefined),
) {
  const lookup =
    typeof items === 'function' ? items : (k: StoredKey) => items.find((i) => i.PK === k.PK && i.SK === k.SK);
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: StoredKey[] }> }) => {
    const wanted = input.RequestItems[TABLE]?.Keys ?? [];
    // As DynamoDB would: a key is its key attributes and nothing else.
    for (const k of wanted) {
      if (Object.keys(k).sort().join() !== 'PK,SK')
        throw new Error(`not a key: ${Object.keys(k).join(', ')}`);
    }
    const found = wanted.map(lookup).filter((i): i is Record<string, unknown> => i !== undefined);
    return { Responses: { [TABLE]: found } };
  });
}
