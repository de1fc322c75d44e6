import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type TaskCallbacks, TaskGoneError, type WorkflowStarter } from '../ports.js';
import type { AppealStarter } from '../usecases/appeals.js';
import { SDK_COMMAND_CLIENT_CONFIG } from './sdk-config.js';

/** The Step Functions adapters. The client is built once per module (cold start), on first use. */
let sfn: SFNClient | undefined;
const sfnClient = () => {
  sfn ??= new SFNClient(SDK_COMMAND_CLIENT_CONFIG);
  return sfn;
};

export function sfnWorkflowStarter(stateMachineArn: string): WorkflowStarter {
  return {
    async startAuthorization(referralId, reads) {
      try {
        await sfnClient().send(
          new StartExecutionCommand({
            stateMachineArn,
            name: referralId,
            input: JSON.stringify(reads ? { referralId, reads } : { referralId }),
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
