import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface PriorAuthAlarmsProps {
  /** Workflows by the name used in alarm ids (e.g. `AuthorizationWorkflow`). */
  readonly workflows: Record<string, sfn.IStateMachine>;
  readonly deadLetterQueue: sqs.IQueue;
  readonly api: apigw.RestApi;
  readonly topicKey: kms.IKey;
}

const PERIOD = Duration.minutes(5);

/**
 * The conditions someone must look at, published to one encrypted SNS topic (subscribe the
 * on-call address or chat integration to it): a workflow execution failed or timed out, an
 * event is parked on the dead-letter queue, or the API answered 5xx.
 */
export class PriorAuthAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PriorAuthAlarmsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Prior authorization alarms',
      masterKey: props.topicKey,
      enforceSSL: true,
    });

    for (const [name, stateMachine] of Object.entries(props.workflows)) {
      this.add(
        `${name}ExecutionsFailed`,
        stateMachine.metricFailed({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        `An execution of ${name} failed: see its RecordFailure output on the referral`,
      );
      this.add(
        `${name}ExecutionsTimedOut`,
        stateMachine.metricTimedOut({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        `An execution of ${name} timed out`,
      );
    }
    this.add(
      'VisitEventsDeadLettered',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'A visit event could not be delivered or processed and waits on the dead-letter queue',
    );
    this.add(
      'Api5xx',
      props.api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      'The API answered with a 5xx',
    );
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
