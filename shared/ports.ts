import type { EvaluationReads } from './model.js';

/** What the use cases need from the outside world; adapters live in shared/aws/, fakes in tests. */
export interface WorkflowStarter {
  /**
   * Starts the referral's AuthorizationWorkflow; the referral id names the execution, so a repeat is
   * harmless. `reads` (ids only, no PHI) tells Evaluate what else it will read, so it can read it all
   * in one round trip; an execution started without it reads the referral first.
   */
  startAuthorization(referralId: string, reads?: EvaluationReads): Promise<void>;
}

export interface EventPublisher {
  publish(source: string, detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** Thrown by TaskCallbacks when the waiting execution is gone (timed out, stopped, finished). */
export class TaskGoneError extends Error {
  override readonly name: string = 'TaskGoneError';
}

export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<void>;
}
