// Type only (erased from the bundle): every v3 client takes the same Logger.
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

type Logger = NonNullable<DynamoDBClientConfig['logger']>;

/**
 * Settings every SDK client of the system shares. Endpoints come from the standard
 * AWS_ENDPOINT_URL_* variables, which is how the local stack points the unchanged clients at its own
 * DynamoDB, Step Functions and EventBridge.
 *
 * The logger: the SDK's default no-op logger has an `info` method, so the SDK builds a redacted copy
 * of every request and response (walking the operation's schema) only to hand it to a function that
 * drops it — about 3 % of the CPU the stack spends under load (docs/performance.md). The SDK calls
 * `logger.info?.(…)`, so a logger without `info` skips building that copy. Nothing is logged either
 * way; failures reach the handler as errors.
 */
const quiet = { debug() {}, warn() {}, error() {} } as unknown as Logger;

export const SDK_CLIENT_CONFIG = { maxAttempts: 3, logger: quiet } as const;

/**
 * Resolve each command type's middleware stack once and reuse it, instead of on every `send` — a fifth
 * to a third of the Node CPU such a call costs (docs/performance.md). Every client of the system takes
 * it, DynamoDB's too: the table client sends the plain client's own commands. Never wrap such a client
 * in the document client: its resolved handler closes over the first command it was resolved for, so
 * a cached one would send that command's input again.
 */
export const SDK_COMMAND_CLIENT_CONFIG = { ...SDK_CLIENT_CONFIG, cacheMiddleware: true } as const;
