import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per Lambda module. Log lines carry ids only (referral, review, visit, portal,
 * request): never names, dates of birth, diagnoses or notes.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'prior-auth' });
