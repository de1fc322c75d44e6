import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  EvaluationReads,
  HistoryEntry,
  ReferralRecord,
  ReReviewRecord,
  ReviewRecord,
  VisitRecord,
} from '../model.js';
import type { DeterminationPatch, ReReviewPatch } from '../policy/outcomes.js';
import {
  BUCKET_COUNT,
  type DecisionIncrement,
  emptyAggregate,
  type ReportAggregate,
  type Urgency,
} from '../report.js';
import { type Member, MemberSchema, type Provider } from '../schemas.js';
import { gsi, keys } from './keys.js';
import {
  HistoryEntrySchema,
  ProviderRecordSchema,
  parseRecord,
  ReferralRecordSchema,
  ReviewRecordSchema,
  VisitRecordSchema,
} from './records.js';
import {
  ConditionFailedError,
  type Item,
  type ItemChanges,
  type Key,
  keyOf,
  TableClient,
  type TransactItem,
  updateExpression,
} from './table.js';

export { ConditionFailedError, type ItemChanges };

/** A set of writes that must all happen or none (SPEC 2: a determination and its history entry, a visit and the ledger). */
export class Transaction {
  readonly items: TransactItem[] = [];
  constructor(private readonly table: string) {}

  /**
   * Writes the referral as version `expectedVersion + 1`, requiring the version read earlier (null =
   * must not exist yet), and its case beside it. `record` itself is left as it was.
   */
  putReferral(record: ReferralRecord, expectedVersion: number | null): this {
    const { request, ...head } = record;
    const item: Record<string, unknown> = {
      ...keys.referral(record.referralId),
      ...head,
      version: (expectedVersion ?? 0) + 1,
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
    // The case (the clinical body) is its own item. A whole-record write keeps it with the head (a head
    // read before the split carried it); the frequent writes change the head in place and leave it alone.
    this.items.push({
      Put: {
        TableName: this.table,
        Item: { ...keys.referralCase(record.referralId), referralId: record.referralId, request },
      },
    });
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

export type CreateReferralOutcome =
  | { created: true }
  | { created: false; referral?: ReferralRecord; idempotency?: ReferralRecord['idempotency'] };

export interface ReferralBundle {
  referral: ReferralRecord;
  history: HistoryEntry[];
  visits: VisitRecord[];
}

/** Entity mapping over the single table: records in, items out. The only module that knows the key layout. */
export class Repository {
  private readonly db: TableClient;

  constructor(
    client: DynamoDBClient,
    readonly table: string,
  ) {
    this.db = new TableClient(client, table);
  }

  transaction(): Transaction {
    return new Transaction(this.table);
  }

  async commit(tx: Transaction): Promise<void> {
    await this.db.transact(tx.items);
  }

  /**
   * Stores a new referral as two conditional writes, no transaction: its case first, then its head.
   * The head is what makes the referral exist (every read, the reconciliation's index and the stream
   * start from it), so a crash between the two leaves only a case nothing refers to, and the request
   * was never answered. A repeat of an id (one derived from an idempotency key) finds the earlier
   * submission: `created: false` with the stored referral, or — when only its case got written —
   * that case's idempotency, after which a matching repeat completes the referral itself.
   */
  async createReferral(record: ReferralRecord): Promise<CreateReferralOutcome> {
    const { request, ...head } = record;
    const kase = {
      ...keys.referralCase(record.referralId),
      referralId: record.referralId,
      request,
      ...(record.idempotency ? { idempotency: record.idempotency } : {}),
    };
    try {
      await this.db.put({ Item: kase, ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const headKey = keys.referral(record.referralId);
      const caseKey = keys.referralCase(record.referralId);
      const found = await this.db.getMany([headKey, caseKey]);
      const storedHead = found.get(keyOf(headKey));
      const storedCase = found.get(keyOf(caseKey));
      if (storedHead) return { created: false, referral: referralOf(storedHead, storedCase) };
      const stored = storedCase?.idempotency as ReferralRecord['idempotency'];
      const same =
        stored?.key === record.idempotency?.key && stored?.bodyHash === record.idempotency?.bodyHash;
      if (!same || !record.idempotency) return { created: false, ...(stored ? { idempotency: stored } : {}) };
    }
    const item: Record<string, unknown> = { ...keys.referral(record.referralId), ...head, version: 1 };
    if (record.status === 'RECEIVED' && !record.failure) {
      item.GSI2PK = gsi.reconcileReferrals;
      item.GSI2SK = `${record.receivedAt}#${record.referralId}`;
    }
    try {
      await this.db.put({ Item: item, ConditionExpression: 'attribute_not_exists(PK)' });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      // A concurrent repeat wrote the head first.
      return { created: false, referral: await this.getReferral(record.referralId) };
    }
    return { created: true };
  }

  async putMember(memberId: string, member: Member): Promise<void> {
    await this.db.put({ Item: { ...keys.member(memberId), ...member } });
  }

  /** Visits recorded in the system for a member in one calendar year (SPEC 5.1). */
  async getMemberVisitsUsed(memberId: string, year: number): Promise<number> {
    return visitsUsedOf(await this.db.get(keys.memberYear(memberId, year)));
  }

  /**
   * The member and the visits recorded for them in `year`, in one strongly consistent BatchGetItem:
   * what eligibility, recording and re-reviewing a visit and an appeal's decision read (one call, not
   * two GetItems).
   */
  async getMemberWithVisitsUsed(
    memberId: string,
    year: number,
  ): Promise<{ member: Member | undefined; visitsUsed: number }> {
    const { member, visitsUsed } = await this.getMemberAndProviders(memberId, year, []);
    return { member, visitsUsed };
  }

  /**
   * The member, the visits recorded for them in `year` and the providers named, in one round trip
   * (a strongly consistent BatchGetItem): what an evaluation reads besides the referral.
   */
  async getMemberAndProviders(
    memberId: string,
    year: number,
    npis: readonly string[],
  ): Promise<EvaluationData> {
    const reads = { memberId, year, npis: [...npis] };
    return evaluationDataOf(await this.db.getMany(evaluationKeys(reads)), reads);
  }

  /**
   * The referral (head and case) with what `reads` names, in one strongly consistent BatchGetItem:
   * an evaluation told beforehand what it will read. The caller checks that the case names the same.
   */
  async getReferralWith(
    referralId: string,
    reads: EvaluationReads,
  ): Promise<{ referral?: ReferralRecord; data: EvaluationData }> {
    const head = keys.referral(referralId);
    const kase = keys.referralCase(referralId);
    const found = await this.db.getMany([head, kase, ...evaluationKeys(reads)]);
    const referral = referralOf(found.get(keyOf(head)), found.get(keyOf(kase)));
    return { ...(referral ? { referral } : {}), data: evaluationDataOf(found, reads) };
  }

  async getProvider(npi: string): Promise<Provider | undefined> {
    const item = await this.db.get(keys.provider(npi));
    return item && parseRecord(ProviderRecordSchema, item);
  }

  async putProvider(npi: string, provider: Provider): Promise<void> {
    await this.db.put({ Item: { ...keys.provider(npi), ...provider } });
  }

  /** The referral's head and its case, in one strongly consistent BatchGetItem. */
  async getReferral(referralId: string): Promise<ReferralRecord | undefined> {
    const head = keys.referral(referralId);
    const kase = keys.referralCase(referralId);
    const found = await this.db.getMany([head, kase]);
    return referralOf(found.get(keyOf(head)), found.get(keyOf(kase)));
  }

  /** The referral with its history and visits: one query over its partition. */
  async getReferralBundle(referralId: string): Promise<ReferralBundle | undefined> {
    const items = await this.db.query({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.referralPartition(referralId) },
      ConsistentRead: true,
    });
    let head: Item | undefined;
    let kase: Item | undefined;
    const history: HistoryEntry[] = [];
    const visits: VisitRecord[] = [];
    for (const item of items) {
      const sk = String(item.SK);
      if (sk === 'REFERRAL') head = item;
      else if (sk === 'CASE') kase = item;
      else if (sk.startsWith('HISTORY#')) history.push(parseRecord(HistoryEntrySchema, item));
      else if (sk.startsWith('VISIT#')) visits.push(parseRecord(VisitRecordSchema, item));
    }
    const referral = referralOf(head, kase);
    if (!referral) return undefined;
    // The intake writes no history entry of its own: the head's receipt time and submitter are the
    // RECEIVED entry (referrals stored before that carry one).
    if (!history.some((h) => h.event === 'RECEIVED')) history.push(receivedEntry(referral));
    history.sort((a, b) => a.at.localeCompare(b.at));
    visits.sort((a, b) => a.visitNumber - b.visitNumber);
    return { referral, history, visits };
  }

  async getVisit(referralId: string, visitId: string): Promise<VisitRecord | undefined> {
    const item = await this.db.get(keys.visit(referralId, visitId));
    return item && parseRecord(VisitRecordSchema, item);
  }

  /**
   * Claims a visit's re-review for one delivery of its event (`claim`, the event's id): true when
   * this delivery now holds the claim, false when another delivery holds it or the visit is re-reviewed.
   */
  async claimReReview(referralId: string, visitId: string, claim: string): Promise<boolean> {
    try {
      await this.db.update({
        Key: keys.visit(referralId, visitId),
        UpdateExpression: 'SET reReviewClaim = :claim',
        ConditionExpression:
          'attribute_exists(PK) AND attribute_not_exists(reReviewClaim) AND attribute_not_exists(reReview)',
        ExpressionAttributeValues: { ':claim': claim },
      });
      return true;
    } catch (err) {
      if (err instanceof ConditionFailedError) return false;
      throw err;
    }
  }

  async getReview(reviewId: string): Promise<ReviewRecord | undefined> {
    const item = await this.db.get(keys.review(reviewId));
    return item && parseRecord(ReviewRecordSchema, item);
  }

  /** The reviews by id, oldest first, through the one batch reader (unprocessed keys are retried). */
  async getReviews(reviewIds: readonly string[]): Promise<ReviewRecord[]> {
    if (reviewIds.length === 0) return [];
    const found = await this.db.getMany(reviewIds.map((id) => keys.review(id)));
    const out = [...found.values()].map((item) => parseRecord(ReviewRecordSchema, item));
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Open reviews, soonest due first (GSI1 sorts by due time). */
  async listOpenReviews(limit = 200): Promise<ReviewRecord[]> {
    return (await this.listUnappliedReviews(limit)).filter((r) => r.status === 'OPEN');
  }

  /** Open reviews and decided ones the workflow has not applied yet (the recovery's work list). */
  async listUnappliedReviews(limit = 200): Promise<ReviewRecord[]> {
    const items = await this.db.query(
      {
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': gsi.openReviews },
      },
      limit,
    );
    return items.map((i) => parseRecord(ReviewRecordSchema, i));
  }

  /** Referrals still RECEIVED older than `before`: the reconciliation's work list (their ids). */
  async listUndeterminedReferrals(before: string, limit = 100): Promise<string[]> {
    const marked = await this.listMarked(gsi.reconcileReferrals, before, limit);
    return marked.map((k) => k.PK.slice(keys.referralPartition('').length));
  }

  /** Visits not yet re-reviewed, received before `before`: the reconciliation's work list. */
  async listVisitsNotReReviewed(before: string, limit = 100): Promise<VisitRecord[]> {
    // GSI2 projects keys only: the visits themselves come by key, through the batch reader.
    const marked = await this.listMarked(gsi.reconcileVisits, before, limit);
    const found = await this.db.getMany(marked);
    return [...found.values()]
      .map((i) => parseRecord(VisitRecordSchema, i))
      .filter((v) => !v.reReview)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  private async listMarked(marker: string, before: string, limit: number): Promise<Key[]> {
    const items = await this.db.query(
      {
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
        ExpressionAttributeValues: { ':pk': marker, ':before': before },
      },
      limit,
    );
    return items.map((i) => ({ PK: String(i.PK), SK: String(i.SK) }));
  }

  /** SPEC 12: the year's aggregates, one Query over the year's partition (two items). */
  async getReportAggregates(year: number): Promise<Record<Urgency, ReportAggregate>> {
    const items = await this.db.query({
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
    const item = await this.db.get(keys.idempotency(scope, key));
    if (!item || typeof item.bodyHash !== 'string') return undefined;
    // TTL deletion lags; an expired record no longer counts.
    if (typeof item.expiresAt !== 'number' || item.expiresAt * 1000 < Date.now()) return undefined;
    return { bodyHash: item.bodyHash, response: item.response };
  }
}

export interface EvaluationData {
  member?: Member;
  visitsUsed: number;
  providers: Map<string, Provider>;
}

const evaluationKeys = (r: EvaluationReads): Key[] => [
  keys.member(r.memberId),
  keys.memberYear(r.memberId, r.year),
  ...r.npis.map((n) => keys.provider(n)),
];

function evaluationDataOf(found: Map<string, Item>, r: EvaluationReads): EvaluationData {
  const memberItem = found.get(keyOf(keys.member(r.memberId)));
  const providers = new Map<string, Provider>();
  for (const npi of r.npis) {
    const item = found.get(keyOf(keys.provider(npi)));
    if (item) providers.set(npi, parseRecord(ProviderRecordSchema, item));
  }
  return {
    ...(memberItem ? { member: parseRecord(MemberSchema, memberItem) } : {}),
    visitsUsed: visitsUsedOf(found.get(keyOf(keys.memberYear(r.memberId, r.year)))),
    providers,
  };
}

/** The history entry a referral's arrival is: when, and which portal user submitted it. */
const receivedEntry = (referral: ReferralRecord): HistoryEntry => ({
  at: referral.receivedAt,
  actor: { id: referral.submittedBy, role: 'portal' },
  event: 'RECEIVED',
  status: 'RECEIVED',
});

/**
 * A referral from its head and its case item. A head written before the case had an item of its own
 * still carries the case itself.
 */
function referralOf(head: Item | undefined, kase: Item | undefined): ReferralRecord | undefined {
  if (!head) return undefined;
  return parseRecord(ReferralRecordSchema, kase ? { ...head, request: kase.request } : head);
}

const visitsUsedOf = (item: Item | undefined): number =>
  typeof item?.visitsUsed === 'number' ? item.visitsUsed : 0;
