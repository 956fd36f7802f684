/**
 * The parsers of the arguments and flags several commands take (a group id, a reason, a state
 * machine or execution ARN, an approval timeout, an output file), each refusing a bad value
 * while the command line is parsed: before the command reads or changes anything. The rules
 * themselves are the domain's (shared/domain/ids.ts, the workflow inputs' bounds).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkId, type IdRule } from '../shared/domain/ids.js';
import { APPROVAL_TIMEOUT_SECONDS } from '../shared/domain/workflow/index.js';
import { echo } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';

/**
 * A parser of a flag's number written in decimal digits (with a fraction when `fraction`),
 * from `min` to `max`: `0x10`, `1e3`, ` 5` and `+5` are refused, never read as 16, 1000 or 5.
 * The error names the flag and the value; it is thrown as an {@link InputValidationError} so
 * that the CLI writes one line (with the value cut to a line) and exits 2.
 *
 * @example
 * command.option('--concurrency <n>', 'targets at once', decimalFlag('--concurrency', { min: 1, max: 1000 }));
 */
export function decimalFlag(
  flag: string,
  range: { min: number; max: number; fraction?: boolean; unit?: string },
): (value: string) => number {
  const pattern = range.fraction === true ? /^\d{1,9}(\.\d{1,6})?$/ : /^\d{1,9}$/;
  const kind = range.fraction === true ? 'a decimal number' : 'a whole number';
  const unit = range.unit === undefined ? '' : ` ${range.unit}`;
  return (value) => {
    const number = Number(value);
    if (!pattern.test(value) || number < range.min || number > range.max)
      throw new InputValidationError(
        `${flag} ${echo(value)}: expected ${kind} from ${range.min} to ${range.max}${unit} (decimal digits only)`,
      );
    return number;
  };
}

/**
 * A parser of a flag that names something `rule` governs (a table, an ARN, a reason): refused
 * before any call, naming the flag.
 */
export const idFlag =
  (rule: IdRule, flag: string) =>
  (value: string): string =>
    checkId(rule, value, flag);

/** `<replication-group-id>`, held to CreateReplicationGroup's rule. */
export const GROUP_ARGUMENT = ['<replication-group-id>', 'the replication group'] as const;
export const parseGroupId = idFlag('replication group id', '<replication-group-id>');

export const parseReason = idFlag('reason', '--reason');
export const parseStateMachineArn = idFlag('state machine ARN', '--state-machine-arn');
export const parseExecutionArn = idFlag('execution ARN', '--execution-arn');
export const parseApprovalTimeout = decimalFlag('--approval-timeout', {
  ...APPROVAL_TIMEOUT_SECONDS,
  unit: 'seconds',
});

/**
 * `--output`: a file that can be written, checked before the command runs, so that a run that
 * changed something never ends by failing to say so (a missing folder, a directory, no right).
 */
export function parseOutputFile(file: string): string {
  const path = resolve(file);
  const refuse = (why: string) => {
    throw new InputValidationError(`--output ${echo(file)}: ${why}`);
  };
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing?.isDirectory() === true) refuse('is a directory');
  const folder = statSync(dirname(path), { throwIfNoEntry: false });
  if (folder === undefined || !folder.isDirectory()) refuse(`no folder ${echo(dirname(file))}`);
  try {
    accessSync(existing === undefined ? dirname(path) : path, constants.W_OK);
  } catch {
    refuse('cannot be written (no permission)');
  }
  return file;
}
