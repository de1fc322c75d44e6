/**
 * The Lambda environment for the handler tests. Imported before anything from `shared/` or
 * `functions/`: the handlers read it at module load (cold start), the logger too.
 */
Object.assign(process.env, {
  TABLE_NAME: 'prior-auth-test',
  AUTH_WORKFLOW_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:AuthorizationWorkflow',
  APPEAL_WORKFLOW_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:AppealWorkflow',
  EVENT_BUS_NAME: 'prior-auth-test-bus',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
