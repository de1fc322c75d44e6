import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ofType, prop, refId, type Synthesized, synthesize } from './support.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

function keyId(): string {
  const keys = ofType(s.dataResources, 'AWS::KMS::Key');
  expect(keys).toHaveLength(1);
  return keys[0]?.[0] ?? '';
}

describe('data stack', () => {
  it('has one customer-managed KMS key with rotation, retained', () => {
    s.data.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('has one table: PK/SK, GSI1 (projection ALL: whole reviews) and GSI2 (keys only), TTL expiresAt, on-demand', () => {
    const tables = ofType(s.dataResources, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'prior-auth',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
        { AttributeName: 'GSI1PK', AttributeType: 'S' },
        { AttributeName: 'GSI1SK', AttributeType: 'S' },
        { AttributeName: 'GSI2PK', AttributeType: 'S' },
        { AttributeName: 'GSI2SK', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [1, 2].map((n) => ({
        IndexName: `GSI${n}`,
        KeySchema: [
          { AttributeName: `GSI${n}PK`, KeyType: 'HASH' },
          { AttributeName: `GSI${n}SK`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: n === 1 ? 'ALL' : 'KEYS_ONLY' },
      })),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('encrypts the table with the customer key, with PITR and deletion protection, and retains it', () => {
    const [, table] = ofType(s.dataResources, 'AWS::DynamoDB::Table')[0] ?? [];
    expect(table?.Properties?.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [keyId(), 'Arn'] },
    });
    expect(table?.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table?.Properties?.DeletionProtectionEnabled).toBe(true);
    s.data.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('backs the table up with AWS Backup into a vault under the same key', () => {
    s.data.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [keyId(), 'Arn'] },
    });
    const [tableId] = ofType(s.dataResources, 'AWS::DynamoDB::Table')[0] ?? [];
    const [, selection] = ofType(s.dataResources, 'AWS::Backup::BackupSelection')[0] ?? [];
    expect(JSON.stringify(selection?.Properties?.BackupSelection)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }),
    );
  });

  it('has the prior-auth event bus and a KMS-encrypted, TLS-only dead-letter queue', () => {
    s.data.hasResourceProperties('AWS::Events::EventBus', { Name: 'prior-auth' });
    const [queueId, queue] = ofType(s.dataResources, 'AWS::SQS::Queue')[0] ?? [];
    expect(refId(queue?.Properties?.KmsMasterKeyId)).toBe(keyId());
    s.data.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          // EventBridge may deliver here only from rules on the prior-auth bus.
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnLike: {
                'aws:SourceArn': Match.objectLike({
                  'Fn::Join': ['', Match.arrayWith([':rule/prior-auth/*'])],
                }),
              },
            },
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch Logs, CloudWatch alarms and EventBridge use the key, and nothing else outside IAM', () => {
    const [, key] = ofType(s.dataResources, 'AWS::KMS::Key')[0] ?? [];
    const statements = prop<{ Statement: { Sid?: string; Principal: unknown }[] }>(
      key,
      'KeyPolicy',
    ).Statement;
    expect(statements.map((st) => st.Sid ?? 'account root')).toEqual([
      'account root',
      'AllowCloudWatchLogs',
      'AllowCloudWatchAlarms',
      'AllowEventBridge',
    ]);
  });
});
