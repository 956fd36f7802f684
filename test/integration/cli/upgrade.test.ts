/**
 * `guardrails upgrade` through the sandbox's CLI: `start --local` runs the real ASL file in
 * process against the emulator, and a second CLI call decides its approval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseSoakHold } from '../../../cli/last-soak.js';
import { EXIT, runCli } from '../../../cli/main.js';
import { runSandboxCli } from '../../../infra/local/cli.js';
import { RECORD_KINDS } from '../../../shared/aws/state-keys.js';
import { runCaptured } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

let stack: Stack;
let args: string[];

const cli = (argv: string[], entry = runSandboxCli) => runCaptured(argv, entry);

/** Wait until the execution on `group` parks its approval in the state table. */
async function approvalParked(group: string): Promise<void> {
  for (let look = 0; look < 400; look += 1) {
    if ((await stack.store.readRecord(RECORD_KINDS.upgradeApproval, group)) !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no approval of ${group} was requested`);
}

/** Valkey 9 with cluster mode, replicas and Multi-AZ, but no TLS: TLS, then durability. */
const withoutTls = (id: string) => groupState(id, { tls: false });
const start = (group: string) =>
  cli(['upgrade', 'start', group, '--target', 'sync', '--allow', 'enable-tls', '--local', ...args]);

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  args = ['--endpoint-url', stack.emulator.endpoint, '--table', 'guardrails-state'];
});

afterAll(() => stack.close());

describe('guardrails upgrade (--local against the sandbox)', () => {
  it('runs the unattended TLS step, waits for approval of durability, reaches sync once approved', async () => {
    // Prepare
    stack.emulator.model.putGroup(withoutTls('ledger'));

    // Act
    const started = start('ledger');
    await approvalParked('ledger');
    const status = await cli(['upgrade', 'status', 'ledger', ...args, '--format', 'json']);
    const approved = await cli(['upgrade', 'approve', 'ledger', ...args]);
    const result = await started;

    // Assess
    const [row] = JSON.parse(status.out) as Record<string, string>[];
    expect(row).toMatchObject({
      lockedBy: expect.stringMatching(/^ledger-\d{14}$/),
      lockKind: 'upgrade',
      waitingForApproval: row?.lockedBy,
      approvalStep: 'set Durability=sync',
    });
    expect(status.out).not.toContain('local-task-token');
    expect(approved).toMatchObject({ code: EXIT.compliant, out: 'approved: ledger\n' });
    expect(result.out).toContain('waiting for: guardrails upgrade approve ledger');
    expect(result).toMatchObject({ code: EXIT.compliant, err: '' });
    expect(result.out).toContain('"status": "succeeded"');
    const group = stack.emulator.model.groups.get('ledger');
    expect(group).toMatchObject({ tls: true, effectiveDurability: 'sync' });
    expect(await stack.store.readLease('migration#ledger')).toBeUndefined();
  });

  it('stops at a rejection, the group left as the TLS step left it, and exits 1 with what is left', async () => {
    // Prepare
    stack.emulator.model.putGroup(withoutTls('journal'));

    // Act
    const started = start('journal');
    await approvalParked('journal');
    const rejected = await cli(['upgrade', 'reject', 'journal', ...args, '--reason', 'clients not ready']);
    const result = await started;

    // Assess
    expect(rejected).toMatchObject({ code: EXIT.compliant, out: 'rejected: journal\n' });
    expect(result.code).toBe(EXIT.violations);
    expect(result.out).toMatch(/failed: UpgradeRejected: .*clients not ready/);
    expect(result.out).toContain(
      'the group stays as the last step left it; what is left: guardrails plan --resource journal',
    );
    expect(stack.emulator.model.groups.get('journal')).toMatchObject({
      tls: true,
      effectiveDurability: 'disabled',
    });
    expect(await stack.store.readLease('migration#journal')).toBeUndefined();
  });

  it('aborts at a waiting approval with UpgradeRejected and the reason, and refuses when none runs', async () => {
    stack.emulator.model.putGroup(withoutTls('archive'));
    const nothing = await cli(['upgrade', 'abort', 'archive', ...args, '--reason', 'test']);

    const started = start('archive');
    await approvalParked('archive');
    const aborted = await cli(['upgrade', 'abort', 'archive', ...args, '--reason', 'freeze week']);
    const result = await started;
    const status = await cli(['upgrade', 'status', 'archive', ...args]);

    expect(nothing).toMatchObject({
      code: EXIT.usage,
      err: 'guardrails: no upgrade of archive is running\n',
    });
    expect(aborted.out).toContain(
      'the execution waiting for approval on archive stops now (UpgradeRejected)',
    );
    expect(result.code).toBe(EXIT.violations);
    expect(result.out).toMatch(/failed: UpgradeRejected: aborted: freeze week/);
    // After the abort, status says what was aborted and what is left.
    expect(status.out).toMatch(
      /^archive: not locked: no upgrade or migration runs\nno approval waits\nlast abort: archive-\d{14} aborted at \S+ by \S+ \(freeze week\); left: the group stays as the last step left it; what is left: guardrails plan --resource archive\n$/,
    );
  });

  it('shows the last soak in status, and releases a group its soak stepped back once, recorded on the soak', async () => {
    // Prepare: the outcome step kept a soak that stepped `cellar` back.
    const arn = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cellar';
    await stack.store.putRecord(RECORD_KINDS.lastSoak, arn, {
      replicationGroupId: 'cellar',
      arn,
      execution: 'cellar-soak-20261207100000000',
      target: 'sync',
      soak: {
        outcome: 'stepped-back',
        startedAt: '2026-12-07T10:10:00.000Z',
        lookedAt: '2026-12-07T10:20:00.000Z',
        looks: 2,
        reasons: ['TrafficManagementActive 1: writes above what the transactional log takes were throttled'],
        steppedBackAt: '2026-12-07T10:20:00.000Z',
        series: [],
      },
    });

    // Act
    const before = await cli(['upgrade', 'status', 'cellar', ...args]);
    const released = await cli(['upgrade', 'release', 'cellar', ...args, '--reason', 'shards added']);
    const again = await cli(['upgrade', 'release', 'cellar', ...args, '--reason', 'twice']);
    const none = await cli(['upgrade', 'release', 'attic', ...args, '--reason', 'none']);
    const badArn = await cli(['upgrade', 'release', 'cellar', ...args, '--reason', 'x', '--arn', 'cellar']);

    // Assess
    expect(before.out).toContain(
      'last soak: stepped-back (cellar-soak-20261207100000000); started 2026-12-07T10:10:00.000Z, last look 2026-12-07T10:20:00.000Z, 2 looks; stepped back to async at 2026-12-07T10:20:00.000Z; breach: TrafficManagementActive 1',
    );
    expect(released).toMatchObject({ code: EXIT.compliant });
    expect(released.out).toMatch(/^released cellar: the next durability run may raise it again/);
    expect(await stack.store.readRecord(RECORD_KINDS.lastSoak, arn)).toMatchObject({
      released: { by: expect.any(String), at: expect.any(String), reason: 'shards added' },
      soak: { outcome: 'stepped-back' },
    });
    expect(again).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('released already') });
    expect(none).toMatchObject({
      code: EXIT.usage,
      err: 'guardrails: attic: no soak of this group is kept\n',
    });
    expect(badArn).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--arn') });
  });

  it('releases nothing when a newer soak of the group is kept between the read and the write', async () => {
    // Prepare: a stepped-back soak is read; before the release is written, a newer soak ends.
    const arn = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:loft';
    const soak = (execution: string) => ({
      replicationGroupId: 'loft',
      arn,
      execution,
      target: 'sync',
      soak: { outcome: 'stepped-back', steppedBackAt: '2026-12-07T10:20:00.000Z', series: [] },
    });
    await stack.store.putRecord(RECORD_KINDS.lastSoak, arn, soak('loft-soak-1'));
    const racing = {
      listRecords: stack.store.listRecords.bind(stack.store),
      putRecordWhile: async (...call: Parameters<typeof stack.store.putRecordWhile>) => {
        await stack.store.putRecord(RECORD_KINDS.lastSoak, arn, soak('loft-soak-2'));
        return stack.store.putRecordWhile(...call);
      },
    };

    // Act
    const released = releaseSoakHold(racing, 'loft', {
      by: 'operator',
      at: '2026-12-07T12:00:00Z',
      reason: 'r',
    });

    // Assess: refused, and the newer soak is kept as it ended, unreleased.
    await expect(released).rejects.toThrow(/loft: its last soak changed while it was being released/);
    const kept = await stack.store.readRecord(RECORD_KINDS.lastSoak, arn);
    expect(kept).toMatchObject({ execution: 'loft-soak-2' });
    expect(kept).not.toHaveProperty('released');
  });

  it('says a dry run planned, with the plan in readable fields, and changes nothing', async () => {
    stack.emulator.model.putGroup(withoutTls('draft'));

    const started = await cli([
      'upgrade',
      'start',
      'draft',
      '--target',
      'sync',
      '--dry-run',
      '--local',
      ...args,
      '--format',
      'json',
    ]);

    expect(started.code).toBe(EXIT.compliant);
    const [row] = JSON.parse(started.out) as Record<string, string>[];
    expect(row).toMatchObject({ replicationGroupId: 'draft', status: 'planned' });
    expect(row?.detail).toMatch(/^target sync; .*plan /);
    expect(row?.detail).not.toMatch(/[{}"[\]]/);
    expect(stack.emulator.model.groups.get('draft')).toMatchObject({
      tls: false,
      effectiveDurability: 'disabled',
    });
  });

  it('shows the lock a migration holds, and says so when nothing waits for approval', async () => {
    const now = new Date();
    await stack.store.acquireLease('migration#cargo', 'cargo-run-1', new Date(now.getTime() + 60_000), now);

    const status = await cli(['upgrade', 'status', 'cargo', ...args]);
    const approve = await cli(['upgrade', 'approve', 'cargo', ...args]);
    await stack.store.releaseLease('migration#cargo');

    expect(status.out).toBe(
      `cargo: locked by execution cargo-run-1 since ${now.toISOString()}\nno approval waits\n`,
    );
    expect(approve).toMatchObject({
      code: EXIT.usage,
      err: 'guardrails: no upgrade of cargo waits for approval\n',
    });
  });

  it.each([
    [['--target', 'disabled'], /invalid upgrade input: target/],
    [['--target', 'sync', '--allow', 'reboot'], /allow\.0/],
    [
      ['--target', 'sync', '--approval-timeout', '5'],
      /--approval-timeout "5": expected a whole number from 60/,
    ],
  ])('refuses %j naming the field, before any call', async (flags, message) => {
    const calls = stack.emulator.faults.log.length;

    const { code, err } = await cli(['upgrade', 'start', 'ledger', '--local', ...args, ...flags]);

    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(message);
    expect(stack.emulator.faults.log.length).toBe(calls);
  });

  it('refuses --format asff (it writes findings, not rows) before a request reaches the sandbox', async () => {
    // Prepare
    stack.emulator.model.putGroup(withoutTls('pantry'));
    const requests = stack.emulator.faults.log.length;
    const stored = stack.dynamo.calls.length;

    // Act
    const { code, out, err } = await cli([
      'upgrade',
      'start',
      'pantry',
      '--target',
      'sync',
      '--allow',
      'enable-tls',
      '--local',
      ...args,
      '--format',
      'asff',
    ]);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    expect(err).toMatch(
      /^error: option '--format <format>' argument 'asff' is invalid\. Allowed choices are /,
    );
    expect(stack.emulator.faults.log.length - requests).toBe(0);
    expect(stack.dynamo.calls.length - stored).toBe(0);
    expect(stack.emulator.model.groups.get('pantry')).toMatchObject({ tls: false });
  });

  it('offers --local only in the sandbox entry point, not in the shipped CLI', async () => {
    const shipped = await cli(['upgrade', 'start', 'ledger', '--target', 'sync', '--local', ...args], runCli);
    const help = await cli(['upgrade', 'start', '--help'], runCli);

    expect(shipped).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("unknown option '--local'"),
    });
    expect(help.out).toContain('--state-machine-arn');
    expect(help.out).not.toContain('--local');
  });

  it.each([['start'], ['status'], ['approve'], ['reject'], ['abort']])(
    'documents upgrade %s',
    async (verb) => {
      const { code, out } = await cli(['upgrade', verb, '--help']);
      expect(code).toBe(EXIT.compliant);
      expect(out).toMatch(/^Usage: guardrails upgrade /);
    },
  );

  it('names its execution by the sandbox clock, not the wall clock (last: it moves the clock on)', async () => {
    // Prepare
    stack.emulator.model.putGroup(withoutTls('ledger-2'));
    stack.emulator.clock.advance(400 * 24 * 3_600_000);
    const sandboxDay = new Date(stack.emulator.clock.now()).toISOString().slice(0, 10).replace(/-/g, '');

    // Act
    const started = start('ledger-2');
    await approvalParked('ledger-2');
    const status = await cli(['upgrade', 'status', 'ledger-2', ...args, '--format', 'json']);
    await cli(['upgrade', 'reject', 'ledger-2', ...args, '--reason', 'test']);
    await started;

    // Assess
    const [row] = JSON.parse(status.out) as Record<string, string>[];
    expect(row?.lockedBy).toMatch(new RegExp(`^ledger-2-${sandboxDay}\\d{6}$`));
  });
});
