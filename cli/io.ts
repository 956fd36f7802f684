/**
 * Where the CLI writes and how a command's result is rendered: the exit codes, the `--format`
 * and `--output` flags, and rows in any format a script reads.
 */
import { writeFile } from 'node:fs/promises';
import { type Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { parseOutputFile } from './arguments.js';
import type { Output, OutputKind, View } from './formats/output.js';
import { type Format, formatsFor, render } from './formats/registry.js';

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

/**
 * Adds `--format`, offering exactly the formats that write the command's `kind` of output (the
 * parser refuses any other before the command runs), and `--output`.
 */
export function withOutput<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
  kind: OutputKind,
) {
  return command
    .addOption(
      new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices(
        formatsFor(kind),
      ),
    )
    .option('--output <file>', 'write to a file instead of stdout', parseOutputFile);
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
  /** What `json` writes instead of the rows, when a script needs more than the rows' strings. */
  data?: unknown;
}

/** The command's output in the asked `--format` (or the default), to stdout or the `--output` file. */
export async function emitOutput(
  output: Output,
  flags: OutputFlags,
  io: CliIo,
  view: View = {},
): Promise<void> {
  await emit(render(output, formatOf(flags, io), view), flags, io);
}

/**
 * A command's result as lines of text by default (what a person reads), or as rows in the
 * asked `--format` / to the `--output` file (what a script reads).
 */
export async function emitResult(result: CommandResult, flags: OutputFlags, io: CliIo): Promise<void> {
  if (flags.format === undefined && flags.output === undefined) io.stdout(result.text);
  else
    await emitOutput(
      { kind: 'rows', rows: result.rows, columns: result.columns, data: result.data },
      flags,
      io,
    );
}
