import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { CorruptRecordError, parseRecord, ReferralRecordSchema } from '../../shared/data/records.js';
import { Transaction } from '../../shared/data/repository.js';
import { storedReferral } from '../handlers/support.js';

describe('stored records are parsed, not cast', () => {
  it('an item of the right shape becomes the record, without the table’s own attributes', () => {
    const item = { ...storedReferral(), GSI2PK: 'RECONCILE#REFERRAL', GSI2SK: 'x' };
    const record = parseRecord(ReferralRecordSchema, item);
    expect(record.referralId).toBe(item.referralId);
    expect(record).not.toHaveProperty('PK');
    expect(record).not.toHaveProperty('GSI2PK');
  });

  it('an item that is not a referral (a status the system never writes, no version) is refused by name', () => {
    const item = { ...storedReferral(), status: 'MAYBE', version: undefined };
    expect(() => parseRecord(ReferralRecordSchema, item)).toThrow(CorruptRecordError);
    expect(() => parseRecord(ReferralRecordSchema, item)).toThrow(/status.*version|version.*status/);
  });
});

describe('Transaction.putReferral', () => {
  it('writes the next version and leaves the record it was given as it was', () => {
    const { PK: _pk, SK: _sk, ...record } = storedReferral({ version: 4 });
    const before = structuredClone(record);
    const tx = new Transaction('T').putReferral(record, 4);
    expect(record).toEqual(before);
    expect(tx.items[0]?.Put?.Item).toMatchObject({ ...keys.referral(record.referralId), version: 5 });
    expect(tx.items[0]?.Put?.ExpressionAttributeValues).toEqual({ ':expectedVersion': 4 });
  });
});
