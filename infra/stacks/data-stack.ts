import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PortalUserPool } from '../constructs/user-pool.js';

/** The custom bus `VisitCompleted` (and `ReviewOverdue`) events travel on. */
export const EVENT_BUS_NAME = 'prior-auth';

/**
 * The table's fixed name. The service stack refers to the table by it, so IAM statements name the
 * table literally and the data stack exports nothing the service stack would lock.
 */
export const TABLE_NAME = 'prior-auth';
export const GLOBAL_INDEXES = ['GSI1', 'GSI2'] as const;
/**
 * What each index projects: what it is queried for (docs/table-design.md). GSI1 holds only reviews
 * waiting to be applied, and its readers (the queue, crash recovery) want the whole review; GSI2's
 * reconciliation wants only the keys, and reads the few items it re-drives by key.
 */
const PROJECTIONS = {
  GSI1: dynamodb.ProjectionType.ALL,
  GSI2: dynamodb.ProjectionType.KEYS_ONLY,
} as const satisfies Record<(typeof GLOBAL_INDEXES)[number], dynamodb.ProjectionType>;

/**
 * The stateful half of the system: what must survive a redeploy or a mistaken delete of the
 * service stack. Everything here is retained and, where AWS offers it, deletion-protected.
 */
export class DataStack extends Stack {
  /** Customer-managed key for the table, queues, alarm topic and log groups (PHI at rest). */
  public readonly key: kms.Key;
  /** The single table (PK/SK, GSI1, GSI2, TTL `expiresAt`). */
  public readonly table: dynamodb.Table;
  public readonly eventBus: events.EventBus;
  /** Where the `VisitCompleted` rule's target puts events it cannot deliver, and where the
   * ContinuationReviewWorkflow puts events it cannot process. */
  public readonly visitEventsDeadLetterQueue: sqs.Queue;
  public readonly users: PortalUserPool;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      description: 'Prior authorization for massage therapy: data, keys, event bus and users',
      ...props,
    });

    this.key = new kms.Key(this, 'DataKey', {
      description: 'Prior-authorization data at rest (table, queues, topics, logs)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServicesToUseKey();

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: TABLE_NAME,
      partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      // The notification outbox: every committed change, with both images (infra/constructs/notifications.ts).
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}PK`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${index}SK`, type: dynamodb.AttributeType.STRING },
        projectionType: PROJECTIONS[index],
      });
    }
    this.backUpTable();

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: EVENT_BUS_NAME });

    this.visitEventsDeadLetterQueue = new sqs.Queue(this, 'VisitEventsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The rule that delivers VisitCompleted lives in the service stack; granting "any rule on our
    // bus" here, rather than letting the rule add its own statement, keeps this stack from
    // depending on the service stack (which would be a cycle).
    this.visitEventsDeadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRulesOnPriorAuthBus',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.visitEventsDeadLetterQueue.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${EVENT_BUS_NAME}/*`,
            }),
          },
        },
      }),
    );

    this.users = new PortalUserPool(this, 'Users');
  }

  /**
   * Services that encrypt on our behalf need the key in the key policy: CloudWatch Logs for the
   * log groups, CloudWatch alarms publishing to the encrypted topic, and EventBridge writing to
   * the encrypted dead-letter queue. Each is limited to this account.
   */
  private allowServicesToUseKey(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    for (const [sid, service] of [
      ['AllowCloudWatchAlarms', 'cloudwatch.amazonaws.com'],
      ['AllowEventBridge', 'events.amazonaws.com'],
    ] as const) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
  }

  /** Daily backups kept 35 days and monthly ones kept a year, in a vault under our key (beyond PITR's 35 days). */
  private backUpTable(): void {
    const vault = new backup.BackupVault(this, 'BackupVault', {
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const plan = backup.BackupPlan.dailyMonthly1YearRetention(this, 'BackupPlan', vault);
    plan.addSelection('Table', { resources: [backup.BackupResource.fromDynamoDbTable(this.table)] });
  }
}
