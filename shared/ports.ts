/** What the use cases need from the outside world; adapters live in shared/aws/, fakes in tests. */
export interface WorkflowStarter {
  /** Starts the referral's AuthorizationWorkflow; the referral id names the execution, so a repeat is harmless. */
  startAuthorization(referralId: string): Promise<void>;
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
