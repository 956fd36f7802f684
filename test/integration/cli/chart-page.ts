/** The plan's HTML page rendered against the sandbox and read back as pixels, for the chart tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';
import type { Stack } from '../harness.js';
import { chromium } from './chromium.js';

/** Runs `guardrails plan --format html` with `dir/policy.yaml` and screenshots the page in headless Chromium. */
export async function renderPlanPage(
  stack: Stack,
  dir: string,
): Promise<{ code: number; html: string; png: PNG }> {
  const page = join(dir, 'plan.html');
  const screenshot = join(dir, 'plan.png');
  const now = async () => new Date(stack.emulator.clock.now());
  const live = ['--endpoint-url', stack.emulator.endpoint, '--policy', join(dir, 'policy.yaml')];
  const code = await runCli(
    ['plan', ...live, '--format', 'html', '--output', page],
    captureIo(),
    undefined,
    now,
  );
  await chromium(dir, `--screenshot=${screenshot}`, `file://${page}`);
  return { code, html: readFileSync(page, 'utf8'), png: PNG.sync.read(readFileSync(screenshot)) };
}

/** Whether the pixel at (`x`, `y`) is within 40 (summed over red, green and blue) of `hex`. */
export function near(png: PNG, x: number, y: number, hex: string): boolean {
  const at = (y * png.width + x) * 4;
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return (
    Math.abs((png.data[at] ?? 0) - (r ?? 0)) +
      Math.abs((png.data[at + 1] ?? 0) - (g ?? 0)) +
      Math.abs((png.data[at + 2] ?? 0) - (b ?? 0)) <
    40
  );
}

/** Rows (`along: 'x'`) or columns (`'y'`) where `hex` runs unbroken over at least `length` pixels. */
export function linesOf(png: PNG, hex: string, length: number, along: 'x' | 'y' = 'x'): number[] {
  const [outer, inner] = along === 'x' ? [png.height, png.width] : [png.width, png.height];
  const lines: number[] = [];
  for (let line = 0; line < outer; line += 1) {
    let run = 0;
    let longest = 0;
    for (let step = 0; step < inner; step += 1) {
      const hit = along === 'x' ? near(png, step, line, hex) : near(png, line, step, hex);
      run = hit ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    if (longest >= length) lines.push(line);
  }
  return lines;
}
