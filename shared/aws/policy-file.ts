/**
 * The policy as a file: read it (at most 1 MiB and a byte, never all of /dev/zero), check it is
 * UTF-8 text, and hand the text to the domain's parser. The domain reads no files.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { POLICY_LIMITS, PolicyError, parsePolicy } from '../domain/policy/load.js';
import type { Policy } from '../domain/policy/schema.js';

/** At most `limit` + 1 bytes of a file: enough to tell it is too large, never all of /dev/zero. */
async function readHead(path: string, limit: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
}

/**
 * Read and parse a policy file; errors about the file as a whole name it as given on the
 * command line, errors inside it by its base name and line.
 *
 * @example
 * const policy = await loadPolicyFile('infra/policy.default.yaml');
 */
export async function loadPolicyFile(path: string): Promise<Policy> {
  let bytes: Buffer;
  try {
    bytes = await readHead(path, POLICY_LIMITS.maxBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyError(
      code === 'ENOENT'
        ? `policy file ${path} does not exist: pass --policy FILE (without --policy the default policy, infra/policy.default.yaml, is used)`
        : `cannot read policy file ${path}: ${code ?? String(error)}`,
      { cause: error },
    );
  }
  const refuse = (reason: string) => new PolicyError(`policy file ${path}: ${reason}`);
  if (bytes.length > POLICY_LIMITS.maxBytes) throw refuse('the file is larger than 1 MiB');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse('not a text file (not UTF-8)');
  }
  if (text.trim() === '') throw refuse('the file is empty');
  if (text.includes('\0')) throw refuse('not a text file (a NUL character)');
  return parsePolicy(text, basename(path));
}
