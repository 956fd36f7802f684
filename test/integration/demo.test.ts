import { execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/io.js';
import { CHAPTERS, demoArguments } from '../../infra/local/demo/chapters.js';
import { replay } from '../../infra/local/demo/replay.js';
import { startDemoSandbox } from '../../infra/local/demo/sandbox.js';
import { loadState } from '../../infra/local/demo/saved-state.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * The one run of the demo every test below reads (it takes seconds of CPU, so it runs once), as
 * `npm start -- --keep` runs: its output until it leaves the sandbox up, the replication groups
 * a client reaches with the environment it printed, then Ctrl-C (SIGINT) and its exit code.
 */
let stdout = '';
let kept = { groups: -1, exitCode: null as number | null };
beforeAll(async () => {
  const { DescribeReplicationGroupsCommand, ElastiCacheClient } = await import('@aws-sdk/client-elasticache');
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--keep'], { cwd: ROOT });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (/export AWS_ENDPOINT_URL=\S+/.test(stdout) && stdout.includes('Ctrl-C')) resolve();
    });
    exited.then((code) =>
      reject(new Error(`the demo exited ${code} before leaving the sandbox up: ${stderr}`)),
    );
  });
  const client = new ElastiCacheClient({
    endpoint: stdout.match(/export AWS_ENDPOINT_URL=(\S+)/)?.[1] ?? '',
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const groups = await client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 20 }));
  child.kill('SIGINT');
  kept = { groups: groups.ReplicationGroups?.length ?? 0, exitCode: await exited };
}, 150_000);

describe('npm start (the sandbox demo)', () => {
  it('tells the whole story and exits 0', () => {
    // Assess: each chapter reports what the system did, not only that it ran.
    expect(stdout).toMatch(/1\. The scheduled scan in report mode[\s\S]*exit code 1/);
    expect(stdout).toMatch(/run 1 .*3 snapshot-started/);
    // Each count says which rule it is for.
    expect(stdout).toMatch(/exit code 1[^\n]*\n\s+encrypted-at-rest: [^\n]*\d+ compliant/);
    expect(stdout).toMatch(/\n\s+prod-durability: \d+ violation/);
    expect(stdout).toMatch(/run 1 +actions \(prod-durability: [^)]*3 snapshot-started\)/);
    expect(stdout).toMatch(/baseline run: 9 alerts, by rule: 9 encrypted-at-rest/);
    // Durability default is explained where it is printed.
    expect(stdout).toContain(
      'orders-new is created with Durability default (ElastiCache resolves it to disabled today)',
    );
    expect(stdout).toMatch(/run 2 .*3 modify-requested/);
    expect(stdout).toMatch(/orders-new .*modify-requested/);
    expect(stdout).toMatch(/SNS: .*drift: sessions-cache sse-elasticache -> none/);
    expect(stdout).toMatch(
      /pre-migration snapshot orders-migrated-premigration-demo-1 \(Durability disabled/,
    );
    // A migration target has no TLS (AWS's prerequisite), and durability needs it.
    expect(stdout).toMatch(
      /then durability: needs-staged-upgrade; the group is available, EffectiveDurability disabled/,
    );
    expect(stdout).toMatch(/enable in-transit encryption in mode preferred/);
    // The readiness plan: the groups the job leaves as needs-staged-upgrade can be staged online.
    expect(stdout).toMatch(/run 3 .*prod-durability: 15 needs-staged-upgrade\)/);
    expect(stdout).toContain('20 group plans: 0 in-place, 15 staged, 0 rebuild, 3 not-applicable, 2 unknown');
    expect(stdout).toMatch(
      /legacy-orders +staged +1\. upgrade valkey 7\.2 to valkey 9\.0, .*6\. cluster mode compatible → enabled \[approval\], 7\. set Durability=async\n/,
    );
    expect(stdout).toContain('$ npm start -- --after 3 plan --policy .sandbox/policy.yaml\n');
    // The workload fit: one group durability takes as it writes, one that needs more shards first
    // (3 shards of 120 MiB/s per primary: 6 bring each primary to 60 MiB/s, under 70 % of 100).
    expect(chapterOf(3)).toMatch(/\n {3}cart-1 +fits 5\.0 MiB\/s +durability takes these writes as they are/);
    expect(chapterOf(3)).toMatch(
      /\n {3}orders-00027 +exceeds 120\.0 MiB\/s +a durable primary takes 100 MiB\/s, beyond it writes are throttled: more shards first: 3 → 6 shards, about 60\.0 MiB\/s per primary; the plan: .*\d\. add shards: 3 → 6 \(slots rebalanced online\), \d\. set Durability=async\n/,
    );
    // Report mode says why every step of a plan waits for an approval.
    expect(chapterOf(1)).toMatch(
      /every step needs an approval \("staged: N steps, N need approval"\): the default policy lets no staged step run\n\s+unattended/,
    );
    // One staged upgrade through the real ASL: snapshot first, one approval, then sync.
    expect(stdout).toMatch(
      /snapshot legacy-orders-preupgrade-demo-upgrade-1 available\n\s+\+\d+ min\s+done: upgrade valkey 7\.2 to valkey 9\.0\n/,
    );
    expect(stdout).toMatch(
      /approval requested \(client impact clients-must-switch\), approved in process\n.*done: cluster mode compatible → enabled\n.*done: set Durability=sync\n/,
    );
    // Then the policy's soak: a burst during it, and one step back from sync to async, unattended.
    expect(chapterOf(4)).toMatch(
      /done: set Durability=sync\n\s+\+\d+ min\s+soak: 30 min, 6 looks at .*; on a breach step back to async\n\s+\+\d+ min\s+a 150 MiB\/s burst breached the soak: TrafficManagementActive 1: [^\n]*\n\s+\+\d+ min\s+done: stepped back to async\n/,
    );
    expect(chapterOf(4)).toContain(
      'the alert "Durability soak of legacy-orders breached" carried the numbers: DurabilityLag 0 ms, DurabilityBufferExceededErrorCount 0, TrafficManagementActive 1, SuccessfulWriteRequestLatency 5 ms\n',
    );
    expect(stdout).toContain(
      'stepped-back: 7 steps, 1 approval; EffectiveDurability async; pre-upgrade snapshot legacy-orders-preupgrade-demo-upgrade-1',
    );
    expect(chapterOf(4)).toContain('the soak stepped legacy-orders back from sync to async once (');
    expect(stdout).toMatch(/now valkey 9\.0, cluster mode enabled, 1 replica, Multi-AZ true, TLS preferred/);
    expect(stdout).toMatch(/\n\s+74 state transitions \(\$0\.00185 on Standard Step Functions\)/);
    // Each step shows the command that reproduces it; the events are said to be what the app sends.
    expect(stdout.match(/\n {3}\$ npm start -- --after \d /g)).toHaveLength(8);
    // The story only: no line about how the sandbox was called or what signed the calls.
    expect(
      stdout.split('\n').filter((line) => /sign(ed|ing)|requests|API calls|access key/i.test(line)),
    ).toEqual([]);
    // Report mode says why some findings are unknown, in the chapter (not a CLI note between chapters).
    expect(chapterOf(1)).toContain(
      'unknown: 3 resources answer without Durability, EffectiveDurability and StorageEncryptionType',
    );
    expect(stdout).toMatch(
      /events\.jsonl: .*1 Durability Upgrade Outcome.*\n\s+\(what the app puts on the default bus/,
    );
  });

  it('ends with one organisation scan over many accounts and regions, its failures named, Security Hub fed once', () => {
    // Prepare: the last chapter, and its table's rows.
    const chapter = stdout.slice(stdout.indexOf('\n9. One deployment, many accounts and regions'));
    const rows = [...chapter.matchAll(/\n {3}(\d{12})\/([a-z0-9-]+) +((?:\d+ +){6}\d+)(?=\n)/g)].map(
      ([, account, region, numbers = '']) => {
        const [compliant, violation, , exempt, unknown, error, securityHub] = numbers.split(/ +/).map(Number);
        return { target: `${account}/${region}`, compliant, violation, exempt, unknown, error, securityHub };
      },
    );

    // Assess: the chapter is last, short, and says what the scan found.
    expect(chapter).toMatch(/^\n9\. One deployment, many accounts and regions[^\n]*\n/);
    expect(chapter.slice(0, chapter.indexOf('\nDone.')).trim().split('\n').length).toBeLessThanOrEqual(40);
    expect(chapter).toContain('10 targets: 7 complete, 3 failed\n');
    // One line per failed target, naming the cause.
    expect(chapter.match(/\n {5}failed /g)).toHaveLength(3);
    for (const region of ['us-east-1', 'eu-west-1'])
      expect(chapter).toContain(
        `failed 100000000002/${region}: AccessDenied, the role arn:aws:iam::100000000002:role/elasticache-guardrails-member cannot be assumed`,
      );
    expect(chapter).toContain(
      'failed 100000000003/eu-west-1: InvalidClientTokenId, region eu-west-1 is not enabled in account 100000000003\n',
    );
    // Every target has a row; a failed one is its one error finding, sent to no Security Hub;
    // a complete one sent every finding it has to its own Security Hub.
    expect(rows.map((row) => row.target)).toEqual(
      ['123456789012', '100000000001', '100000000002', '100000000003', '100000000004'].flatMap((account) =>
        ['us-east-1', 'eu-west-1'].map((region) => `${account}/${region}`),
      ),
    );
    const failed = ['100000000002/us-east-1', '100000000002/eu-west-1', '100000000003/eu-west-1'];
    for (const row of rows) {
      const findings = (row.compliant ?? 0) + (row.violation ?? 0) + (row.exempt ?? 0) + (row.unknown ?? 0);
      if (failed.includes(row.target)) expect(row, row.target).toMatchObject({ error: 1, securityHub: 0 });
      else {
        expect(row.error, row.target).toBe(0);
        expect(findings, row.target).toBeGreaterThan(0);
        expect(row.securityHub, row.target).toBe(findings);
      }
    }
    // How the members were reached, in the operator's words: the central account needs no member role.
    expect(chapter).toContain(
      "123456789012 is scanned with the deployment's own role; each member through its elasticache-guardrails-member role, assumed with the external id (refused in 100000000002)\n",
    );
    // Security Hub: the first run imports every finding, the second nothing.
    const imported = rows.reduce((sum, row) => sum + (row.securityHub ?? 0), 0);
    expect(imported).toBeGreaterThan(0);
    expect(chapter).toContain(`Security Hub: ${imported} ASFF findings`);
    expect(chapter).toContain(
      `second run, nothing changed: Security Hub received 0 findings in 0 calls (${imported} unchanged;`,
    );
    // One command does it again from a shell.
    expect(chapter.match(/\n {3}\$ /g)).toHaveLength(1);
    expect(chapter).toContain(
      '$ npm start -- --after 9 scan --org --regions us-east-1,eu-west-1 --external-id demo-external-id --format table\n',
    );
  });
});

/** Chapter `n` of the demo's output: its heading up to the blank line that ends it. */
function chapterOf(n: number): string {
  const from = stdout.indexOf(`\n${n}. `);
  return stdout.slice(from, stdout.indexOf('\n\n', from + 1));
}

/** `9 violation, 3 unknown` as `{ violation: 9, unknown: 3 }`. */
const countsOf = (text: string) =>
  Object.fromEntries(
    text.split(', ').map((part) => {
      const [count, ...name] = part.split(' ');
      return [name.join(' '), Number(count)];
    }),
  );

interface Reproduced {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's JSON (piped, the CLI prints JSON), after npm's banner. */
  json: unknown;
}

/** The chapter whose `$` line runs in a shell as pasted (npm start, its arguments, the exit code). */
const IN_A_SHELL = 6;

/** Each chapter's line, run once: a test that needs it again reads it here unless it asks `again`. */
const reproduced = new Map<number, Reproduced>();

/**
 * Runs chapter `n`'s `$` line, the demo having ended. Chapter IN_A_SHELL's runs in a shell as an
 * operator pastes it; the others run `npm start`'s own argument parsing and replay in this
 * process (the same code the shell line reaches, without a process of ~2 s of CPU per line).
 */
async function reproduce(n: number, options: { again?: boolean } = {}): Promise<Reproduced> {
  const done = reproduced.get(n);
  if (done !== undefined && options.again !== true) return done;
  const line = chapterOf(n).match(/\n {3}\$ (.+)/)?.[1];
  if (line === undefined) throw new Error(`chapter ${n} prints no $ line`);
  const { code, out, err } = n === IN_A_SHELL ? await inAShell(line) : await inProcess(n, line);
  const start = out.search(/^[[{]/m);
  const result = {
    code,
    stdout: out,
    stderr: err,
    json: start === -1 ? undefined : JSON.parse(out.slice(start)),
  };
  reproduced.set(n, result);
  return result;
}
function inAShell(line: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd: ROOT, timeout: 150_000 }, (error, out, err) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err }),
    );
  });
}

async function inProcess(n: number, line: string): Promise<{ code: number; out: string; err: string }> {
  // A line a shell passes on word by word: `npm start -- ` then words without quotes.
  expect(line).toMatch(/^npm start -- [^'"\\$`]+$/);
  const options = demoArguments(line.slice('npm start -- '.length).split(' '));
  if (!('after' in options)) throw new Error(`not a replay: ${line}`);
  expect(options.after).toBe(n);
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text), isTTY: false };
  const code = await replay(CHAPTERS, options.after, options.command, io);
  return { code, out, err };
}

interface ScanOutput {
  summary: {
    total: number;
    byRule: Record<string, Record<string, number>>;
    byStatus: Record<string, number>;
  };
  findings: { resourceId: string; rule: string; status: string; observed: string }[];
}
interface PlanOutput {
  summary: Record<string, number>;
  plans: {
    resourceId: string;
    steps?: { summary: string }[];
    fit: { verdict: string; peakWriteMiBs?: number };
  }[];
}
/** The scan's exit code: 1 when it found a violation. */
const scanExit = (output: ScanOutput) => ((output.summary.byStatus.violation ?? 0) > 0 ? 1 : 0);
/** The step summaries of `id`'s plan. */
const stepsOf = (output: PlanOutput, id: string) =>
  output.plans.find((plan) => plan.resourceId === id)?.steps?.map((step) => step.summary);

// Each `$` line is run after the demo has ended (its sandbox is gone): it starts what it needs,
// exits as its command does and shows what its chapter says.
describe('each $ line of npm start, run after it has ended', () => {
  it('1: the report scan finds the counts the chapter printed', async () => {
    const chapter = chapterOf(1);
    const [, total, code] = chapter.match(/(\d+) findings; exit code (\d)/) ?? [];
    const result = await reproduce(1);
    const output = result.json as ScanOutput;
    expect(result.code).toBe(Number(code));
    expect(output.summary.total).toBe(Number(total));
    for (const [, rule = '', counts = ''] of chapter.matchAll(/\n {5}([a-z-]+): (.+)/g))
      expect(output.summary.byRule[rule], rule).toEqual(countsOf(counts));
  }, 180_000);

  it('2: after the enforce runs, prod-durability has the counts the chapter printed', async () => {
    const now = chapterOf(2).match(/\n {3}now \((.+?)\); /)?.[1] ?? '';
    const result = await reproduce(2);
    const output = result.json as ScanOutput;
    const counts = Object.fromEntries(now.split('; ').map((part) => part.split(': ')));
    expect(output.summary.byRule['prod-durability']).toEqual(countsOf(counts['prod-durability'] ?? ''));
    expect(result.code).toBe(scanExit(output));
  }, 180_000);

  it('3: the readiness plan has the verdicts, the fits and the legacy group steps the chapter printed', async () => {
    const chapter = chapterOf(3);
    const verdicts = chapter.match(/\d+ group plans: (.+)\n/)?.[1] ?? '';
    const legacy = chapter.match(/\n {3}legacy-orders +staged +(.+)\n/)?.[1] ?? '';
    const fits = [...chapter.matchAll(/\n {3}([a-z0-9-]+) +(fits|at-risk|exceeds|unknown) ([\d.]+) MiB\/s/g)];
    const shards = chapter
      .match(/\n {3}orders-00027 +exceeds .*: (\d+) → (\d+) shards/)
      ?.slice(1)
      .map(Number);
    const result = await reproduce(3);
    const output = result.json as PlanOutput;
    expect(result.code).toBe(0);
    expect(output.summary).toEqual(countsOf(verdicts));
    expect(fits.map(([, id]) => id)).toEqual(['cart-1', 'orders-00027']);
    for (const [, id, verdict, peak] of fits)
      expect(output.plans.find((plan) => plan.resourceId === id)?.fit, id).toMatchObject({
        verdict,
        peakWriteMiBs: Number(peak),
      });
    // The add-shards step brings each primary under 70 MiB/s (the writes spread over more shards).
    const [from = 0, to = 0] = shards ?? [];
    expect((120 * from) / to).toBeLessThan(70);
    expect(stepsOf(output, 'orders-00027')).toContain(
      `add shards: ${from} → ${to} (slots rebalanced online)`,
    );
    expect(
      stepsOf(output, 'legacy-orders')
        ?.map((step, index) => `${index + 1}. ${step}`)
        .join(', '),
    ).toBe(legacy.replace(' [approval]', ''));
  }, 180_000);

  it('4: after the staged upgrade and its step back, the legacy group has the EffectiveDurability the chapter printed', async () => {
    const effective = chapterOf(4).match(/stepped-back: .*EffectiveDurability (\w+)/)?.[1];
    const result = await reproduce(4);
    const output = result.json as ScanOutput;
    expect(effective).toBe('async');
    expect(
      output.findings.find((item) => item.resourceId === 'legacy-orders' && item.rule === 'prod-durability'),
    ).toMatchObject({ status: 'compliant', observed: effective });
    expect(result.code).toBe(scanExit(output));
  }, 180_000);

  it('5: the new group has the status the reaction printed', async () => {
    const status = chapterOf(5).match(/\n {3}(\w+) +orders-new +prod-durability/)?.[1];
    const result = await reproduce(5);
    const output = result.json as ScanOutput;
    expect(status).toBe('violation');
    expect(
      output.findings.find((item) => item.resourceId === 'orders-new' && item.rule === 'prod-durability'),
    ).toMatchObject({ status, observed: 'disabled' });
    expect(result.code).toBe(scanExit(output));
  }, 180_000);

  it('6: drift against the fleet before the change shows the drift the alert named', async () => {
    const [, id, before, now] = chapterOf(6).match(/SNS: .*drift: (\S+) (\S+) -> (\S+)/) ?? [];
    const result = await reproduce(6);
    expect(result.json).toEqual([expect.objectContaining({ kind: 'drift', resourceId: id, before, now })]);
    expect(result.code).toBe(1);
  }, 180_000);

  it('7: the migrated group plan has the online steps the chapter named', async () => {
    const steps = chapterOf(7).match(/needs \d+ online steps first: (.+?) \(allow/)?.[1] ?? '';
    const result = await reproduce(7);
    expect(result.code).toBe(0);
    expect(stepsOf(result.json as PlanOutput, 'orders-migrated')).toEqual(steps.split(' → '));
  }, 180_000);

  it('9: one command scans the organisation and fails the targets the chapter named', async () => {
    const chapter = chapterOf(9);
    const [, targets, complete, failed] = chapter.match(/(\d+) targets: (\d+) complete, (\d+) failed/) ?? [];
    const failures = [...chapter.matchAll(/\n {5}failed (\S+): (\w+),/g)];
    const result = await reproduce(9);
    expect(result.stderr).toContain(`${targets} targets: ${complete} scanned, ${failed} failed (`);
    expect(failures).toHaveLength(Number(failed));
    for (const [, target, code] of failures) expect(result.stderr).toContain(`${target}: ${code}`);
    // Violations found (they win over a failed target's exit code).
    expect(result.code).toBe(1);
  }, 180_000);
});

describe('npm start -- --keep', () => {
  it('leaves the sandbox up with the environment to reach it, until Ctrl-C', () => {
    // Assess: the run of beforeAll reached 20 groups with what it printed, and Ctrl-C ended it.
    expect(kept.groups).toBe(20);
    expect(stdout).toContain('STATE_TABLE=guardrails-state');
    // AWS CLI v1 reads AWS_DEFAULT_REGION only; older clients drop the 2026-06-02 fields.
    expect(stdout).toContain('AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1');
    expect(stdout).toMatch(
      /Only AWS CLI and SDK versions released after the 2026-06-02 ElastiCache model change show\s+Durability, EffectiveDurability and StorageEncryptionType/,
    );
    expect(kept.exitCode).toBe(0);
  });
});

describe('a $ line without the state the demo saved', () => {
  it('tells the chapters up to its own again, unprinted, saves their state and shows the same', async () => {
    // Prepare: chapter 2's line as the demo left it (the first chapter that changes the fleet).
    const saved = await reproduce(2);
    const file = `${ROOT}.sandbox/chapters/after-2.v8`;
    rmSync(file);

    // Act
    const retold = await reproduce(2, { again: true });

    // Assess
    expect(retold.code).toBe(saved.code);
    expect(retold.stdout).toBe(saved.stdout);
    expect(retold.stderr).toBe(saved.stderr);
    expect(existsSync(file)).toBe(true);
  }, 180_000);
});

describe('a saved state', () => {
  it('is not loaded for a command that lets emulator time pass while its chapter left a change in flight', async () => {
    // Prepare: chapter 4 leaves every change applied; chapter 5 leaves orders-new modifying.
    const sandbox = await startDemoSandbox();
    try {
      // Act
      const forTimePassing = [
        await loadState(sandbox, 5, { settled: true }),
        await loadState(sandbox, 4, { settled: true }),
      ];
      const forReading = await loadState(sandbox, 5, { settled: false });

      // Assess: the state with a change in flight is refused only where time would pass.
      expect(forTimePassing).toEqual([false, true]);
      expect(forReading).toBe(true);
      expect(sandbox.emulator.model.group('orders-new').status).toBe('modifying');
    } finally {
      await sandbox.stop();
    }
  }, 60_000);
});

describe("npm start's arguments", () => {
  it('refuses a chapter that is not there, or no command, before any sandbox starts', async () => {
    // Act: one refusal as a shell gives it (its exit code and streams), the others as parsed.
    const refused = await run(
      process.execPath,
      ['--import', 'tsx', 'infra/local/start.ts', '--after', '0', 'scan'],
      {
        cwd: ROOT,
      },
    ).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    const message = (args: string[]) => {
      try {
        return `accepted: ${JSON.stringify(demoArguments(args))}`;
      } catch (error) {
        return (error as Error).message;
      }
    };

    // Assess: a usage error (2) naming the option, and no sandbox line.
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      'npm start: --after takes a chapter from 1 to 9 and the command to run, got "0 scan"\n',
    );
    expect(message(['--after', '10', 'scan'])).toContain('got "10 scan"');
    expect(message(['--after', '2'])).toContain('got "2"');
    expect(message(['--keep', '--fleet', '3'])).toContain("Unknown option '--fleet'");
  }, 60_000);
});
