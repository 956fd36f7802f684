/**
 * How the chapters of `npm start` print: a numbered chapter heading, indented lines, the command
 * that shows a step again on its own (`npm start -- --after N …`, see replay.ts), and the counts
 * and findings every chapter reports the same way.
 */
import type { Finding } from '../../../shared/domain/finding.js';

export interface Narration {
  /** Starts the next chapter: a blank line, its number and `text`. */
  say: (text: string) => void;
  /** Prints one indented line. */
  line: (text: string) => void;
  /**
   * Prints the command that shows this chapter's step again after the demo has ended: it
   * rebuilds the sandbox as the chapter left it and runs the sandbox CLI with `args` against it.
   */
  reproduce: (args: string[]) => void;
}

/** The command that runs the sandbox CLI with `args` against the sandbox as chapter `chapter` left it. */
export const replayCommand = (chapter: number, args: readonly string[]) =>
  `npm start -- --after ${chapter} ${args.join(' ')}`;

/** Where a terminal's lines end: its width when stdout is one, else none (piped output is not wrapped). */
const terminalWidth = () => (process.stdout.isTTY ? process.stdout.columns : undefined);

/**
 * `text` broken at spaces into lines of at most `width` columns, each continuation indented four
 * columns deeper than the line it continues; a word longer than the width stays whole.
 */
export function wrapLine(text: string, width: number | undefined): string {
  if (width === undefined || text.length <= width) return text;
  if (text.includes('\n'))
    return text
      .split('\n')
      .map((part) => wrapLine(part, width))
      .join('\n');
  const lead = /^ */.exec(text)?.[0] ?? '';
  const indent = `${lead}    `;
  const lines: string[] = [];
  let current = lead;
  let empty = true; // no word on `current` yet
  // Splitting at single spaces keeps a table's runs of spaces: each extra one is an empty word.
  for (const word of text.slice(lead.length).split(' ')) {
    if (empty) {
      current += word;
      empty = word === '';
    } else if (current.length + 1 + word.length > width) {
      lines.push(current.trimEnd());
      current = indent + word;
      empty = word === '';
    } else current += ` ${word}`;
  }
  return [...lines, current].join('\n');
}

/**
 * A narration whose chapters are numbered from 1 in the order they are said; `print` receives
 * every line (none are printed when the sandbox is only being rebuilt for a replay). Lines wider
 * than `width` (the terminal's, when stdout is one) are wrapped, except the `$` commands, which
 * stay one line to copy.
 */
export function narration(
  print: (text: string) => void = console.log,
  width: number | undefined = terminalWidth(),
): Narration {
  let chapter = 0;
  const line = (text: string) => print(wrapLine(`   ${text}`, width));
  return {
    say: (text) => {
      chapter += 1;
      print(`\n${wrapLine(`${chapter}. ${text}`, width)}`);
    },
    line,
    reproduce: (args) => print(`   $ ${replayCommand(chapter, args)}`),
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
