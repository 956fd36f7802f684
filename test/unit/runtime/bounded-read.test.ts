import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTooLargeError, readBoundedFile } from '../../../shared/runtime/bounded-read.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guardrails-bounded-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Function: readBoundedFile', () => {
  it('reads a file of exactly the limit whole', async () => {
    // Prepare
    const path = join(dir, 'exact.json');
    await writeFile(path, 'x'.repeat(4096));

    // Act
    const bytes = await readBoundedFile(path, 4096);

    // Assess
    expect(bytes.toString('utf8')).toBe('x'.repeat(4096));
  });

  it('refuses a file one byte over the limit, saying the limit', async () => {
    // Prepare
    const path = join(dir, 'over.json');
    await writeFile(path, 'x'.repeat(4097));

    // Act & Assess
    await expect(readBoundedFile(path, 4096)).rejects.toThrow(new FileTooLargeError(4096).message);
    await expect(readBoundedFile(path, 4096)).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('refuses /dev/zero (size 0 to stat, endless to read) after the limit', async () => {
    await expect(readBoundedFile('/dev/zero', 2 * 1024 * 1024)).rejects.toThrow(
      'the file is larger than 2 MiB',
    );
  });

  it('passes a missing file through as the file system says it', async () => {
    await expect(readBoundedFile(join(dir, 'missing.json'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
