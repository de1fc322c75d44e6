import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (the esbuild alias in
 * infra/constructs/handler-function.ts). Lambda gives every function its role's credentials in
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and the SDK's default chain takes
 * them from there first; its other sources (shared config files, SSO, web identity, the container
 * and instance metadata endpoints) never answer on Lambda, yet they are 140 KB of every bundle and
 * part of every cold import. Tests and the local stack run the SDK unaliased, with the full chain.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
