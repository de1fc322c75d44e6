import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { TransientError } from '../errors.js';
import { type EventPublisher, type TaskCallbacks, TaskGoneError, type WorkflowStarter } from '../ports.js';
import type { AppealStarter } from '../usecases/appeals.js';

/**
 * SDK clients, built once per module (cold start), so every invocation reuses their connections.
 * Endpoints come from the standard AWS_ENDPOINT_URL_* variables, which is how the local stack
 * points the unchanged clients at its own DynamoDB, Step Functions and EventBridge.
 */
let dynamo: DynamoDBClient | undefined;
let sfn: SFNClient | undefined;
let events: EventBridgeClient | undefined;

export const dynamoClient = () => {
  dynamo ??= new DynamoDBClient({ maxAttempts: 3 });
  return dynamo;
};
const sfnClient = () => {
  sfn ??= new SFNClient({ maxAttempts: 3 });
  return sfn;
};
const eventsClient = () => {
  events ??= new EventBridgeClient({ maxAttempts: 3 });
  return events;
};

export function sfnWorkflowStarter(stateMachineArn: string): WorkflowStarter {
  return {
    async startAuthorization(referralId) {
      try {
        await sfnClient().send(
          new StartExecutionCommand({
            stateMachineArn,
            name: referralId,
            input: JSON.stringify({ referralId }),
          }),
        );
      } catch (err) {
        // Same name and same input: the execution already exists, which is what we wanted.
        if (err instanceof Error && err.name === 'ExecutionAlreadyExists') return;
        throw err;
      }
    },
  };
}

/** SPEC 11: one AppealWorkflow execution per appeal, named by the appeal id. */
export function sfnAppealStarter(stateMachineArn: string): AppealStarter {
  return {
    async startAppeal(input) {
      await sfnClient().send(
        new StartExecutionCommand({ stateMachineArn, name: input.appealId, input: JSON.stringify(input) }),
      );
    },
  };
}

export function eventBridgePublisher(eventBusName: string): EventPublisher {
  return {
    async publish(source, detailType, detail) {
      const res = await eventsClient().send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if (res.FailedEntryCount) {
        throw new TransientError(`PutEvents refused the event: ${res.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
      }
    },
  };
}

const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export function sfnTaskCallbacks(): TaskCallbacks {
  return {
    async succeed(taskToken, output) {
      try {
        await sfnClient().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      } catch (err) {
        if (err instanceof Error && GONE.has(err.name)) throw new TaskGoneError(err.name);
        throw err;
      }
    },
  };
}
