/**
 * The router evaluation end to end: the browser-mode server as a child process, a generated
 * model, and Chromium. A results CSV written here goes through the file input; the figures, the
 * chart, the recommendation, Adopt and Reset are checked in the window and in Settings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModel } from '../helpers/models.js';
import { ROOT, buildRenderer, chromiumPath, launchChromium, startBrowserMode, type BrowserModeServer } from './browser-mode.js';

const WAIT = { timeout: 60_000, interval: 100 };
chromiumPath();

/*
 * Ten tasks, sorted here by local_confidence (distinct, so no ties). signal_p10 is
 * local_confidence + 0.02 (the same order); signal_foo runs the other way.
 *
 *   id  conf  local cloud  cloud−local   p10   foo
 *   t1  0.05    0     1        +1        0.07  0.90
 *   t2  0.10    0     1        +1        0.12  0.80
 *   t3  0.15    0     1        +1        0.17  0.70
 *   t4  0.20    1     1         0        0.22  0.60
 *   t5  0.25    0     1        +1        0.27  0.50
 *   t6  0.40    1     0        −1        0.42  0.40
 *   t7  0.55    1     1         0        0.57  0.30
 *   t8  0.70    0     0         0        0.72  0.20
 *   t9  0.85    1     1         0        0.87  0.10
 *   t10 0.95    1     1         0        0.97  0.05
 *
 * local = 5/10 = 50%; cloud = 8/10 = 80%; oracle (local or cloud right) = 9/10 = 90%.
 * Escalating the lowest k = x/10 tasks gains G(k) = 0,1,2,3,3,4,3,3,3,3,3 for k = 0…10 (linear
 * between), and PGR = G/3 (cloud − local = 3 answers).
 * apgr = mean PGR at x = 0,10,…,100 = (0+1+2+3+3+4+3+3+3+3+3)/3/11 = 28/33 = 0.848; random 0.500.
 * cpt50: G ≥ 1.5 first at k = 1.5 → 15%; cpt80: G ≥ 2.4 first at k = 2.4 → 24% (random: 50%, 80%).
 * cost_at_cpt80 = (Σ local 10·$0.0001 + 2.4·$0.001) / Σ cloud 10·$0.001 = 0.34 → 34%; random
 * (0.001 + 0.8·0.01)/0.01 = 90%.
 * AUROC(local_confidence) against local_correct: each right answer's score beats 3,4,4,5,5 of the
 * five wrong ones: 21/25 = 0.840 (p10 the same); foo: 2,1,1,0,0 → 4/25 = 0.160.
 */
const CONF = [0.05, 0.1, 0.15, 0.2, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95];
const LOCAL = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1];
const CLOUD = [1, 1, 1, 1, 1, 0, 1, 0, 1, 1];
const FOO = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];

function resultsCsv({ withCloud = true } = {}): string {
  const head = ['id', 'local_confidence', 'local_correct', ...(withCloud ? ['cloud_correct'] : []), 'local_cost_usd', 'cloud_cost_usd', 'signal_p10', 'signal_foo'];
  const rows = CONF.map((c, i) =>
    [`t${i + 1}`, c, LOCAL[i], ...(withCloud ? [CLOUD[i]] : []), 0.0001, 0.001, (c + 0.02).toFixed(2), FOO[i]].join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}

/** Thirty tasks (the ten above three times, confidences nudged apart) without foo: enough rows for the learned router. */
function learnedCsv(): string {
  const head = 'id,local_confidence,local_correct,cloud_correct,local_cost_usd,cloud_cost_usd,signal_p10,signal_margin1';
  const rows: string[] = [];
  for (let r = 0; r < 3; r++) {
    CONF.forEach((c, i) => {
      const conf = (c + r * 0.01).toFixed(2);
      rows.push([`r${r}-${i}`, conf, LOCAL[i], CLOUD[i], 0.0001, 0.001, (c + r * 0.01 + 0.02).toFixed(2), ((i * 7 + r * 3) % 10) / 10].join(','));
    });
  }
  return [head, ...rows].join('\n') + '\n';
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const SCRATCH = path.join(ROOT, '.scratch');

let browser: Browser;
let server: BrowserModeServer;
let page: Page;
let tmp: string;
let goodCsv: string;
let badCsv: string;
let bigCsv: string;

beforeAll(async () => {
  buildRenderer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-eval-e2e-'));
  goodCsv = path.join(tmp, 'results.csv');
  badCsv = path.join(tmp, 'no-cloud.csv');
  fs.writeFileSync(goodCsv, resultsCsv());
  fs.writeFileSync(badCsv, resultsCsv({ withCloud: false }));
  bigCsv = path.join(tmp, 'thirty.csv');
  fs.writeFileSync(bigCsv, learnedCsv());
  const model = await tinyModel('confident');
  server = await startBrowserMode({ model: model.path });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(server.url);
  await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor(WAIT);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const settingsDialog = () => page.getByRole('dialog', { name: 'Settings' });
const evalDialog = () => page.getByRole('dialog', { name: 'Router evaluation' });
const routerLine = () => settingsDialog().getByTestId('router-in-force').locator('p').first();

/** The cells of a table row named by its row header. */
async function rowCells(table: Locator, header: string): Promise<string[]> {
  const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: header, exact: true }) });
  return (await row.getByRole('cell').allInnerTexts()).map(norm);
}

describe('router evaluation in the window', () => {
  it('Settings says the default router is in force, and opens the evaluation', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await settingsDialog().waitFor();
    expect(norm(await routerLine().innerText())).toBe('Router: p10 (or the first token’s margin for short replies) below 0.30 — the default');
    expect(await settingsDialog().getByRole('button', { name: 'Reset to default' }).count()).toBe(0);
    await settingsDialog().getByRole('button', { name: 'Evaluate the router…' }).click();
    await evalDialog().waitFor();
    expect(await evalDialog().getByRole('tab', { name: 'From a results CSV' }).getAttribute('aria-selected')).toBe('true');
  });

  it('computes the figures, the chart and the recommendation from a results CSV', async () => {
    const d = evalDialog();
    await d.getByLabel('Results CSV', { exact: true }).setInputFiles(goodCsv);
    const cards = d.getByRole('region', { name: 'Accuracy', exact: true });
    await cards.waitFor(WAIT);
    const cardText = norm(await cards.innerText());
    expect(cardText).toContain('Local accuracy 50%');
    expect(cardText).toContain('Cloud accuracy 80%');
    expect(cardText).toContain('Oracle accuracy 90%');
    expect(cardText).toMatch(/Tasks 10\b/);

    const vsRandom = d.getByRole('region', { name: 'This router against a random one' }).getByRole('table');
    expect(await rowCells(vsRandom, 'APGR')).toEqual(['0.848', '0.500']);
    expect(await rowCells(vsRandom, 'CPT(50%)')).toEqual(['15%', '50%']);
    expect(await rowCells(vsRandom, 'CPT(80%)')).toEqual(['24%', '80%']);
    expect(await rowCells(vsRandom, 'Cost at CPT(80%)')).toEqual(['34%', '90%']);

    const signals = d.getByRole('region', { name: 'Every signal' }).getByRole('table');
    expect((await rowCells(signals, 'local_confidence')).slice(0, 2)).toEqual(['0.840', '0.848']);
    expect((await rowCells(signals, 'p10')).slice(0, 2)).toEqual(['0.840', '0.848']);
    expect((await rowCells(signals, 'foo'))[0]).toBe('0.160');

    // The chart: one curve point per percent (M then 100 L), the random line and the markers.
    const chart = d.getByRole('img', { name: 'Accuracy by share escalated' });
    const curve = chart.locator('path.eval-curve');
    expect(await curve.count()).toBe(1);
    expect(((await curve.getAttribute('d')) ?? '').match(/L/g)?.length).toBe(100);
    expect(await chart.locator('line.eval-random').count()).toBe(1);
    expect(await chart.locator('line.eval-ref').count()).toBe(3);
    expect(await chart.locator('.eval-mark-cpt circle').count()).toBe(1);
    expect(norm((await chart.locator('.eval-mark-cpt text').textContent()) ?? '')).toBe('CPT(80%) 24%');

    const rec = d.getByRole('region', { name: 'Recommendation', exact: true });
    expect(norm(await rec.locator('.eval-rec-text').innerText())).toMatch(
      /^To keep 95% of the cloud’s gain: escalate answers with local_confidence below \d\.\d{2,3} \(95% CI \d\.\d{2,3}–\d\.\d{2,3}\), about \d+(\.\d)?% of tasks \(CI \d+(\.\d)?–\d+(\.\d)?%\)$/,
    );
    expect(await rec.getByRole('button', { name: 'Adopt this threshold' }).isEnabled()).toBe(true);
  });

  it('recomputes for another signal, and disables Adopt for one Modest does not compute', async () => {
    const d = evalDialog();
    await d.getByLabel('Signal', { exact: true }).selectOption('foo');
    const rec = d.getByRole('region', { name: 'Recommendation', exact: true });
    await expect.poll(async () => norm(await d.locator('.eval-chart figcaption').innerText()), WAIT).toContain('lowest foo first');
    // foo ranks the wrong answers last: worse than random.
    const vsRandom = d.getByRole('region', { name: 'This router against a random one' }).getByRole('table');
    expect(Number((await rowCells(vsRandom, 'APGR'))[0])).toBeLessThan(0.5);
    await expect.poll(async () => norm(await rec.innerText()), WAIT).toMatch(/escalate answers with foo below/);
    expect(await rec.getByRole('button', { name: 'Adopt this threshold' }).isDisabled()).toBe(true);
    expect(norm(await rec.innerText())).toContain('Modest does not compute foo for its replies');
    await d.getByLabel('Signal', { exact: true }).selectOption('p10');
    await expect.poll(async () => norm(await rec.innerText()), WAIT).toMatch(/escalate answers with p10 below/);
    await expect.poll(async () => d.getByRole('status').filter({ hasText: 'Computing…' }).count(), WAIT).toBe(0);
  });

  it('looks right (screenshots, light and dark)', async () => {
    fs.mkdirSync(SCRATCH, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 2100 });
    await page.screenshot({ path: path.join(SCRATCH, 'evaluation.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    // Buttons fade their colours over 0.12 s: let them settle before the picture.
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SCRATCH, 'evaluation-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('adopts the p10 threshold, and Settings shows where it came from; Reset brings the default back', async () => {
    const d = evalDialog();
    const rec = d.getByRole('region', { name: 'Recommendation', exact: true });
    const threshold = /below (\d\.\d{2,3})/.exec(norm(await rec.innerText()))![1]!;
    await rec.getByRole('button', { name: 'Adopt this threshold' }).click();
    await expect.poll(async () => norm(await d.getByRole('status').filter({ hasText: 'In force now' }).innerText().catch(() => '')), WAIT).toContain(
      `In force now: p10 below ${threshold}, adopted from results.csv, target PGR 0.95 (10 rows)`,
    );
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'hidden' });
    const line = norm(await routerLine().innerText());
    expect(line).toMatch(new RegExp(`^Router: p10 below ${threshold.replace('.', '\\.')}, adopted from results\\.csv, target PGR 0\\.95 \\(10 rows\\) on .+\\d{4}$`));
    await settingsDialog().getByTestId('router-in-force').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCRATCH, 'evaluation-settings.png') });
    // The threshold field shows the adopted threshold too.
    expect(Number(await settingsDialog().getByRole('spinbutton', { name: /Confidence threshold/ }).inputValue())).toBeCloseTo(Number(threshold), 3);

    await settingsDialog().getByRole('button', { name: 'Reset to default' }).click();
    await expect.poll(async () => norm(await routerLine().innerText()), WAIT).toBe(
      'Router: p10 (or the first token’s margin for short replies) below 0.30 — the default',
    );
    await page.keyboard.press('Escape');
    await settingsDialog().waitFor({ state: 'hidden' });
  });

  it('opens with Ctrl+Shift+E and names the missing column of a bad CSV', async () => {
    await page.getByRole('textbox', { name: 'Message', exact: true }).click();
    await page.keyboard.press('Control+Shift+E');
    const d = evalDialog();
    await d.waitFor();
    await d.getByLabel('Results CSV', { exact: true }).setInputFiles(badCsv);
    const alert = d.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(norm(await alert.innerText())).toMatch(/cloud_correct/);
    await page.screenshot({ path: path.join(SCRATCH, 'evaluation-error.png') });
    expect(await d.getByRole('region', { name: 'Accuracy', exact: true }).count()).toBe(0);

    // Over the app's 64 MB cap: refused by its size, before the window reads it.
    const huge = path.join(path.dirname(badCsv), 'huge.csv');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 65 * 1024 * 1024);
    await d.getByLabel('Results CSV', { exact: true }).setInputFiles(huge);
    await expect
      .poll(async () => norm(await d.getByRole('alert').innerText()), WAIT)
      .toBe('huge.csv is 65 MB; the app takes results CSVs up to 64 MB. For a larger one, run modest eval report on it.');
  });

  it('reports the learned router, and adopting it shows its features in Settings', async () => {
    const d = evalDialog();
    await d.getByLabel('Results CSV', { exact: true }).setInputFiles(bigCsv);
    const learned = d.getByRole('region', { name: 'Learned router', exact: true });
    await learned.waitFor(WAIT);
    expect(norm(await learned.locator('.eval-learned-text').innerText())).toMatch(
      /^Learned router \(logistic regression on \d+ features?\), held-out APGR (\d\.\d{3}|n\/a) vs best single signal \S+ (\d\.\d{3}|n\/a) — it (wins|does not win)$/,
    );
    await learned.screenshot({ path: path.join(SCRATCH, 'evaluation-learned.png') });
    const adopt = learned.getByRole('button', { name: 'Adopt learned router' });
    expect(await adopt.isEnabled()).toBe(true);
    await adopt.click();
    await expect.poll(async () => norm(await d.getByRole('status').filter({ hasText: 'In force now' }).innerText().catch(() => '')), WAIT).toMatch(
      /^In force now: Learned router \([a-z0-9_, ]+\) below \d\.\d{2,3}, adopted from thirty\.csv, target PGR 0\.95 \(30 rows\)/,
    );
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(norm(await routerLine().innerText())).toMatch(/^Router: Learned router \([a-z0-9_, ]+\) below /);
    await settingsDialog().getByRole('button', { name: 'Reset to default' }).click();
    await expect.poll(async () => norm(await routerLine().innerText()), WAIT).toMatch(/— the default$/);
    await page.keyboard.press('Escape');
    await settingsDialog().waitFor({ state: 'hidden' });
  });

  it('shows the thumbs view, empty until answers are labelled', async () => {
    const d = evalDialog();
    await page.keyboard.press('Control+Shift+E');
    await d.waitFor();
    await d.getByRole('tab', { name: 'From your thumbs' }).click();
    await d.getByText('No labelled answers yet. Thumbs up or down on local answers to build this view.').waitFor(WAIT);
    expect(await d.getByRole('spinbutton', { name: 'Share of bad answers to flag' }).inputValue()).toBe('80');
    expect(norm(await d.getByRole('tabpanel').innerText())).toMatch(/only whether the local answer was acceptable/);
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'hidden' });

    // One answer, thumbed down: the view counts it and shows a threshold per signal.
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await input.fill('What is the capital of France?');
    await input.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Modest', exact: true }).last();
    await expect.poll(async () => reply.getByText('Writing…').count(), WAIT).toBe(0);
    await expect.poll(async () => (await reply.getAttribute('data-status')) ?? '', WAIT).not.toBe('');
    await reply.hover();
    await reply.getByRole('button', { name: 'Bad answer' }).click();
    await expect.poll(async () => reply.getByRole('button', { name: 'Bad answer' }).getAttribute('aria-pressed'), WAIT).toBe('true');

    await page.keyboard.press('Control+Shift+E');
    await d.waitFor();
    await expect.poll(async () => norm(await d.getByRole('tabpanel').innerText()), WAIT).toContain('1 labelled answer: 0 acceptable, 1 not');
    const table = d.getByRole('tabpanel').getByRole('table');
    // One label is no ground to route every reply on: Adopt waits for ten, and says so.
    expect(await table.getByRole('button', { name: 'Adopt p10' }).isDisabled()).toBe(true);
    expect(norm(await d.getByRole('tabpanel').innerText())).toContain('Adopting needs at least 10 labelled answers, some of them thumbs-down.');
    fs.mkdirSync(SCRATCH, { recursive: true });
    await page.screenshot({ path: path.join(SCRATCH, 'evaluation-labels.png') });
    await page.keyboard.press('Escape');
  });
});
