/**
 * The soak chart of `guardrails plan --format html` in headless Chromium: a staged upgrade to sync
 * runs its soak through the real ASL file against the sandbox, whose CloudWatch is shaped with
 * `/_control/workload` (a steady load, then the lag climbing to 10 s and a 150 MiB/s burst); the
 * soak steps the group back to async. The plan's page, read from the state table, draws that
 * soak: the lag line crosses the 80 % line and the step back is marked; a group that never soaked
 * has no soak chart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOAK_COLOURS } from '../../../cli/soak-chart.js';
import type { LocalTask } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { groupState, type Stack, startStack, upgradeDepsOf } from '../harness.js';
import { linesOf, renderPlanPage } from './chart-page.js';
import { CHROMIUM } from './chromium.js';

const POLICY = `version: 1
rules:
  - name: durable
    match: { ids: [orders, carts] }
    durability: { minimum: async, set: sync }
`;

describe.runIf(CHROMIUM !== undefined)('Soak chart of the plan in headless Chromium', () => {
  let stack: Stack;
  let dir: string;

  const control = async (path: string, body: object) => {
    const answer = await fetch(`${stack.emulator.endpoint}/_control/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    stack = await startStack();
    Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
    for (const id of ['orders', 'carts']) stack.emulator.model.putGroup(groupState(id, { shards: 1 }));
    dir = mkdtempSync(join(tmpdir(), 'guardrails-soak-chart-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
  });
  afterAll(() => stack.close());

  it('draws the lag line of a soak that stepped back crossing the 80 % line, the step back marked, and no chart for a group that never soaked', async () => {
    // Prepare: orders soaks; at its second look the lag starts climbing to 10 s over 15 minutes,
    // and a 150 MiB/s burst is set to start inside the fourth look's window.
    await control('workload', { groupId: 'orders', shape: 'steady' });
    let looks = 0;
    const shaped =
      (task: LocalTask): LocalTask =>
      async (event) => {
        if ((event as { action?: string }).action === 'soak-check') looks += 1;
        if ((event as { action?: string }).action === 'soak-check' && looks === 2) {
          const now = stack.emulator.clock.now();
          await control('workload', { groupId: 'orders', shape: 'lag-climb', minutes: 15 });
          const at = new Date(now + 11 * 60_000).toISOString();
          await control('workload', { groupId: 'orders', shape: 'burst', at, minutes: 5 });
        }
        return task(event);
      };
    const run = await runUpgradeLocally(
      upgradeDepsOf(stack),
      {
        replicationGroupId: 'orders',
        target: 'sync',
        enforce: true,
        soak: { windowSeconds: 1800, lookSeconds: 300, onBreach: 'step-back', unattended: true },
      },
      {
        clock: { advance: (ms: number) => stack.emulator.clock.advance(ms) },
        executionName: 'orders-soak-1',
        wrap: shaped,
      },
    );
    expect(run.output).toMatchObject({ status: 'stepped-back', soak: { outcome: 'stepped-back' } });

    // Act
    const { code, html, png } = await renderPlanPage(stack, dir);

    // Assess: one soak chart, orders'; its lag runs below and above the 80 % line, the step back crosses it.
    expect(code).toBe(0);
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html.match(/<svg class="soak"/g)).toHaveLength(1);
    expect(html).toMatch(
      /<figcaption>orders: last soak stepped-back \(orders-soak-1, \d+ looks, 30 min window\)/,
    );
    expect(html).not.toContain('carts: last soak');
    expect(html).toContain('<caption>orders: the soak&#39;s looks</caption>');
    const alert = linesOf(png, SOAK_COLOURS.alert, 300);
    expect(alert.length).toBeGreaterThan(0);
    expect(Math.max(...alert) - Math.min(...alert)).toBeLessThanOrEqual(3);
    const lag = linesOf(png, SOAK_COLOURS.lag, 20);
    expect(lag.some((row) => row < Math.min(...alert))).toBe(true);
    expect(lag.some((row) => row > Math.max(...alert))).toBe(true);
    const stepBack = linesOf(png, SOAK_COLOURS.stepBack, 100, 'y');
    expect(stepBack.length).toBeGreaterThan(0);
    // The look that rejected and throttled writes is marked over the plot, left of the step back (the legend is right of it).
    for (const mark of [SOAK_COLOURS.rejected, SOAK_COLOURS.throttled])
      expect(linesOf(png, mark, 6, 'y').some((column) => column < Math.min(...stepBack))).toBe(true);
  });
});
