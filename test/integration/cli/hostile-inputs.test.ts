/**
 * Hostile input to every command of the sandbox's CLI: each is refused with exit 2 and one line
 * naming the option, argument or field, before any request reaches the emulator (ElastiCache,
 * STS, Organizations, tagging, the sinks) or the state table: nothing is read, nothing changes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { captureIo } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

let stack: Stack;
let aws: string[];
let table: string[];
let folder: string;
const file = (name: string) => join(folder, name);

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:guardrails-upgrade:orders-1';
const MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:guardrails-upgrade';
const start = ['upgrade', 'start', 'orders', '--target', 'sync'];
const migrate = ['migration', 'start', 'orders', '--source', '10.0.0.5:6379'];

/** Each hostile command line (AWS and table flags added), and what its one line must name. */
const HOSTILE: [string, () => string[], RegExp][] = [
  // item 8: a format the command does not write, refused before the run
  [
    'upgrade start --format asff',
    () => [...start, '--local', '--enforce', '--format', 'asff', ...table],
    /--format/,
  ],
  ['plan --format asff', () => ['plan', '--format', 'asff'], /--format/],
  [
    'upgrade status --format ocsf',
    () => ['upgrade', 'status', 'orders', '--format', 'ocsf', ...table],
    /--format/,
  ],
  [
    '--output into a missing folder',
    () => ['scan', '--output', file('none/report.json')],
    /^guardrails: --output .*no folder/,
  ],
  [
    '--output a directory',
    () => [...start, '--local', '--output', folder, ...table],
    /^guardrails: --output .*is a directory/,
  ],
  // item 8: combinations
  [
    'upgrade start --local with --state-machine-arn',
    () => [...start, '--local', '--state-machine-arn', MACHINE_ARN, ...table],
    /--local and --state-machine-arn exclude/,
  ],
  [
    'migration start --apply-durability without --local',
    () => [...migrate, '--apply-durability', ...table],
    /--apply-durability needs --local/,
  ],
  [
    'migration start --policy without --local',
    () => [...migrate, '--policy', file('policy.yaml'), ...table],
    /--policy needs --local/,
  ],
  ['scan --tags without --input', () => ['scan', '--tags', file('tags.json')], /--tags needs --input/],
  [
    'drift --ou without --org (before the baselines are read)',
    () => ['drift', '--ou', 'ou-abcd-12345678', ...table],
    /--ou needs --org/,
  ],
  [
    'scan --concurrency without targets',
    () => ['scan', '--concurrency', '16'],
    /--concurrency needs targets/,
  ],
  [
    'plan --regions all in a list',
    () => ['plan', '--regions', 'all,eu-west-1'],
    /--regions: all stands alone/,
  ],
  // item 9: regions
  [
    'scan --regions eu-wset-1',
    () => ['scan', '--regions', 'eu-wset-1'],
    /--regions: eu-wset-1 is not a region; did you mean eu-west-1\?/,
  ],
  [
    'snapshot list --region eu-wset-1',
    () => ['snapshot', 'list', '--region', 'eu-wset-1'],
    /--region eu-wset-1 is not a region; did you mean eu-west-1\?/,
  ],
  [
    'policy validate with regions [eu-wset-1]',
    () => ['policy', 'validate', file('typo-region.yaml')],
    /settings\.targets\.regions\[0\].*did you mean eu-west-1\?/,
  ],
  [
    'scan with a policy naming regions [eu-wset-1]',
    () => ['scan', '--policy', file('typo-region.yaml')],
    /settings\.targets\.regions\[0\].*did you mean eu-west-1\?/,
  ],
  // item 9: integers, decimal digits only, in range
  [
    'scan --concurrency 0x10',
    () => ['scan', '--regions', 'eu-west-1', '--concurrency', '0x10'],
    /--concurrency "0x10": expected a whole number from 1 to 1000/,
  ],
  [
    'scan --concurrency 1001',
    () => ['scan', '--regions', 'eu-west-1', '--concurrency', '1001'],
    /--concurrency "1001"/,
  ],
  [
    'scan --concurrency 1e3',
    () => ['scan', '--regions', 'eu-west-1', '--concurrency', '1e3'],
    /--concurrency "1e3"/,
  ],
  ['scan --max-unknown 0x10', () => ['scan', '--max-unknown', '0x10'], /--max-unknown "0x10"/],
  ['scan --timeout 0x10', () => ['scan', '--timeout', '0x10'], /--timeout "0x10"/],
  [
    'snapshot cleanup --retention-days 0x10',
    () => ['snapshot', 'cleanup', '--retention-days', '0x10', ...table],
    /--retention-days "0x10"/,
  ],
  [
    'snapshot cleanup --retention-days 0',
    () => ['snapshot', 'cleanup', '--retention-days', '0', '--apply', ...table],
    /--retention-days "0"/,
  ],
  [
    'upgrade start --approval-timeout 0x3c',
    () => [...start, '--local', '--approval-timeout', '0x3c', ...table],
    /--approval-timeout "0x3c"/,
  ],
  [
    'migration start --approval-timeout 59',
    () => [...migrate, '--local', '--approval-timeout', '59', ...table],
    /--approval-timeout "59": expected a whole number from 60/,
  ],
  // item 9: ids, by the API's own rules, for every command that takes one
  [
    'upgrade status ../../etc/passwd',
    () => ['upgrade', 'status', '../../etc/passwd', ...table],
    /^guardrails: <replication-group-id> "\.\.\/\.\.\/etc\/passwd": must hold only letters/,
  ],
  [
    'upgrade status with a 10 KB id',
    () => ['upgrade', 'status', `a${'b'.repeat(10_239)}`, ...table],
    /<replication-group-id> .*\(10240 chars\): must have 1 to 40 characters/,
  ],
  [
    'upgrade start orders-',
    () => ['upgrade', 'start', 'orders-', '--target', 'sync', '--local', ...table],
    /<replication-group-id> "orders-": must not end with a hyphen/,
  ],
  [
    'upgrade approve 1orders',
    () => ['upgrade', 'approve', '1orders', ...table],
    /<replication-group-id> "1orders": must start with a letter/,
  ],
  [
    'upgrade reject orders--1',
    () => ['upgrade', 'reject', 'orders--1', '--reason', 'no', ...table],
    /<replication-group-id> "orders--1": must not hold two hyphens/,
  ],
  [
    'upgrade abort ../x',
    () => ['upgrade', 'abort', '../x', '--reason', 'stop', ...table],
    /<replication-group-id>/,
  ],
  [
    'migration start ../x',
    () => ['migration', 'start', '../x', '--source', '10.0.0.5:6379', '--local', ...table],
    /<replication-group-id>/,
  ],
  [
    'migration status with a 10 KB id',
    () => ['migration', 'status', 'x'.repeat(10_240), ...table],
    /<replication-group-id>/,
  ],
  [
    'migration approve orders_1',
    () => ['migration', 'approve', 'orders_1', ...table],
    /<replication-group-id>/,
  ],
  [
    'migration reject -orders',
    () => ['migration', 'reject', 'x-', '--reason', 'no', ...table],
    /<replication-group-id>/,
  ],
  [
    'migration abort a--b',
    () => ['migration', 'abort', 'a--b', '--reason', 'stop', ...table],
    /<replication-group-id>/,
  ],
  ['snapshot create ../x', () => ['snapshot', 'create', '../x'], /<replication-group-id>/],
  [
    'migration start --source port 99999',
    () => [...migrate.slice(0, 4), '10.0.0.5:99999', '--local', ...table],
    /customerEndpoints\.0\.port: must be 1-65535/,
  ],
  [
    'upgrade start --target disabled',
    () => ['upgrade', 'start', 'orders', '--target', 'disabled', '--local', ...table],
    /target/,
  ],
  [
    'upgrade start --allow everything',
    () => [...start, '--allow', 'everything', '--local', ...table],
    /allow\.0: Invalid option/,
  ],
  // item 9: names and texts sent to other APIs
  [
    'migration status --execution-arn of a state machine',
    () => ['migration', 'status', 'orders', '--execution-arn', MACHINE_ARN, ...table],
    /--execution-arn .*expected arn:aws:states:<region>:<account>:execution/,
  ],
  [
    'upgrade abort --state-machine-arn ../x',
    () => ['upgrade', 'abort', 'orders', '--reason', 'r', '--state-machine-arn', '../x', ...table],
    /--state-machine-arn/,
  ],
  ['upgrade status --table a/b', () => ['upgrade', 'status', 'orders', '--table', 'a/b'], /--table "a\/b"/],
  [
    'upgrade abort --reason of 10 KB',
    () => ['upgrade', 'abort', 'orders', '--reason', 'r'.repeat(10_240), ...table],
    /--reason .*at most 256 characters/,
  ],
  [
    'snapshot create --reason with a line break',
    () => ['snapshot', 'create', 'orders', '--reason', 'a\nb'],
    /--reason .*control characters/,
  ],
  [
    'migration status --execution-arn in eu-wset-1',
    () => [
      'migration',
      'status',
      'orders',
      '--execution-arn',
      EXECUTION_ARN.replace('us-east-1', 'eu-wset-1'),
      ...table,
    ],
    /--execution-arn .*did you mean eu-west-1/,
  ],
];

/** Every request that reached the sandbox: the emulator's services and the state table. */
const requests = () => stack.emulator.faults.log.length + stack.dynamo.calls.length;

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  aws = ['--endpoint-url', stack.emulator.endpoint];
  table = ['--table', 'guardrails-state'];
  folder = mkdtempSync(join(tmpdir(), 'hostile-'));
  mkdirSync(join(folder, 'out'));
  writeFileSync(
    file('typo-region.yaml'),
    `version: 1\nsettings:\n  targets:\n    accounts: ['111111111111']\n    regions: [eu-wset-1]\nrules:\n  - name: r\n    match: { resourceTypes: [replication-group] }\n    storageEncryption: { allowed: [sse-elasticache] }\n`,
  );
  writeFileSync(file('policy.yaml'), 'version: 1\nrules: []\n');
  writeFileSync(file('tags.json'), '{"ResourceTagMappingList":[]}');
  stack.emulator.model.putGroup(groupState('orders'));
});

afterAll(() => stack.close());

describe('guardrails: hostile input (sandbox CLI)', () => {
  it('holds at least 30 hostile command lines', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE)('refuses %s: exit 2, one line naming it, 0 requests sent', async (_name, argv, names) => {
    // Prepare
    const before = requests();
    const io = captureIo();

    // Act
    const args = argv();
    // `policy validate` reads a file only: it takes no AWS flag.
    const code = await runSandboxCli(args[1] === 'validate' ? args : [...args, ...aws], io);

    // Assess
    const lines = io
      .err()
      .split('\n')
      .filter((line) => line !== '' && line !== '(run with --help for usage)');
    expect(code).toBe(EXIT.usage);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(names);
    expect(lines[0]?.length).toBeLessThan(400);
    expect(io.out()).toBe('');
    expect(requests() - before).toBe(0);
  });
});
