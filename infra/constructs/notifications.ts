import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_ATTEMPTS } from '../../shared/notify/backoff.js';
import { NOTIFICATION_DETAIL_TYPE, NOTIFICATION_SOURCE } from '../../shared/notify/events.js';
import type { HandlerFunction } from './handler-function.js';

export const NOTIFICATION_PATTERN = { source: [NOTIFICATION_SOURCE], detailType: [NOTIFICATION_DETAIL_TYPE] };

/** Context key: `true` lets webhooks and subscriptions point at loopback addresses (the local stack). */
export const ALLOW_LOOPBACK_CONTEXT = 'prior-auth:allowLoopbackEndpoints';

export interface NotificationsProps {
  /** The table with its stream (NEW_AND_OLD_IMAGES): the outbox. */
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly key: kms.IKey;
  readonly publisher: HandlerFunction;
  readonly deliverer: HandlerFunction;
  readonly api: HandlerFunction;
  readonly allowLoopback: boolean;
}

/**
 * SPEC 9's one delivery mechanism, from AWS's parts: the table's stream → `notify-publish` (event
 * source mapping, only referral items) → `NotificationRaised` on the bus → a rule → the
 * notification queue → `notify-deliver`. The deliverer fans an event out into one message per
 * endpoint and backs each off on its own with ChangeMessageVisibility; after MAX_ATTEMPTS receives
 * (just over 24 h) the redrive policy parks it on the dead-letter queue, and an alarm fires.
 */
export class Notifications extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly rule: events.Rule;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      // Six times the deliverer's timeout, as Lambda advises; failures set their own backoff.
      visibilityTimeout: Duration.seconds(6 * 30),
      // Longer than the retry window (24 h) with room for an outage of the deliverer itself.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_ATTEMPTS },
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Every NotificationRaised event goes to the notification queue',
      eventBus: props.eventBus,
      eventPattern: NOTIFICATION_PATTERN,
    });
    // The target is the queue by ARN, and the queues' policies are written here: given the queue
    // itself, the target would also add an unconditioned events.amazonaws.com statement to the data
    // key's policy, where the data stack's AllowEventBridge (this account only) already suffices.
    const queueByArn = sqs.Queue.fromQueueArn(this, 'QueueTarget', this.queue.queueArn);
    const deadLetterByArn = sqs.Queue.fromQueueArn(this, 'DeadLetterTarget', this.deadLetterQueue.queueArn);
    this.rule.addTarget(
      new targets.SqsQueue(queueByArn, { deadLetterQueue: deadLetterByArn, retryAttempts: 8 }),
    );
    for (const queue of [this.queue, this.deadLetterQueue]) {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
        }),
      );
    }

    // The outbox: every committed change to a referral item, in order per item, retried until
    // published (bisecting a failing batch), with what still fails recorded on the DLQ.
    props.publisher.function.addEventSource(
      new sources.DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 50,
        maxBatchingWindow: Duration.seconds(0),
        bisectBatchOnError: true,
        retryAttempts: 100,
        reportBatchItemFailures: false,
        onFailure: new sources.SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: { SK: { S: lambda.FilterRule.isEqual('REFERRAL') } } },
          }),
        ],
      }),
    );
    props.eventBus.grantPutEventsTo(props.publisher);
    props.publisher.addEnvironment('EVENT_BUS_NAME', props.eventBus.eventBusName);

    props.deliverer.function.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    this.queue.grantSendMessages(props.deliverer);
    this.queue.grant(props.deliverer, 'sqs:ChangeMessageVisibility');
    props.deliverer.addEnvironment('NOTIFICATION_QUEUE_URL', this.queue.queueUrl);

    // Webhook secrets: encrypted by the API under the data key, decrypted by the deliverer only.
    props.key.grantEncrypt(props.api);
    props.key.grantDecrypt(props.deliverer);
    const loopback = props.allowLoopback ? 'true' : 'false';
    for (const fn of [props.api, props.deliverer]) {
      fn.addEnvironment('SECRET_KEY_ID', props.key.keyArn);
      fn.addEnvironment('ALLOW_LOOPBACK_ENDPOINTS', loopback);
    }

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettered', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      alarmDescription:
        'A notification could not be delivered for 24 h (or not published) and waits on its DLQ',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
