import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics object per Lambda module. Log lines carry ids only (referral,
 * review, visit, portal, request): never names, dates of birth, diagnoses or notes.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'prior-auth' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'PriorAuth',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'prior-auth',
});
