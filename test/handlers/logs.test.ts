import './env.js';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { logger } from '../../shared/observability.js';
import { member, referralBody, visitBody } from '../fixtures.js';
import {
  answer,
  apiEvent,
  awsErrors,
  CLAIMS,
  REFERRAL_ID,
  storedReferral,
  storedReview,
  storeForBatchGet,
  useAwsMocks,
} from './support.js';

const { ddb } = useAwsMocks();
const referrals = (await import('../../functions/api-referrals/index.js')).handler;
const visits = (await import('../../functions/api-visits/index.js')).handler;
const reviews = (await import('../../functions/api-reviews/index.js')).handler;

/** Clinical text and identifiers of the person that must never reach a log line (SPEC 2). */
const PHI = [
  'M54.50',
  'lumbar flexion',
  'sitting tolerance',
  'paraspinal spasm',
  'cannot sit',
  'effleurage',
  'tolerated well',
  'worsening radicular pain',
];

let written = '';
beforeEach(() => {
  written = '';
  logger.setLogLevel('DEBUG');
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

it('request logs carry ids and outcomes, never diagnoses, clinical findings or notes', async () => {
  // a referral accepted, one refused, one throttled
  expect(
    answer(await referrals(apiEvent('POST', { resource: '/referrals', body: referralBody() }))).status,
  ).toBe(202);
  const invalid = referralBody({ diagnoses: [{ code: 'M54.50' }, { code: 'cannot sit' }] });
  expect(answer(await referrals(apiEvent('POST', { resource: '/referrals', body: invalid }))).status).toBe(
    422,
  );
  ddb.on(PutCommand).rejects(awsErrors.throttling());
  expect(
    answer(await referrals(apiEvent('POST', { resource: '/referrals', body: referralBody() }))).status,
  ).toBe(503);
  ddb.on(PutCommand).resolves({});

  // a visit with treatment notes
  ddb.on(QueryCommand).resolves({ Items: [storedReferral()] });
  storeForBatchGet(ddb, [{ ...keys.member('M-1001'), ...member() }]);
  const visit = apiEvent('POST', {
    resource: '/referrals/{id}/visits',
    params: { id: REFERRAL_ID },
    body: visitBody(),
  });
  expect(answer(await visits(visit)).status).toBe(202);

  // a reviewer's denial with a clinical note
  const review = storedReview();
  ddb.on(GetCommand, { Key: keys.review(review.reviewId) }).resolves({ Item: review });
  const decision = apiEvent('POST', {
    resource: '/reviews/{reviewId}/decision',
    params: { reviewId: review.reviewId },
    body: { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'], note: 'worsening radicular pain, refer to MD' },
    claims: CLAIMS.reviewer,
  });
  expect(answer(await reviews(decision)).status).toBe(200);

  // the logs did say what happened, by id
  expect(written).toContain('referral received');
  expect(written).toContain(REFERRAL_ID);
  expect(written).toContain(review.reviewId);
  for (const text of PHI) expect(written, `log output contains "${text}"`).not.toContain(text);
  expect(written).not.toContain(review.taskToken);
});
