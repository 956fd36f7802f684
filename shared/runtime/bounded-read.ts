/**
 * Reading a file the app is given (a policy, a saved fleet, a report) with a byte limit,
 * before anything parses it: at most the limit and one byte are read, so a file too large
 * is refused without being read whole, and a device with no size (`/dev/zero`) cannot grow
 * the process. A `stat` alone would not do: `/dev/zero` and pipes report size 0.
 */
import { open } from 'node:fs/promises';
import { GuardrailsError } from './errors.js';

/**
 * The most a JSON file given to the CLI may hold (a saved `describe-*` answer, a tag mapping,
 * a scan report): 64 MiB is tens of thousands of replication groups.
 */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

/** Bytes read at a time: a small file costs a small buffer. */
const CHUNK_BYTES = 1024 * 1024;

/** A file larger than the limit it was read with (its reader names the file). */
export class FileTooLargeError extends GuardrailsError {
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`the file is larger than ${describeBytes(maxBytes)}`);
    this.name = 'FileTooLargeError';
    this.maxBytes = maxBytes;
  }
}

/** `1 MiB`, `64 MiB`, `512 bytes`. */
export function describeBytes(count: number): string {
  return count >= 1024 * 1024 && count % (1024 * 1024) === 0
    ? `${count / (1024 * 1024)} MiB`
    : `${count} bytes`;
}

/**
 * The file's bytes, read up to `maxBytes` and one more; a {@link FileTooLargeError} when the
 * file holds more. Errors of the file system (ENOENT, EISDIR, EACCES) pass through.
 *
 * @example
 * const bytes = await readBoundedFile('groups.json', 64 * 1024 * 1024);
 */
export async function readBoundedFile(path: string, maxBytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      // Never more than one byte past the limit: enough to tell the file is too large.
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - length));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, length);
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw new FileTooLargeError(maxBytes);
    }
  } finally {
    await file.close();
  }
}
