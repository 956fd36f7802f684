/**
 * The policy as a file: read it (at most 1 MiB and a byte, never all of /dev/zero), check it is
 * UTF-8 text, and hand the text to the domain's parser. The domain reads no files.
 */
import { basename } from 'node:path';
import {
  type CheckedPolicy,
  checkPolicy,
  POLICY_LIMITS,
  PolicyError,
  parsePolicy,
} from '../domain/policy/load.js';
import type { Policy } from '../domain/policy/schema.js';
import { FileTooLargeError, readBoundedFile } from '../runtime/bounded-read.js';

/**
 * Read and parse a policy file; errors about the file as a whole name it as given on the
 * command line, errors inside it by its base name and line.
 *
 * @example
 * const policy = await loadPolicyFile('infra/policy.default.yaml');
 */
export async function loadPolicyFile(path: string): Promise<Policy> {
  return parsePolicy(await readPolicyText(path), basename(path));
}

/**
 * {@link loadPolicyFile}, with the warnings of `policy validate` (see `checkPolicy`).
 *
 * @example
 * const { policy, warnings } = await checkPolicyFile('policy.yaml', new Date());
 */
export async function checkPolicyFile(path: string, now: Date): Promise<CheckedPolicy> {
  return checkPolicy(await readPolicyText(path), basename(path), now);
}

async function readPolicyText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path, POLICY_LIMITS.maxBytes);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw new PolicyError(`policy file ${path}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyError(
      code === 'ENOENT'
        ? `policy file ${path} does not exist: pass --policy FILE (without --policy the default policy, infra/policy.default.yaml, is used)`
        : `cannot read policy file ${path}: ${code ?? String(error)}`,
      { cause: error },
    );
  }
  const refuse = (reason: string) => new PolicyError(`policy file ${path}: ${reason}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse('not a text file (not UTF-8)');
  }
  if (text.trim() === '') throw refuse('the file is empty');
  if (text.includes('\0')) throw refuse('not a text file (a NUL character)');
  return text;
}
