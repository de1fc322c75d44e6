import './env.js';
import { expect, it } from 'vitest';
import { answer, apiEvent } from './support.js';

const health = (await import('../../functions/api-health/index.js')).handler;

it('answers the health check and serves the OpenAPI document', async () => {
  const ok = answer(await health(apiEvent('GET', { resource: '/health', claims: null })));
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ status: 'ok' });
  const doc = answer(await health(apiEvent('GET', { resource: '/openapi.json', claims: null })));
  expect(doc.status).toBe(200);
  expect(doc.body).toMatchObject({ openapi: expect.stringMatching(/^3\.1/), paths: { '/referrals': {} } });
});
