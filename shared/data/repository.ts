import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '../errors.js';
import type { HistoryEntry, ReferralRecord, ReReviewRecord, ReviewRecord, VisitRecord } from '../model.js';
import type { DeterminationPatch, ReReviewPatch } from '../policy/outcomes.js';
import {
  BUCKET_COUNT,
  type DecisionIncrement,
  emptyAggregate,
  type ReportAggregate,
  type Urgency,
} from '../report.js';
import type { Member, Provider } from '../schemas.js';
import { gsi, keys } from './keys.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Capacity observer: the bench adds up what each operation consumed. */
export type CapacityObserver = (
  operation: string,
  read: number,
  write: number,
  call?: { input: unknown; ms: number },
) => void;

/**
 * Process-wide observers, consulted by every Repository besides its own (the system bench runs the
 * local stack in-process and counts each operation without touching the handlers). Empty: no cost.
 */
export const capacityObservers = new Set<CapacityObserver>();

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
]);

function isConditionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ConditionalCheckFailedException') return true;
  if (err.name === 'TransactionCanceledException') {
    const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return false;
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (TRANSIENT.has(err.name) || TRANSIENT.has((err as { code?: string }).code ?? '')) return true;
  // A transaction that lost a race with another transaction is worth another try.
  if (err.name === 'TransactionCanceledException') {
    const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError');
  }
  return false;
}

/** Thrown when a conditional write found the item changed or already present. */
export class ConditionFailedError extends ConflictError {
  override readonly name: string = 'ConditionFailedError';
  constructor(cause?: unknown) {
    super('CONCURRENT_UPDATE', 'The record changed while it was being updated; try again.', cause);
  }
}

function strip<T extends Record<string, unknown>>(item: T | undefined): Omit<T, 'PK' | 'SK'> | undefined {
  if (!item) return undefined;
  const { PK: _pk, SK: _sk, GSI1PK: _a, GSI1SK: _b, GSI2PK: _c, GSI2SK: _d, expiresAt: _e, ...rest } = item;
  return rest as Omit<T, 'PK' | 'SK'>;
}

/**
 * Changes to an item's attributes, applied in place by an UpdateItem (no read first). Paths are
 * attribute names, nested with further elements: `['authorization', 'status']`.
 */
export interface ItemChanges {
  set?: [path: string[], value: unknown][];
  /** `path = path + n` */
  increment?: [path: string[], n: number][];
  remove?: string[][];
}

function updateExpression(changes: ItemChanges) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const nameOf = new Map<string, string>();
  const path = (parts: string[]) =>
    parts
      .map((part) => {
        let alias = nameOf.get(part);
        if (!alias) {
          alias = `#n${nameOf.size}`;
          nameOf.set(part, alias);
          names[alias] = part;
        }
        return alias;
      })
      .join('.');
  const value = (v: unknown) => {
    const alias = `:v${Object.keys(values).length}`;
    values[alias] = v;
    return alias;
  };
  const sets = [
    ...(changes.set ?? []).map(([p, v]) => `${path(p)} = ${value(v)}`),
    ...(changes.increment ?? []).map(([p, n]) => `${path(p)} = ${path(p)} + ${value(n)}`),
  ];
  const removes = (changes.remove ?? []).map(path);
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { expression, names, values, path, value };
}

/** A set of writes that must all happen or none (SPEC 2: a determination and its history entry, a visit and the ledger). */
export class Transaction {
  readonly items: TransactItem[] = [];
  constructor(private readonly table: string) {}

  /** Writes the referral, requiring the version read earlier (null = must not exist yet). */
  putReferral(record: ReferralRecord, expectedVersion: number | null): this {
    const next = { ...record, version: (expectedVersion ?? 0) + 1 };
    const item: Record<string, unknown> = {
      ...keys.referral(record.referralId),
      ...next,
      GSI1PK: gsi.portalReferrals(record.portalId),
      GSI1SK: `${record.receivedAt}#${record.referralId}`,
    };
    if (record.status === 'RECEIVED' && !record.failure) {
      item.GSI2PK = gsi.reconcileReferrals;
      item.GSI2SK = `${record.receivedAt}#${record.referralId}`;
    }
    this.items.push({
      Put: {
        TableName: this.table,
        Item: item,
        ConditionExpression:
          expectedVersion === null ? 'attribute_not_exists(PK)' : '#version = :expectedVersion',
        ...(expectedVersion === null
          ? {}
          : {
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expectedVersion': expectedVersion },
            }),
      },
    });
    record.version = next.version;
    return this;
  }

  /**
   * Changes the referral in place, requiring the version read earlier (as `putReferral` does) and
   * bumping it; for writers that know what changes without reading the whole item again. The
   * reconcile marker (GSI2) is dropped: only a referral still RECEIVED carries it.
   */
  updateReferral(referralId: string, expectedVersion: number, changes: ItemChanges): this {
    const u = updateExpression({
      ...changes,
      set: [...(changes.set ?? []), [['version'], expectedVersion + 1]],
      remove: [...(changes.remove ?? []), ['GSI2PK'], ['GSI2SK']],
    });
    const condition = `${u.path(['version'])} = ${u.value(expectedVersion)}`;
    this.items.push({
      Update: {
        TableName: this.table,
        Key: keys.referral(referralId),
        UpdateExpression: u.expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      },
    });
    return this;
  }

  /** Writes a determination (automatic or a reviewer's) in place and drops the proposed authorization. */
  recordDetermination(referralId: string, expectedVersion: number, referral: DeterminationPatch['referral']) {
    return this.updateReferral(referralId, expectedVersion, {
      set: Object.entries(referral).map(([k, v]) => [[k], v]),
      remove: [['proposedAuthorization']],
    });
  }

  /** Applies a re-review's change to the referral's authorization in place. */
  applyToAuthorization(referralId: string, expectedVersion: number, patch: ReReviewPatch['authorization']) {
    const set: [string[], unknown][] = [
      [['authorization', 'status'], patch.status],
      [['authorization', 'reasons'], patch.reasons],
    ];
    if (patch.validTo) set.push([['authorization', 'validTo'], patch.validTo]);
    const increment: [string[], number][] = patch.addVisits
      ? [[['authorization', 'visitsAuthorized'], patch.addVisits]]
      : [];
    return this.updateReferral(referralId, expectedVersion, { set, increment });
  }

  /**
   * Records a visit's re-review in place. The visit must exist and hold no re-review yet (`none`), or
   * hold the REVIEW still waiting for the reviewer whose decision this records (`pending-review`).
   */
  recordVisitReReview(
    referralId: string,
    visitId: string,
    reReview: ReReviewRecord,
    replaces: 'none' | 'pending-review' = 'none',
  ): this {
    const u = updateExpression({ set: [[['reReview'], reReview]], remove: [['GSI2PK'], ['GSI2SK']] });
    const rr = u.path(['reReview']);
    const guard =
      replaces === 'none'
        ? `attribute_not_exists(${rr})`
        : `${u.path(['reReview', 'action'])} = ${u.value('REVIEW')} AND attribute_not_exists(${u.path(['reReview', 'decidedBy'])})`;
    this.items.push({
      Update: {
        TableName: this.table,
        Key: keys.visit(referralId, visitId),
        UpdateExpression: u.expression,
        ConditionExpression: `attribute_exists(PK) AND ${guard}`,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      },
    });
    return this;
  }

  addHistory(referralId: string, entry: HistoryEntry): this {
    this.items.push({
      Put: {
        TableName: this.table,
        Item: { ...keys.history(referralId, entry.at, randomUUID().slice(0, 8)), ...entry },
      },
    });
    return this;
  }

  /** Writes a review; `expect` guards the status read earlier (or requires a new review). */
  putReview(review: ReviewRecord, expect: 'new' | 'OPEN' | 'any'): this {
    const item: Record<string, unknown> = { ...keys.review(review.reviewId), ...review };
    // Decided-but-not-yet-applied reviews stay indexed so a crash between decision and record is recoverable.
    if (review.status === 'OPEN' || !review.recorded) {
      item.GSI1PK = gsi.openReviews;
      item.GSI1SK = `${review.dueAt}#${review.reviewId}`;
    }
    const condition =
      expect === 'new'
        ? { ConditionExpression: 'attribute_not_exists(PK)' }
        : expect === 'OPEN'
          ? {
              ConditionExpression: '#status = :open',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':open': 'OPEN' },
            }
          : {};
    this.items.push({ Put: { TableName: this.table, Item: item, ...condition } });
    return this;
  }

  /** Writes a visit; a new one must not exist yet (the visitId is the client's idempotency key). */
  putVisit(visit: VisitRecord, isNew: boolean): this {
    const item: Record<string, unknown> = {
      ...keys.visit(visit.referralId, visit.visitId),
      ...visit,
      GSI1PK: gsi.memberVisits(visit.memberId, Number(visit.visit.date.slice(0, 4))),
      GSI1SK: `${visit.visit.date}#${visit.visitId}`,
    };
    if (!visit.reReview) {
      item.GSI2PK = gsi.reconcileVisits;
      item.GSI2SK = `${visit.receivedAt}#${visit.visitId}`;
    }
    this.items.push({
      Put: {
        TableName: this.table,
        Item: item,
        ...(isNew ? { ConditionExpression: 'attribute_not_exists(PK)' } : {}),
      },
    });
    return this;
  }

  /** Counts a visit against the member's year, refusing to pass the yearly limit. */
  countMemberVisit(memberId: string, year: number, yearlyAllowance: number): this {
    this.items.push({
      Update: {
        TableName: this.table,
        Key: keys.memberYear(memberId, year),
        UpdateExpression: 'ADD visitsUsed :one',
        ConditionExpression: 'attribute_not_exists(visitsUsed) OR visitsUsed < :allowance',
        ExpressionAttributeValues: { ':one': 1, ':allowance': yearlyAllowance },
      },
    });
    return this;
  }

  /** SPEC 12: counts a first determination in its year's report aggregate (ADDs: no read, no lost update). */
  countDecision(year: number, urgency: Urgency, inc: DecisionIncrement): this {
    this.items.push({
      Update: {
        TableName: this.table,
        Key: keys.report(year, urgency),
        UpdateExpression:
          'ADD decided :d, approved :a, denied :n, approvedAfterExtension :e, totalSeconds :s, #bucket :one',
        ExpressionAttributeNames: { '#bucket': `h${inc.bucket}` },
        ExpressionAttributeValues: {
          ':d': inc.decided,
          ':a': inc.approved,
          ':n': inc.denied,
          ':e': inc.approvedAfterExtension,
          ':s': inc.totalSeconds,
          ':one': 1,
        },
      },
    });
    return this;
  }

  /** SPEC 12: a determination overturned on appeal, counted in the year it was first made. */
  countApprovedAfterAppeal(year: number, urgency: Urgency): this {
    this.items.push({
      Update: {
        TableName: this.table,
        Key: keys.report(year, urgency),
        UpdateExpression: 'ADD approvedAfterAppeal :one',
        ExpressionAttributeValues: { ':one': 1 },
      },
    });
    return this;
  }

  putIdempotency(scope: string, key: string, bodyHash: string, response: unknown, expiresAt: number): this {
    this.items.push({
      Put: {
        TableName: this.table,
        Item: { ...keys.idempotency(scope, key), bodyHash, response, expiresAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    });
    return this;
  }
}

export interface ReferralBundle {
  referral: ReferralRecord;
  history: HistoryEntry[];
  visits: VisitRecord[];
}

/** Data access over the single table. The only module that knows the key layout. */
export class Repository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly table: string,
    private readonly onCapacity?: CapacityObserver,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  transaction(): Transaction {
    return new Transaction(this.table);
  }

  async commit(tx: Transaction): Promise<void> {
    if (tx.items.length === 0) return;
    await this.send(
      'TransactWriteItems',
      new TransactWriteCommand({ TransactItems: tx.items, ReturnConsumedCapacity: 'TOTAL' }),
    );
  }

  async getMember(memberId: string): Promise<Member | undefined> {
    return strip(await this.get<Member & Record<string, unknown>>(keys.member(memberId))) as
      | Member
      | undefined;
  }

  async putMember(memberId: string, member: Member): Promise<void> {
    await this.send(
      'PutItem',
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.member(memberId), ...member },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  /** Visits recorded in the system for a member in one calendar year (SPEC 5.1). */
  async getMemberVisitsUsed(memberId: string, year: number): Promise<number> {
    const item = await this.get<{ visitsUsed?: number }>(keys.memberYear(memberId, year));
    return item?.visitsUsed ?? 0;
  }

  /**
   * The member, the visits recorded for them in `year` and the providers named, in one round trip
   * (a strongly consistent BatchGetItem): what an evaluation reads besides the referral.
   */
  async getMemberAndProviders(
    memberId: string,
    year: number,
    npis: readonly string[],
  ): Promise<{ member?: Member; visitsUsed: number; providers: Map<string, Provider> }> {
    const wanted = [
      keys.member(memberId),
      keys.memberYear(memberId, year),
      ...npis.map((n) => keys.provider(n)),
    ];
    const found = await this.getMany(wanted);
    const at = (key: Record<string, string>) => found.get(`${key.PK}\u0000${key.SK}`);
    const member = strip(at(keys.member(memberId))) as Member | undefined;
    const visitsUsed = (at(keys.memberYear(memberId, year))?.visitsUsed as number | undefined) ?? 0;
    const providers = new Map<string, Provider>();
    for (const npi of npis) {
      const item = at(keys.provider(npi));
      if (item) providers.set(npi, strip(item) as unknown as Provider);
    }
    return { ...(member ? { member } : {}), visitsUsed, providers };
  }

  async getProvider(npi: string): Promise<Provider | undefined> {
    return strip(await this.get<Provider & Record<string, unknown>>(keys.provider(npi))) as
      | Provider
      | undefined;
  }

  async putProvider(npi: string, provider: Provider): Promise<void> {
    await this.send(
      'PutItem',
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.provider(npi), ...provider },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async getReferral(referralId: string): Promise<ReferralRecord | undefined> {
    return strip(await this.get<ReferralRecord & Record<string, unknown>>(keys.referral(referralId))) as
      | ReferralRecord
      | undefined;
  }

  /** The referral with its history and visits: one query over its partition. */
  async getReferralBundle(referralId: string): Promise<ReferralBundle | undefined> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.referralPartition(referralId) },
      ConsistentRead: true,
    });
    let referral: ReferralRecord | undefined;
    const history: HistoryEntry[] = [];
    const visits: VisitRecord[] = [];
    for (const item of items) {
      const sk = String(item.SK);
      if (sk === 'REFERRAL') referral = strip(item) as unknown as ReferralRecord;
      else if (sk.startsWith('HISTORY#')) history.push(strip(item) as unknown as HistoryEntry);
      else if (sk.startsWith('VISIT#')) visits.push(strip(item) as unknown as VisitRecord);
    }
    if (!referral) return undefined;
    history.sort((a, b) => a.at.localeCompare(b.at));
    visits.sort((a, b) => a.visitNumber - b.visitNumber);
    return { referral, history, visits };
  }

  async getVisit(referralId: string, visitId: string): Promise<VisitRecord | undefined> {
    return strip(await this.get<VisitRecord & Record<string, unknown>>(keys.visit(referralId, visitId))) as
      | VisitRecord
      | undefined;
  }

  /** Claims a visit's re-review; false when another delivery of the same visit claimed it first. */
  async claimReReview(referralId: string, visitId: string, claim: string): Promise<boolean> {
    try {
      await this.send(
        'UpdateItem',
        new UpdateCommand({
          TableName: this.table,
          Key: keys.visit(referralId, visitId),
          UpdateExpression: 'SET reReviewClaim = :claim',
          ConditionExpression:
            'attribute_exists(PK) AND attribute_not_exists(reReviewClaim) AND attribute_not_exists(reReview)',
          ExpressionAttributeValues: { ':claim': claim },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionFailedError) return false;
      throw err;
    }
  }

  /** Releases a claim whose execution died (local crash recovery, failures), so a re-drive can redo the re-review. */
  async releaseReReviewClaim(referralId: string, visitId: string): Promise<void> {
    await this.send(
      'UpdateItem',
      new UpdateCommand({
        TableName: this.table,
        Key: keys.visit(referralId, visitId),
        UpdateExpression: 'REMOVE reReviewClaim',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(reReview)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ).catch((err) => {
      if (!(err instanceof ConditionFailedError)) throw err;
    });
  }

  async getReview(reviewId: string): Promise<ReviewRecord | undefined> {
    return strip(await this.get<ReviewRecord & Record<string, unknown>>(keys.review(reviewId))) as
      | ReviewRecord
      | undefined;
  }

  /** The reviews by id, oldest first, through the one batch reader (unprocessed keys are retried). */
  async getReviews(reviewIds: string[]): Promise<ReviewRecord[]> {
    if (reviewIds.length === 0) return [];
    const found = await this.getMany(reviewIds.map((id) => keys.review(id)));
    const out = [...found.values()].map((item) => strip(item) as unknown as ReviewRecord);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Open reviews, soonest due first (GSI1 sorts by due time). */
  async listOpenReviews(limit = 200): Promise<ReviewRecord[]> {
    return (await this.listUnappliedReviews(limit)).filter((r) => r.status === 'OPEN');
  }

  /** Open reviews and decided ones the workflow has not applied yet (the recovery's work list). */
  async listUnappliedReviews(limit = 200): Promise<ReviewRecord[]> {
    const items = await this.queryAll(
      {
        TableName: this.table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': gsi.openReviews },
      },
      limit,
    );
    return items.map((i) => strip(i) as unknown as ReviewRecord);
  }

  /** Referrals still RECEIVED, and visits not yet re-reviewed, older than `before` (the reconciliation's work list). */
  async listUnfinished(
    kind: 'referral' | 'visit',
    before: string,
    limit = 100,
  ): Promise<Record<string, unknown>[]> {
    const items = await this.queryAll(
      {
        TableName: this.table,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
        ExpressionAttributeValues: {
          ':pk': kind === 'referral' ? gsi.reconcileReferrals : gsi.reconcileVisits,
          ':before': before,
        },
      },
      limit,
    );
    return items.map((i) => strip(i) as Record<string, unknown>);
  }

  /** SPEC 12: the year's aggregates, one Query over the year's partition (two items). */
  async getReportAggregates(year: number): Promise<Record<Urgency, ReportAggregate>> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.reportYear(year) },
      ConsistentRead: true,
    });
    const out: Record<Urgency, ReportAggregate> = { standard: emptyAggregate(), expedited: emptyAggregate() };
    for (const item of items) {
      const urgency = String(item.SK).replace('URGENCY#', '');
      if (urgency !== 'standard' && urgency !== 'expedited') continue;
      const num = (k: string) => Number(item[k] ?? 0);
      const histogram: Record<number, number> = {};
      for (let i = 0; i < BUCKET_COUNT; i++) if (item[`h${i}`] !== undefined) histogram[i] = num(`h${i}`);
      out[urgency] = {
        decided: num('decided'),
        approved: num('approved'),
        denied: num('denied'),
        approvedAfterAppeal: num('approvedAfterAppeal'),
        approvedAfterExtension: num('approvedAfterExtension'),
        totalSeconds: num('totalSeconds'),
        histogram,
      };
    }
    return out;
  }

  async getIdempotency(
    scope: string,
    key: string,
  ): Promise<{ bodyHash: string; response: unknown } | undefined> {
    const item = await this.get<{ bodyHash: string; response: unknown; expiresAt: number }>(
      keys.idempotency(scope, key),
    );
    // TTL deletion lags; an expired record no longer counts.
    if (!item || item.expiresAt * 1000 < Date.now()) return undefined;
    return { bodyHash: item.bodyHash, response: item.response };
  }

  /** Items by key (duplicates allowed), strongly consistent, in as few BatchGetItem calls as it takes. */
  private async getMany(wanted: Record<string, string>[]): Promise<Map<string, Record<string, unknown>>> {
    const id = (k: Record<string, unknown>) => `${k.PK}\u0000${k.SK}`;
    const unique = [...new Map(wanted.map((k) => [id(k), k])).values()];
    const found = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] = unique.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        if (attempt > 5) throw new TransientError('DynamoDB BatchGetItem left keys unprocessed');
        const res = await this.send(
          'BatchGetItem',
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        for (const item of res.Responses?.[this.table] ?? []) found.set(id(item), item);
        pending = res.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  private async get<T>(key: Record<string, string>): Promise<T | undefined> {
    const res = await this.send(
      'GetItem',
      new GetCommand({
        TableName: this.table,
        Key: key,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return res.Item as T | undefined;
  }

  private async queryAll(
    input: QueryCommandInput,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.send(
        'Query',
        new QueryCommand({ ...input, ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL' }),
      );
      out.push(...((res.Items ?? []) as Record<string, unknown>[]));
      start = res.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  // biome-ignore lint/suspicious/noExplicitAny: each command's own output type flows back to the caller
  private async send<C extends { input: unknown }>(operation: string, command: C): Promise<any> {
    try {
      const observed = this.onCapacity !== undefined || capacityObservers.size > 0;
      const started = observed ? performance.now() : 0;
      // biome-ignore lint/suspicious/noExplicitAny: the document client's overloads do not accept a generic command
      const res = await this.doc.send(command as any);
      if (observed) {
        const consumed = (res as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
        let read = 0;
        let write = 0;
        for (const c of list as {
          ReadCapacityUnits?: number;
          WriteCapacityUnits?: number;
          CapacityUnits?: number;
        }[]) {
          read += c.ReadCapacityUnits ?? 0;
          write += c.WriteCapacityUnits ?? 0;
          if (c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined) {
            // DynamoDB reports only CapacityUnits for some operations: attribute by operation kind.
            if (/Get|Query/.test(operation)) read += c.CapacityUnits ?? 0;
            else write += c.CapacityUnits ?? 0;
          }
        }
        this.onCapacity?.(operation, read, write);
        if (capacityObservers.size > 0) {
          const call = { input: command.input, ms: performance.now() - started };
          for (const observer of capacityObservers) observer(operation, read, write, call);
        }
      }
      return res;
    } catch (err) {
      if (isConditionFailure(err)) throw new ConditionFailedError(err);
      if (isTransient(err)) throw new TransientError(`DynamoDB ${operation} failed transiently`, err);
      throw err;
    }
  }
}
