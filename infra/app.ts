#!/usr/bin/env node
// The CDK entry point (cdk.json: `npx tsx infra/app.ts`). Synthesis is offline: no account, no lookups.
import { buildApp } from './build-app.js';

buildApp().app.synth();
