/**
 * Every rule of the sandbox names its source: in infra/local/README.md, each table whose header
 * starts `| rule | source page |` (whatever its section) has, in every row, a source cell with a
 * URL, or one that refers back ("same page", "same pages", "above") to an earlier row of the same
 * table that has a URL. "none found" and a bare API name are not sources.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = new URL('../../infra/local/README.md', import.meta.url);
const URL_PATTERN = /https?:\/\/[^\s)>\]]+/;
const BACK_REFERENCE = /\bsame pages?\b|\babove\b/i;

/** The cells of a markdown table row (pipes escaped as `\|` stay in their cell). */
const cellsOf = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

/** Rows of the rule tables whose source names no page: `line N: rule`. */
function rowsWithoutSource(markdown: string): string[] {
  const missing: string[] = [];
  let inRuleTable = false;
  let earlierUrl = false;
  markdown.split('\n').forEach((line, index) => {
    if (!line.trimStart().startsWith('|')) {
      inRuleTable = false;
      return;
    }
    const [rule = '', source = ''] = cellsOf(line);
    if (/^rule$/i.test(rule) && /^source page/i.test(source)) {
      inRuleTable = true;
      earlierUrl = false;
      return;
    }
    if (!inRuleTable || /^:?-+:?$/.test(rule)) return;
    const named = URL_PATTERN.test(source) || (BACK_REFERENCE.test(source) && earlierUrl);
    earlierUrl ||= URL_PATTERN.test(source);
    if (!named) missing.push(`line ${index + 1}: ${rule}`);
  });
  return missing;
}

const table = (...sources: string[]) =>
  ['| rule | source page | emulator behaviour | confidence |', '| --- | --- | --- | --- |']
    .concat(sources.map((source, index) => `| rule ${index + 1} | ${source} | refused | assumed |`))
    .join('\n');

describe('infra/local/README.md: rules, sources and confidence', () => {
  it('names a page (a URL, or "same page" after a row with one) for every rule', () => {
    // Act
    const markdown = readFileSync(README, 'utf8');

    // Assess
    expect(markdown.match(/^\|\s*rule\s*\|\s*source page/gim)?.length ?? 0).toBeGreaterThan(2);
    expect(rowsWithoutSource(markdown)).toEqual([]);
  });

  it('refuses a row without a page, and a back reference with no page before it', () => {
    // Act
    const missing = rowsWithoutSource(
      [
        table('none found', 'same page', '[Page](https://docs.aws.amazon.com/x.html) ("it says")'),
        '',
        table(
          'CreateReplicationGroup (SDK model)',
          'https://docs.aws.amazon.com/y.html',
          'same page ("also")',
        ),
      ].join('\n'),
    );

    // Assess
    expect(missing).toEqual(['line 3: rule 1', 'line 4: rule 2', 'line 9: rule 1']);
  });
});
