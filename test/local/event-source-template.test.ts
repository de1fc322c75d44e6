import { describe, expect, it } from 'vitest';
import { buildLocalModel } from '../../infra/local/template.js';

const template = {
  Resources: {
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 't',
        KeySchema: [],
        AttributeDefinitions: [],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {},
      Metadata: { 'prior-auth:entry': 'functions/x/index.ts' },
    },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: 180,
        MessageRetentionPeriod: 345600,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 20 },
      },
    },
    FromStream: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
        StartingPosition: 'LATEST',
        BatchSize: 50,
        MaximumRetryAttempts: 100,
        FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"Keys":{"SK":{"S":["REFERRAL"]}}}}' }] },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
      },
    },
    FromQueue: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
    FromKinesis: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: 'arn:aws:kinesis:us-east-1:0:stream/s' },
    },
  },
};

describe('template: event source mappings and queues', () => {
  const model = buildLocalModel(template);

  it('reads stream and queue mappings with the settings the local stack honours', () => {
    expect(model.eventSourceMappings).toEqual([
      {
        logicalId: 'FromStream',
        kind: 'dynamodb-stream',
        functionLogicalId: 'Fn',
        tableName: 't',
        startingPosition: 'LATEST',
        batchSize: 50,
        maximumRetryAttempts: 100,
        filters: [{ dynamodb: { Keys: { SK: { S: ['REFERRAL'] } } } }],
        onFailureQueueArn: 'arn:aws:sqs:us-east-1:000000000000:Dlq',
      },
      {
        logicalId: 'FromQueue',
        kind: 'sqs',
        functionLogicalId: 'Fn',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:Queue',
        batchSize: 10,
        reportBatchItemFailures: true,
      },
    ]);
  });

  it('refuses, with a warning, a source it does not run', () => {
    expect(model.warnings).toEqual([
      expect.stringMatching(/^FromKinesis: event source .* is not run locally/),
    ]);
  });

  it('reads visibility timeout, retention and redrive of each queue', () => {
    expect(model.queues.find((q) => q.logicalId === 'Queue')).toMatchObject({
      visibilityTimeoutSeconds: 180,
      retentionSeconds: 345600,
      redrive: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:Dlq', maxReceiveCount: 20 },
    });
    expect(model.queues.find((q) => q.logicalId === 'Dlq')?.redrive).toBeUndefined();
  });
});
