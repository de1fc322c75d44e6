/**
 * Per-endpoint retry schedule, applied with SQS ChangeMessageVisibility: the n-th failed attempt
 * hides the message for `min(30 s · 2^(n-1), 2 h)`. With MAX_ATTEMPTS receives (the queue's
 * maxReceiveCount) the last attempt comes just over 24 h after the first; then the dead-letter queue.
 */
export const FIRST_RETRY_SECONDS = 30;
export const MAX_RETRY_SECONDS = 2 * 3600;
export const MAX_ATTEMPTS = 20;

export function retryDelaySeconds(failedAttempt: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, failedAttempt - 1), MAX_RETRY_SECONDS);
}

/** Seconds from the first attempt to the last one. */
export function retryWindowSeconds(attempts = MAX_ATTEMPTS): number {
  let total = 0;
  for (let n = 1; n < attempts; n++) total += retryDelaySeconds(n);
  return total;
}
