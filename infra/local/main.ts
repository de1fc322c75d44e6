import { JAVA_REQUIRED_MESSAGE } from './dynamodb.js';
import { startLocalStack } from './stack.js';

/** `npm start`: the embedded local stack in the foreground, until Ctrl-C. */
const started = Date.now();
try {
  const stack = await startLocalStack({
    ...(process.env.LOCAL_DATA_DIR ? { dataDir: process.env.LOCAL_DATA_DIR } : {}),
    log: (line) => console.log(`[local] ${line}`),
  });
  const u = stack.url;
  console.log(`
Massage therapy prior authorization — local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  API               ${u}   (routes from the synthesized API Gateway; try ${u}/health)
  Reviewer console  ${u}/console   (choose a demo reviewer to sign in)
  OpenAPI           ${u}/openapi.json
  CDS Hooks (CRD)   ${u}/cds-services   (discovery; the README has a curl that reads a card)
  Data              ${stack.dataDir}   (DynamoDB Local; delete it to start afresh)

Get a token and submit a referral:
  TOKEN=$(curl -s -X POST ${u}/_local/token -d '{"role":"portal","sub":"portal-user-1","portalId":"P-100"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')
  curl -s -H "Authorization: Bearer $TOKEN" ${u}/codes/97124
  (the README has the whole journey: submit, read the decision, record a visit)
Press Ctrl-C to stop.`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  const known = err instanceof Error && err.message === JAVA_REQUIRED_MESSAGE;
  console.error(
    known ? JAVA_REQUIRED_MESSAGE : `The local stack did not start: ${(err as Error).stack ?? err}`,
  );
  process.exit(1);
}
