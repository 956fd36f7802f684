import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';
import { groupState, type Stack, startStack } from '../harness.js';
import { CHROMIUM, chromium, rowsOf } from './chromium.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

/** Pixels within a small distance of a colour. */
function countColour(png: PNG, hex: string, area?: { top: number; bottom: number }): number {
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  let count = 0;
  for (let y = area?.top ?? 0; y < (area?.bottom ?? png.height); y += 1) {
    for (let x = 0; x < png.width; x += 1) {
      const at = (y * png.width + x) * 4;
      const d =
        Math.abs((png.data[at] ?? 0) - (r ?? 0)) +
        Math.abs((png.data[at + 1] ?? 0) - (g ?? 0)) +
        Math.abs((png.data[at + 2] ?? 0) - (b ?? 0));
      if (d < 30) count += 1;
    }
  }
  return count;
}

describe.runIf(CHROMIUM !== undefined)('HTML report in headless Chromium', () => {
  let stack: Stack;
  let dir: string;
  let report: string;
  let scan: { code: number; errors: string };

  beforeAll(async () => {
    stack = await startStack();
    for (let index = 0; index < 12; index += 1)
      stack.emulator.model.putGroup(
        groupState(
          `group-${String(index).padStart(2, '0')}`,
          index % 3 === 0 ? { durability: 'sync', effectiveDurability: 'sync' } : {},
        ),
      );
    stack.emulator.model.putGroup(groupState('plain', { encrypted: false, tags: new Map([['env', 'dev']]) }));
    dir = mkdtempSync(join(tmpdir(), 'guardrails-html-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    report = join(dir, 'report.html');
    const io = captureIo();
    const code = await runCli(
      [
        'scan',
        '--endpoint-url',
        stack.emulator.endpoint,
        '--policy',
        join(dir, 'policy.yaml'),
        '--format',
        'html',
        '--output',
        report,
        '--region',
        'us-east-1',
      ],
      io,
    );
    scan = { code, errors: io.err() };
  });
  afterAll(async () => {
    await stack.close();
  });

  it('renders the chart and the findings table (screenshot is not blank)', async () => {
    // Prepare
    expect(scan.errors).toBe('');
    expect(scan.code).toBe(1);
    const screenshot = join(dir, 'report.png');

    // Act
    await chromium(dir, `--screenshot=${screenshot}`, `file://${report}`);

    // Assess: the chart's bars in the status colours, and table text below it.
    const png = PNG.sync.read(readFileSync(screenshot));
    const chart = { top: 0, bottom: 300 };
    const violations = countColour(png, '#c62828', chart);
    const compliant = countColour(png, '#2e7d32', chart);
    const text = countColour(png, '#222222', { top: 300, bottom: png.height });
    const white = countColour(png, '#ffffff');
    expect(violations).toBeGreaterThan(500);
    expect(compliant).toBeGreaterThan(500);
    expect(text).toBeGreaterThan(1000);
    expect(white / (png.width * png.height)).toBeLessThan(0.97);
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('hides the rows the filter in the URL does not match', async () => {
    // Act: the page reads #filter=… on load, as when a filtered view is linked to.
    const rows = rowsOf(await chromium(dir, '--dump-dom', `file://${report}#filter=plain`));

    // Assess
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((row) => !row.hidden).map((row) => row.text)).toEqual([
      expect.stringContaining('plain'),
    ]);
    expectEvery(
      rows.filter((row) => row.hidden),
      (row) => !row.text.includes('plain'),
      'hidden rows',
    );
  });

  it('hides the statuses unticked in the URL', async () => {
    // Act
    const rows = rowsOf(await chromium(dir, '--dump-dom', `file://${report}#hide=compliant`));

    // Assess
    expect(rows.filter((row) => row.status === 'compliant').length).toBeGreaterThan(0);
    expectEvery(
      rows.filter((row) => row.hidden),
      (row) => row.status === 'compliant',
      'hidden rows',
    );
    expectEvery(
      rows.filter((row) => !row.hidden),
      (row) => row.status !== 'compliant',
      'shown rows',
    );
  });
});
