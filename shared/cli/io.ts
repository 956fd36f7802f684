/**
 * Where the CLI writes and how a command's result is rendered: the exit codes, the `--format`
 * and `--output` flags, and rows in any format a script reads.
 */
import { writeFile } from 'node:fs/promises';
import { type Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { InputValidationError } from '../runtime/errors.js';
import { csvField, FORMATS, type Format, table } from './format.js';
import { renderHtmlTable } from './html.js';

/**
 * Exit codes, as documented in the README. A scan exits `violations` before
 * `nothingEvaluated`: a confirmed violation is the more urgent news, and the warning about
 * the unknown share is on stderr either way.
 */
export const EXIT = { compliant: 0, violations: 1, usage: 2, aws: 3, nothingEvaluated: 4 } as const;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: tables by default. */
  isTTY: boolean;
  /** stderr is a terminal: progress is shown there. */
  progress?: boolean;
  /** The terminal's width when stdout is one: tables are cut to it. */
  columns?: number;
}

export interface OutputFlags {
  format?: Format;
  output?: string;
}

/** Adds `--format` and `--output`. */
export function withOutput<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return command
    .addOption(
      new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices(
        FORMATS,
      ),
    )
    .option('--output <file>', 'write to a file instead of stdout');
}

/** How wide a table may be: a terminal's width, or unbounded when stdout is not a terminal. */
export const widthOf = (flags: OutputFlags, io: CliIo): number | undefined =>
  io.isTTY && flags.output === undefined ? io.columns : undefined;

export const formatOf = (flags: OutputFlags, io: CliIo): Format =>
  flags.format ?? (io.isTTY && flags.output === undefined ? 'table' : 'json');

export async function emit(text: string, flags: OutputFlags, io: CliIo): Promise<void> {
  if (flags.output === undefined) io.stdout(text);
  else await writeFile(flags.output, text);
}

/** A command's result: lines for a person, rows (in `columns` order) for a script. */
export interface CommandResult {
  text: string;
  rows: Record<string, string>[];
  columns: string[];
}

/**
 * A command's result as lines of text by default (what a person reads), or as rows in the
 * asked `--format` / to the `--output` file (what a script reads).
 */
export async function emitResult(result: CommandResult, flags: OutputFlags, io: CliIo): Promise<void> {
  if (flags.format === undefined && flags.output === undefined) io.stdout(result.text);
  else await emit(renderRows(result.rows, result.columns, formatOf(flags, io)), flags, io);
}

/**
 * Rows in any format but html (a report of findings is the only html page). A table is cut to
 * `width` (its last column gives up room first) and ends with `footer` when given.
 */
export function renderRows(
  rows: Record<string, string>[],
  columns: string[],
  format: Format,
  view: { width?: number; footer?: string; title?: string } = {},
): string {
  const cells = rows.map((row) => columns.map((column) => row[column] ?? ''));
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'csv':
      return `${[columns, ...cells].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
    case 'markdown':
      return `${[columns, columns.map(() => '---'), ...cells].map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`).join('\n')}\n`;
    case 'asff':
    case 'ocsf':
      throw new InputValidationError(`--format ${format} is for findings: use it with guardrails scan`);
    case 'html':
      return renderHtmlTable(view.title ?? 'elasticache-guardrails', rows, columns, view.footer);
    case 'table': {
      const fitTo =
        view.width === undefined
          ? undefined
          : { width: view.width, absorbing: columns.length - 1, keep: [0, columns.indexOf('resourceId')] };
      const body = rows.length === 0 ? 'nothing to show' : table([columns, ...cells], fitTo);
      return view.footer === undefined ? `${body}\n` : `${body}\n${view.footer}\n`;
    }
  }
}
