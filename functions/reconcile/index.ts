import * as z from 'zod';
import { eventBridgePublisher } from '../../shared/aws/eventbridge.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { sfnWorkflowStarter } from '../../shared/aws/sfn.js';
import { readEnv } from '../../shared/env.js';
import { reconcile } from '../../shared/usecases/reconcile.js';

const env = readEnv({ AUTH_WORKFLOW_ARN: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) });
const deps = {
  repo: tableRepository(),
  workflow: sfnWorkflowStarter(env.AUTH_WORKFLOW_ARN),
  events: eventBridgePublisher(env.EVENT_BUS_NAME),
  clock: systemClock,
};

/** Scheduled every 5 minutes: re-drive referrals stuck in RECEIVED and visits never re-reviewed. */
export const handler = async () => reconcile(deps);
