/**
 * Every file the CLI is given is read with a byte limit before it is parsed: an endless device
 * (`/dev/zero`, size 0 to `stat`) or a huge file is refused after the limit with one line that
 * names the file and the limit, exit code 2, and nothing on stdout.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { MAX_JSON_FILE_BYTES } from '../../../shared/runtime/bounded-read.js';
import { captureIo } from '../../cli-io.js';

let dir: string;
let fleet: string;
let huge: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guardrails-input-files-'));
  fleet = join(dir, 'groups.json');
  await writeFile(fleet, JSON.stringify({ ReplicationGroups: [] }));
  // A sparse file one byte over the limit: no disk used, all of it there to read.
  huge = join(dir, 'huge.json');
  await writeFile(huge, '');
  await truncate(huge, MAX_JSON_FILE_BYTES + 1);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Files the CLI reads', () => {
  const cases: [string, () => string[], () => string][] = [
    [
      'scan --input /dev/zero',
      () => ['scan', '--input', '/dev/zero'],
      () => 'cannot read /dev/zero: the file is larger than 64 MiB',
    ],
    [
      'scan --input of 64 MiB and a byte',
      () => ['scan', '--input', huge],
      () => `cannot read ${huge}: the file is larger than 64 MiB`,
    ],
    [
      'scan --tags /dev/zero',
      () => ['scan', '--input', fleet, '--tags', '/dev/zero'],
      () => 'cannot read /dev/zero: the file is larger than 64 MiB',
    ],
    [
      'scan --policy /dev/zero',
      () => ['scan', '--input', fleet, '--policy', '/dev/zero'],
      () => 'policy file /dev/zero: the file is larger than 1 MiB',
    ],
    [
      'drift --baseline /dev/zero',
      () => ['drift', '--input', fleet, '--baseline', '/dev/zero'],
      () => '--baseline /dev/zero: the file is larger than 64 MiB',
    ],
    [
      'drift --baseline of 64 MiB and a byte',
      () => ['drift', '--input', fleet, '--baseline', huge],
      () => `--baseline ${huge}: the file is larger than 64 MiB`,
    ],
  ];

  it.each(cases)('refuses %s with one line naming the file and the limit, exit 2', async (_, args, line) => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runCli(args(), io);

    // Assess
    expect({ code, out: io.out(), err: io.err() }).toEqual({
      code: EXIT.usage,
      out: '',
      err: `guardrails: ${line()}\n`,
    });
  });
});
