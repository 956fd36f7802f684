/**
 * How the chapters of `npm start` print: a numbered chapter heading, indented lines, the command
 * that shows a step again, and the counts and findings every chapter reports the same way.
 */
import type { Finding } from '../../../shared/domain/finding.js';

export interface Narration {
  /** Starts the next chapter: a blank line, its number and `text`. */
  say: (text: string) => void;
  /** Prints one indented line. */
  line: (text: string) => void;
  /** Prints the command that shows a step again while the sandbox is up (`npm start -- --keep`). */
  reproduce: (args: string[]) => void;
}

/** A narration whose chapters are numbered from 1 in the order they are said. */
export function narration(): Narration {
  let chapter = 0;
  const line = (text: string) => console.log(`   ${text}`);
  return {
    say: (text) => {
      chapter += 1;
      console.log(`\n${chapter}. ${text}`);
    },
    line,
    reproduce: (args) => line(`$ npm run sandbox-cli -- ${args.join(' ')}`),
  };
}

/** `3 violation, 1 unknown`: how often each non-null item occurs, in first-seen order; `none` if none. */
export const countBy = (items: readonly (string | null)[]) => {
  const counts = new Map<string, number>();
  for (const item of items) if (item !== null) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([key, count]) => `${count} ${key}`).join(', ') || 'none';
};

/** Counts per rule, so that each number says which rule it is for. */
export const countByRule = <T extends { rule: string }>(
  items: readonly T[],
  key: (item: T) => string | null,
) =>
  [...new Set(items.map((item) => item.rule))]
    .map((rule) => `${rule}: ${countBy(items.filter((item) => item.rule === rule).map(key))}`)
    .join('; ') || 'none';

/** `Durability default` leaves the choice to ElastiCache, which today resolves it to disabled. */
export const durabilityText = (setting: string) =>
  setting === 'default' ? 'default (ElastiCache resolves it to disabled today)' : setting;

/** One finding in one line: status, resource, rule, action and the start of its reason. */
export const showFinding = (demo: Narration, finding: Finding) =>
  demo.line(
    `${finding.status.padEnd(9)} ${finding.resourceId.padEnd(18)} ${finding.rule.padEnd(17)} ${finding.action ?? ''} ${finding.reason.slice(0, 150)}`,
  );
