import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../app/contract/index.js';
import { createEnvKeyStore } from '../../app/secrets/index.js';
import { CloudEscalation, monthStart } from '../../app/service/cloud-escalation.js';
import { openStorage, type Storage } from '../../app/storage/index.js';

let dir: string;
let storage: Storage;
const NOW = new Date(2026, 10, 28, 12, 0, 0).getTime();
const settings: Settings = { ...DEFAULT_SETTINGS, monthlyBudgetUsd: 1, cloudModel: 'gpt-4.1-mini' };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-budget-'));
  storage = openStorage(dir);
});
afterEach(() => {
  storage.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function spend(usd: number, time: number) {
  const c = storage.conversations.create();
  storage.usage.insert({
    time, conversationId: c.id, messageId: null, route: 'cloud', model: 'gpt-4.1-mini', promptTokens: 1, completionTokens: 1, ttftMs: null,
    durationMs: 1, tokensPerSecond: null, minP: null, p10: null, meanLogp: null, margin1: null, tokenCount: 0, sampler: null,
    costUsd: usd, outcome: 'ok', error: null, reason: 'r', usageEstimated: false, provider: 'openai',
  });
}

it('counts this calendar month only', () => {
  expect(monthStart(NOW)).toBe(new Date(2026, 10, 1).getTime());
  spend(0.5, new Date(2026, 9, 31, 23, 59).getTime()); // last month
  spend(0.25, new Date(2026, 10, 2).getTime());
  const cloud = new CloudEscalation(storage, createEnvKeyStore('test', {}), () => NOW);
  expect(cloud.budget(settings)).toEqual({ budgetUsd: 1, spentUsd: 0.25, reservedUsd: 0, fraction: 0.25 });
});

it('reserves the worst case per call, refuses what could exceed the budget, and releases once', () => {
  spend(0.5, NOW - 1000);
  const cloud = new CloudEscalation(storage, createEnvKeyStore('test', {}), () => NOW);
  const first = cloud.reserve(settings, 0.3);
  expect(cloud.budget(settings).reservedUsd).toBeCloseTo(0.3, 10);
  // 0.5 spent + 0.3 held + 0.3 asked > 1: two calls in flight cannot both spend the last dollar.
  expect(() => cloud.reserve(settings, 0.3)).toThrow(expect.objectContaining({ code: 'BUDGET_EXCEEDED', message: expect.stringMatching(/could cost up to \$0\.30, and \$0\.80 of this month's \$1\.00 cloud budget/) }));
  first();
  first();
  expect(cloud.budget(settings).reservedUsd).toBe(0);
  const second = cloud.reserve(settings, 0.3);
  expect(cloud.budget(settings).fraction).toBeCloseTo(0.8, 10);
  second();
});

it('refuses every paid call with a zero budget', () => {
  const cloud = new CloudEscalation(storage, createEnvKeyStore('test', {}), () => NOW);
  expect(() => cloud.reserve({ ...settings, monthlyBudgetUsd: 0 }, 0.0001)).toThrow(expect.objectContaining({ code: 'BUDGET_EXCEEDED' }));
});

it('says which key is missing and where it could come from', async () => {
  const cloud = new CloudEscalation(storage, createEnvKeyStore('test', {}), () => NOW);
  expect(cloud.ready(settings)).toBe(false);
  await expect(cloud.prepare(settings, [{ role: 'user', content: 'hi' }], () => 1)).rejects.toMatchObject({ code: 'CLOUD_NO_KEY', message: expect.stringContaining('OPENAI_API_KEY') });
});
