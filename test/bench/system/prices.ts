/**
 * AWS list prices the system bench uses to price one determination and one visit re-review.
 * Region us-east-1 (N. Virginia); on-demand / pay-per-request, no free tier, no volume discounts.
 * Checked 2026-11-22 against the public pricing pages (DynamoDB on-demand at the rates in force since
 * the 1 November 2024 reduction). Update the figures and the date together.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-11-22',
  items: {
    /** Step Functions Standard workflows: $0.025 per 1,000 state transitions. */
    stateTransition: { usd: 0.025 / 1_000, unit: 'state transition', source: 'Step Functions Standard' },
    /** Lambda, arm64: $0.20 per 1M requests. */
    lambdaRequest: { usd: 0.2 / 1_000_000, unit: 'request', source: 'Lambda arm64' },
    /** Lambda, arm64: $0.0000133334 per GB-second (billed per 1 ms). */
    lambdaGbSecond: { usd: 0.0000133334, unit: 'GB-second', source: 'Lambda arm64' },
    /** DynamoDB on-demand, Standard table class: $0.125 per million read request units. */
    dynamoRead: { usd: 0.125 / 1_000_000, unit: 'read request unit', source: 'DynamoDB on-demand' },
    /** DynamoDB on-demand, Standard table class: $0.625 per million write request units. */
    dynamoWrite: { usd: 0.625 / 1_000_000, unit: 'write request unit', source: 'DynamoDB on-demand' },
    /** API Gateway REST APIs: $3.50 per million requests (first 333 million a month). */
    apiRequest: { usd: 3.5 / 1_000_000, unit: 'API call', source: 'API Gateway REST' },
    /** EventBridge custom events: $1.00 per million events (each 64 KB chunk). */
    event: { usd: 1 / 1_000_000, unit: 'custom event', source: 'EventBridge' },
  },
} as const;

export type PriceKey = keyof typeof PRICES.items;

/** What one unit of work consumed, in the units AWS bills. */
export interface Usage {
  transitions: number;
  lambdaRequests: number;
  /** Sum over invocations of memory (GB) × duration rounded up to 1 ms (s). */
  lambdaGbSeconds: number;
  readUnits: number;
  writeUnits: number;
  apiRequests: number;
  events: number;
}

export const emptyUsage = (): Usage => ({
  transitions: 0,
  lambdaRequests: 0,
  lambdaGbSeconds: 0,
  readUnits: 0,
  writeUnits: 0,
  apiRequests: 0,
  events: 0,
});

export function addUsage(into: Usage, from: Usage): Usage {
  for (const k of Object.keys(into) as (keyof Usage)[]) into[k] += from[k];
  return into;
}

export function scaleUsage(u: Usage, factor: number): Usage {
  const out = emptyUsage();
  for (const k of Object.keys(out) as (keyof Usage)[]) out[k] = u[k] * factor;
  return out;
}

export interface CostBreakdown {
  stepFunctions: number;
  lambda: number;
  dynamodb: number;
  apiGateway: number;
  eventBridge: number;
  total: number;
}

export function costOf(u: Usage): CostBreakdown {
  const p = PRICES.items;
  const stepFunctions = u.transitions * p.stateTransition.usd;
  const lambda = u.lambdaRequests * p.lambdaRequest.usd + u.lambdaGbSeconds * p.lambdaGbSecond.usd;
  const dynamodb = u.readUnits * p.dynamoRead.usd + u.writeUnits * p.dynamoWrite.usd;
  const apiGateway = u.apiRequests * p.apiRequest.usd;
  const eventBridge = u.events * p.event.usd;
  return {
    stepFunctions,
    lambda,
    dynamodb,
    apiGateway,
    eventBridge,
    total: stepFunctions + lambda + dynamodb + apiGateway + eventBridge,
  };
}

/** Lambda bills duration per 1 ms, rounded up. */
export function lambdaGbSeconds(memoryMb: number, durationMs: number): number {
  return (memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
}

export function priceTable(): string[][] {
  return [
    ['service', 'unit', 'USD per unit', 'USD per million'],
    ...Object.values(PRICES.items).map((i) => [
      i.source,
      i.unit,
      i.usd.toPrecision(6),
      (i.usd * 1_000_000).toFixed(4),
    ]),
  ];
}
