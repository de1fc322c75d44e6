import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createEventsProtocolHandler,
  createLocalEventBridge,
  type EventEnvelope,
  type EventRule,
  type LocalEventBridgeOptions,
  matchesPattern,
  type RuleTarget,
} from '../../infra/local/eventbridge.js';
import { serveAwsJson } from '../../infra/local/sfn-endpoint.js';
import { createLocalStepFunctions } from '../../infra/local/stepfunctions.js';

// The example event of the EventBridge content-filtering docs, with the fields the cases below need.
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2017-10-02T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'running',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    FileName: 'image.PNG',
    FilePath: '/usr/lib/node',
    Location: 'New York',
    Day: 'Monday',
    eventVersion: '',
    responseElements: null,
    tags: ['prod', 'phi'],
    lines: [
      { cpt: '97124', units: 2 },
      { cpt: '97140', units: 1 },
    ],
    nested: { deep: { value: 'x' } },
  },
};

const detail = (p: Record<string, unknown>) => ({ detail: p });

const cases: [string, unknown, boolean][] = [
  // exact values; fields AND, array values OR
  ['exact source', { source: ['aws.ec2'] }, true],
  ['other source', { source: ['aws.s3'] }, false],
  ['any of several values', { source: ['aws.s3', 'aws.ec2'] }, true],
  ['nested field', detail({ state: ['running'] }), true],
  ['nested field, other value', detail({ state: ['stopped'] }), false],
  ['AND of fields', detail({ Location: ['New York'], Day: ['Monday'] }), true],
  ['AND with one failing', detail({ Location: ['New York'], Day: ['Tuesday'] }), false],
  ['missing field', detail({ nope: ['x'] }), false],
  ['deeply nested', detail({ nested: { deep: { value: ['x'] } } }), true],
  ['object pattern against a scalar', detail({ state: { x: ['y'] } }), false],
  ['number literal', detail({ 'c-count': [5] }), true],
  ['number literal does not match a string', detail({ 'c-count': ['5'] }), false],
  ['string literal does not match a number', detail({ state: [5] }), false],
  // null and empty string are distinct
  ['null value', detail({ responseElements: [null] }), true],
  ['null does not match empty string', detail({ eventVersion: [null] }), false],
  ['empty string', detail({ eventVersion: [''] }), true],
  ['empty string does not match null', detail({ responseElements: [''] }), false],
  // prefix / suffix
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, true],
  ['prefix mismatch', { time: [{ prefix: '2017-10-03' }] }, false],
  ['prefix ignoring case', detail({ state: [{ prefix: { 'equals-ignore-case': 'RUN' } }] }), true],
  ['suffix', detail({ FileName: [{ suffix: '.PNG' }] }), true],
  ['suffix is case-sensitive', detail({ FileName: [{ suffix: '.png' }] }), false],
  ['suffix ignoring case', detail({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }), true],
  ['prefix on a number', detail({ 'c-count': [{ prefix: '5' }] }), false],
  // equals-ignore-case, wildcard, cidr
  ['equals-ignore-case', detail({ Location: [{ 'equals-ignore-case': 'new york' }] }), true],
  ['equals-ignore-case mismatch', detail({ Location: [{ 'equals-ignore-case': 'boston' }] }), false],
  ['wildcard', detail({ FileName: [{ wildcard: 'image.*' }] }), true],
  ['wildcard in the middle', detail({ FilePath: [{ wildcard: '/usr/*/node' }] }), true],
  ['wildcard mismatch', detail({ FileName: [{ wildcard: '*.png' }] }), false],
  ['cidr', detail({ 'source-ip': [{ cidr: '10.0.0.0/24' }] }), true],
  ['cidr mismatch', detail({ 'source-ip': [{ cidr: '10.0.1.0/24' }] }), false],
  // anything-but
  ['anything-but string', detail({ state: [{ 'anything-but': 'initializing' }] }), true],
  ['anything-but the value itself', detail({ state: [{ 'anything-but': 'running' }] }), false],
  ['anything-but number', detail({ 'x-limit': [{ 'anything-but': 123 }] }), true],
  ['anything-but list', detail({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }), true],
  ['anything-but list containing it', detail({ state: [{ 'anything-but': ['stopped', 'running'] }] }), false],
  ['anything-but numeric list', detail({ 'c-count': [{ 'anything-but': [100, 200, 300] }] }), true],
  ['anything-but prefix', detail({ state: [{ 'anything-but': { prefix: 'init' } }] }), true],
  ['anything-but prefix it has', detail({ state: [{ 'anything-but': { prefix: 'run' } }] }), false],
  ['anything-but suffix', detail({ FileName: [{ 'anything-but': { suffix: '.PNG' } }] }), false],
  [
    'anything-but equals-ignore-case',
    detail({ state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] }),
    false,
  ],
  [
    'anything-but equals-ignore-case list',
    detail({ state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'PENDING'] } }] }),
    true,
  ],
  ['anything-but wildcard', detail({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }), false],
  ['anything-but needs the field', detail({ nope: [{ 'anything-but': 'x' }] }), false],
  // numeric
  ['numeric range', detail({ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }), true],
  ['numeric above', detail({ 'c-count': [{ numeric: ['>', 5] }] }), false],
  ['numeric less than', detail({ 'd-count': [{ numeric: ['<', 10] }] }), true],
  ['numeric equals a decimal', detail({ 'x-limit': [{ numeric: ['=', 301.8] }] }), true],
  ['numeric >= boundary', detail({ 'c-count': [{ numeric: ['>=', 5] }] }), true],
  ['numeric on a string', detail({ state: [{ numeric: ['>', 0] }] }), false],
  // exists
  ['exists true', detail({ state: [{ exists: true }] }), true],
  ['exists false on a missing field', detail({ nope: [{ exists: false }] }), true],
  ['exists false on a present field', detail({ state: [{ exists: false }] }), false],
  ['exists true on a null value', detail({ responseElements: [{ exists: true }] }), true],
  ['exists true on a missing field', detail({ nope: [{ exists: true }] }), false],
  ['exists false where the parent is missing', { nothing: { here: [{ exists: false }] } }, true],
  ['exists only sees leaves', detail({ nested: [{ exists: true }] }), false],
  // $or
  [
    '$or with one branch matching',
    detail({ $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['<', 5] }] }] }),
    true,
  ],
  [
    '$or with no branch matching',
    detail({ $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['>', 5] }] }] }),
    false,
  ],
  ['$or at the top level', { $or: [{ source: ['aws.s3'] }, { 'detail-type': [{ prefix: 'EC2' }] }] }, true],
  // arrays in the event: any element
  [
    'array field, any element',
    { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
    true,
  ],
  ['array intersection', detail({ tags: ['phi', 'dev'] }), true],
  ['array without intersection', detail({ tags: ['dev'] }), false],
  ['array of objects', detail({ lines: { cpt: ['97140'] } }), true],
  ['array of objects: fields from one element', detail({ lines: { cpt: ['97140'], units: [1] } }), true],
  [
    'array of objects: fields from different elements',
    detail({ lines: { cpt: ['97140'], units: [2] } }),
    false,
  ],
  ['array element and numeric', detail({ lines: { units: [{ numeric: ['>', 1] }] } }), true],
];

describe('matchesPattern (EventBridge content filtering)', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it.each([
    ['an empty value list', { source: [] }],
    ['a bare scalar', { source: 'aws.ec2' }],
    ['an unknown operator', detail({ state: [{ regex: '.*' }] })],
    ['a bad numeric filter', detail({ 'c-count': [{ numeric: ['>', 'five'] }] })],
    ['a prefix that is not a string', detail({ state: [{ prefix: 5 }] })],
    ['$or with a single branch', { $or: [{ source: ['aws.ec2'] }] }],
    ['exists that is not boolean', detail({ state: [{ exists: 'yes' }] })],
    ['a pattern that is not an object', ['aws.ec2']],
  ])('rejects %s', (_name, pattern) => {
    expect(() => matchesPattern(pattern, event)).toThrow(
      expect.objectContaining({ name: 'InvalidEventPatternException' }),
    );
  });
});

const visitRule = (targets: RuleTarget[], eventBusName = 'prior-auth'): EventRule => ({
  name: 'visit-completed',
  eventBusName,
  eventPattern: { source: ['prior-auth.visits'], 'detail-type': ['VisitCompleted'] },
  targets,
});

const visitEntry = (extra: Record<string, unknown> = {}) => ({
  Source: 'prior-auth.visits',
  DetailType: 'VisitCompleted',
  Detail: JSON.stringify({ referralId: 'R-1', visitId: 'V-1' }),
  EventBusName: 'prior-auth',
  ...extra,
});

function collectingBus(rules: EventRule[], extra: Partial<LocalEventBridgeOptions> = {}) {
  const deliveries: { target: string; payload: unknown; event: EventEnvelope }[] = [];
  const bus = createLocalEventBridge({
    rules,
    retry: { attempts: 3, baseDelayMs: 1 },
    deliver: (target, payload, ev) => {
      deliveries.push({ target: target.id, payload, event: ev });
    },
    ...extra,
  });
  return { bus, deliveries };
}

describe('createLocalEventBridge', () => {
  it('builds the event envelope and delivers to matching rules on the same bus only', async () => {
    const { bus, deliveries } = collectingBus([
      visitRule([{ id: 'workflow', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Continuation' }]),
      visitRule([{ id: 'default-bus', arn: 'arn:aws:sqs:us-east-1:000000000000:q' }], 'default'),
      {
        name: 'other',
        eventBusName: 'prior-auth',
        eventPattern: { source: ['prior-auth.reviews'] },
        targets: [{ id: 'never', arn: 'arn:x' }],
      },
    ]);
    const response = await bus.putEvents([
      visitEntry({ Resources: ['arn:aws:states:us-east-1:000000000000:execution:x:y'] }),
    ]);
    expect(response).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(deliveries).toHaveLength(0); // delivery is asynchronous
    await bus.idle();
    expect(deliveries.map((d) => d.target)).toEqual(['workflow']);
    const delivered = deliveries[0]?.event;
    expect(delivered).toEqual({
      version: '0',
      id: (response.Entries[0] as { EventId: string }).EventId,
      'detail-type': 'VisitCompleted',
      source: 'prior-auth.visits',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:aws:states:us-east-1:000000000000:execution:x:y'],
      detail: { referralId: 'R-1', visitId: 'V-1' },
    });
    expect(deliveries[0]?.payload).toEqual(delivered);
  });

  it('reports invalid entries per entry, in order, without throwing', async () => {
    const { bus, deliveries } = collectingBus([visitRule([{ id: 't', arn: 'arn:t' }])]);
    const response = await bus.putEvents([
      visitEntry({ Source: undefined }),
      visitEntry({ Detail: '[1,2]' }),
      visitEntry(),
      visitEntry({ Detail: 'not json' }),
      visitEntry({ EventBusName: 'no-such-bus' }),
      visitEntry({ DetailType: '' }),
    ]);
    expect(response.FailedEntryCount).toBe(5);
    expect(response.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'InvalidArgument',
      'MalformedDetail',
      'ok',
      'MalformedDetail',
      'ResourceNotFoundException',
      'InvalidArgument',
    ]);
    await bus.idle();
    expect(deliveries).toHaveLength(1);
  });

  it('accepts the bus by ARN, rejects a request of more than 10 entries or none', async () => {
    const { bus } = collectingBus([visitRule([])]);
    const byArn = await bus.putEvents([
      visitEntry({ EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/prior-auth' }),
    ]);
    expect(byArn.FailedEntryCount).toBe(0);
    await expect(bus.putEvents(Array.from({ length: 11 }, () => visitEntry()))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(bus.putEvents([])).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('delivers a target Input or InputPath instead of the event', async () => {
    const { bus, deliveries } = collectingBus([
      visitRule([
        { id: 'constant', arn: 'arn:a', input: '{"kind":"tick"}' },
        { id: 'detail', arn: 'arn:b', inputPath: '$.detail' },
      ]),
    ]);
    await bus.putEvents([visitEntry()]);
    await bus.idle();
    expect(Object.fromEntries(deliveries.map((d) => [d.target, d.payload]))).toEqual({
      constant: { kind: 'tick' },
      detail: { referralId: 'R-1', visitId: 'V-1' },
    });
  });

  it('retries a failing delivery and then succeeds', async () => {
    let attempts = 0;
    const bus = createLocalEventBridge({
      rules: [
        visitRule([{ id: 't', arn: 'arn:t', deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' }]),
      ],
      retry: { attempts: 3, baseDelayMs: 1 },
      deliver: () => {
        attempts++;
        if (attempts < 3) throw new Error('throttled');
      },
    });
    await bus.putEvents([visitEntry()]);
    await bus.idle();
    expect(attempts).toBe(3);
    expect(bus.dlq()).toEqual([]);
  });

  it('dead-letters a delivery that keeps failing, persists it and reloads it after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-eb-'));
    try {
      const dlqFile = join(dir, 'nested', 'dlq.jsonl');
      const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:visit-dlq';
      const failing = () => {
        throw new Error('ExecutionLimitExceeded');
      };
      const rules = [visitRule([{ id: 'workflow', arn: 'arn:sm', deadLetterArn: dlqArn }])];
      const bus = createLocalEventBridge({
        rules,
        dlqFile,
        retry: { attempts: 2, baseDelayMs: 1 },
        deliver: failing,
      });
      const { Entries } = await bus.putEvents([visitEntry()]);
      await bus.idle();
      const records = bus.dlq(dlqArn);
      expect(records).toEqual([
        {
          at: expect.any(String),
          queueArn: dlqArn,
          ruleName: 'visit-completed',
          targetId: 'workflow',
          event: expect.objectContaining({ id: (Entries[0] as { EventId: string }).EventId }),
          error: 'Error: ExecutionLimitExceeded',
        },
      ]);
      expect(readFileSync(dlqFile, 'utf8').trim().split('\n')).toHaveLength(1);

      const restarted = createLocalEventBridge({ rules, dlqFile, deliver: () => {} });
      expect(restarted.dlq(dlqArn)).toEqual(records);
      // the same queue named by URL
      expect(restarted.dlq('https://sqs.us-east-1.amazonaws.com/000000000000/visit-dlq')).toEqual(records);
      expect(restarted.dlq('arn:aws:sqs:us-east-1:000000000000:other')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops (with an id-only warning) a failed delivery whose target has no DLQ', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const bus = createLocalEventBridge({
        rules: [visitRule([{ id: 't', arn: 'arn:t' }])],
        retry: { attempts: 1 },
        deliver: () => {
          throw new Error('down');
        },
      });
      await bus.putEvents([visitEntry()]);
      await bus.idle();
      expect(bus.dlq()).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).not.toContain('R-1'); // no payload in logs
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps sendToQueue messages in the same store', async () => {
    const { bus } = collectingBus([]);
    await bus.sendToQueue(
      'https://sqs.us-east-1.amazonaws.com/000000000000/review-queue',
      '{"reviewId":"V"}',
    );
    // Not a dead-letter queue of any rule: on the queue, not in dlq().
    expect(bus.dlq()).toEqual([]);
    expect(bus.messages('arn:aws:sqs:us-east-1:000000000000:review-queue')).toEqual([
      {
        at: expect.any(String),
        queueArn: 'https://sqs.us-east-1.amazonaws.com/000000000000/review-queue',
        messageId: expect.any(String),
        body: '{"reviewId":"V"}',
      },
    ]);
  });

  it('rejects an invalid rule pattern at start', () => {
    expect(() =>
      createLocalEventBridge({
        rules: [{ name: 'bad', eventBusName: 'default', eventPattern: { source: 'x' }, targets: [] }],
        deliver: () => {},
      }),
    ).toThrow(/Rule 'bad'/);
  });

  it('starts a local Step Functions execution for a VisitCompleted event', async () => {
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:ContinuationReviewWorkflow';
    const sfn = createLocalStepFunctions({ invokeLambda: async (_arn, payload) => payload });
    sfn.register({
      name: 'ContinuationReviewWorkflow',
      arn: stateMachineArn,
      definition: {
        StartAt: 'Take',
        States: {
          Take: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Take',
            InputPath: '$.detail',
            End: true,
          },
        },
      },
    });
    const started: string[] = [];
    const bus = createLocalEventBridge({
      rules: [visitRule([{ id: 'workflow', arn: stateMachineArn }])],
      deliver: (target, payload) => {
        started.push(
          sfn.startExecution({ stateMachineArn: target.arn, input: JSON.stringify(payload) }).executionArn,
        );
      },
    });
    await bus.putEvents([visitEntry()]);
    await bus.idle();
    const result = await sfn.waitFor(started[0] ?? '');
    expect(JSON.parse(result.output ?? '')).toEqual({ referralId: 'R-1', visitId: 'V-1' });
    await sfn.shutdown();
  });
});

describe('EventBridge AWS JSON protocol with the real @aws-sdk/client-eventbridge', () => {
  let server: Server;
  let client: EventBridgeClient;
  const { bus, deliveries } = collectingBus([visitRule([{ id: 'workflow', arn: 'arn:sm' }])]);

  beforeAll(async () => {
    const serve = serveAwsJson(createEventsProtocolHandler(bus));
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new EventBridgeClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise((r) => server.close(r));
  });

  it('puts events and returns AWS-shaped results, entry errors included', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [visitEntry({ Time: new Date('2026-12-03T10:00:00Z') }), visitEntry({ Detail: 'oops' })],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.EventId).toEqual(expect.any(String));
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    await bus.idle();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.event.time).toBe('2026-12-03T10:00:00Z');
  });

  it('answers a request of 11 entries with ValidationException', async () => {
    const err = await client
      .send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => visitEntry()) }))
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ValidationException' });
  });
});
