/**
 * The local runner's Distributed Map against the sandbox's S3, through the real S3 client:
 * ItemReader, ItemBatcher and ResultWriter as the Step Functions developer guide documents them
 * (infra/local/README.md, "Step Functions"), each child an execution of its own.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../infra/local/emulator/server.js';
import { DATA_LIMIT_ERROR } from '../../../infra/local/execution-quotas.js';
import {
  ExecutionFailedError,
  type LocalTask,
  runLocalStateMachine,
} from '../../../infra/local/step-functions.js';
import { EXECUTION_QUOTAS } from '../../../shared/domain/execution-history.js';

const emulator = await startEmulator();
afterAll(() => emulator.close());
const s3 = new S3Client({
  endpoint: emulator.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
  forcePathStyle: true,
});
const BUCKET = 'guardrails-scan';
const ITEMS = 2500;
/** Each target as the organisation scan lists it, about 100 bytes. */
const targets = Array.from({ length: ITEMS }, (_, index) => ({
  account: String(100000000001 + Math.floor(index / 17)),
  region: `region-${index % 17}`,
  index,
}));
beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const jsonl = targets.map((target) => JSON.stringify(target)).join('\n');
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/targets.jsonl', Body: `${jsonl}\n` }));
});

type Target = (typeof targets)[number];
/** A scan of a batch of targets: one result per target, about 150 bytes each (as the organisation scan's). */
function scanner(failing: (target: Target) => boolean = () => false) {
  const scanned: number[] = [];
  const scan: LocalTask = async (input) => {
    const { Items, BatchInput } = input as unknown as {
      Items: { target: Target }[];
      BatchInput: { run: string };
    };
    if (Items.some(({ target }) => failing(target)))
      throw Object.assign(new Error('member role refused'), { name: 'AccessDenied' });
    scanned.push(...Items.map(({ target }) => target.index));
    return {
      run: BatchInput.run,
      results: Items.map(({ target }) => ({
        ...target,
        status: 'complete',
        findings: { compliant: 3, violation: 1, degraded: 0, exempt: 0, unknown: 0, error: 0 },
      })),
    } as never;
  };
  return { scanned, scan };
}

/** A scan over the JSONL object: one child per 100 targets, results to S3 unless `writer` is false. */
function definition(options: { writer?: boolean; tolerated?: number } = {}) {
  return {
    StartAt: 'ScanTargets',
    States: {
      ScanTargets: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL' },
          Parameters: { 'Bucket.$': '$.bucket', Key: 'runs/targets.jsonl' },
        },
        ItemSelector: { 'target.$': '$$.Map.Item.Value' },
        ItemBatcher: { MaxItemsPerBatch: 100, BatchInput: { 'run.$': '$.run' } },
        ...(options.writer === false
          ? {}
          : {
              ResultWriter: {
                Resource: 'arn:aws:states:::s3:putObject',
                Parameters: { Bucket: BUCKET, Prefix: 'runs/results' },
              },
            }),
        MaxConcurrency: 10,
        ToleratedFailurePercentage: options.tolerated ?? 0,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Scan',
          States: {
            Scan: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:us-east-1:123456789012:function:scan',
              End: true,
            },
          },
        },
        ResultPath: '$.results',
        End: true,
      },
    },
  };
}
const readJson = (key: string) => JSON.parse(emulator.s3.read(BUCKET, key) ?? 'null');

describe('Function: runLocalStateMachine (Distributed Map)', () => {
  it('reads 2 500 items from S3, runs one child per batch of 100, and writes the results to S3 with a manifest', async () => {
    // Prepare
    const { scanned, scan } = scanner();

    // Act
    const run = await runLocalStateMachine(
      definition() as never,
      { bucket: BUCKET, run: 'hourly' },
      { tasks: { scan }, s3 },
    );

    // Assess: every item once; the state holds only where the results are.
    expect([...scanned].sort((a, b) => a - b)).toEqual(targets.map((target) => target.index));
    const { MapRunArn, ResultWriterDetails } = (
      run.output as { results: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } } }
    ).results;
    const runId = MapRunArn.split(':').at(-1);
    expect(ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: `runs/results/${runId}/manifest.json` });
    const manifest = readJson(ResultWriterDetails.Key);
    expect(manifest).toEqual({
      DestinationBucket: BUCKET,
      MapRunArn,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [{ Key: `runs/results/${runId}/SUCCEEDED_0.json`, Size: expect.any(Number) }],
      },
    });
    const succeeded = readJson(manifest.ResultFiles.SUCCEEDED[0].Key) as Record<string, unknown>[];
    expect(succeeded).toHaveLength(ITEMS / 100);
    expect(Object.keys(succeeded[0] ?? {}).sort()).toEqual(
      [
        'ExecutionArn',
        'Input',
        'InputDetails',
        'Name',
        'Output',
        'OutputDetails',
        'RedriveCount',
        'RedriveStatus',
        'StartDate',
        'StateMachineArn',
        'Status',
        'StopDate',
      ].sort(),
    );
    const outputs = succeeded.map(
      (entry) => JSON.parse(String(entry.Output)) as { run: string; results: Target[] },
    );
    expect(
      outputs.flatMap((output) => output.results.map((result) => result.index)).sort((a, b) => a - b),
    ).toEqual(targets.map((target) => target.index));
    expect(new Set(outputs.map((output) => output.run))).toEqual(new Set(['hourly']));
    expect(JSON.parse(String(succeeded[0]?.Input)).Items).toHaveLength(100);
    // The children are executions of their own, counted by type.
    expect(run.children.counts.EXPRESS).toEqual({
      executions: ITEMS / 100,
      failed: 0,
      transitions: ITEMS / 100,
    });
    expect(run.children.counts.STANDARD.executions).toBe(0);
    expect(run.states).toEqual(['ScanTargets']);
    expect(run.largestPayload).toBeLessThan(1024);
    console.info(`largest parent state with ResultWriter over ${ITEMS} items: ${run.largestPayload} bytes`);
  });

  it('fails with States.DataLimitExceeded without a ResultWriter once the results pass 256 KiB', async () => {
    // Prepare
    const { scan } = scanner();

    // Act
    const failure = await runLocalStateMachine(
      definition({ writer: false }) as never,
      { bucket: BUCKET, run: 'hourly' },
      { tasks: { scan }, s3 },
    ).then(
      () => undefined,
      (error: unknown) => error as ExecutionFailedError,
    );

    // Assess
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    expect(failure?.error).toBe(DATA_LIMIT_ERROR);
    expect(failure?.causeText).toMatch(/ScanTargets is \d+ bytes/);
    expect(Number(failure?.causeText.match(/is (\d+) bytes/)?.[1])).toBeGreaterThan(
      EXECUTION_QUOTAS.payloadBytes,
    );
  });

  it('lists a failed child in FAILED_0.json and goes on while the failures stay within ToleratedFailurePercentage', async () => {
    // Prepare: the first batch of 100 (4 % of the items) fails.
    const { scanned, scan } = scanner((target) => target.index === 42);

    // Act
    const run = await runLocalStateMachine(
      definition({ tolerated: 5 }) as never,
      { bucket: BUCKET, run: 'hourly' },
      { tasks: { scan }, s3 },
    );

    // Assess
    const { Key } = (run.output as { results: { ResultWriterDetails: { Key: string } } }).results
      .ResultWriterDetails;
    const manifest = readJson(Key);
    const failed = readJson(manifest.ResultFiles.FAILED[0].Key) as Record<string, string>[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      Status: 'FAILED',
      Error: 'AccessDenied',
      Cause: 'member role refused',
    });
    expect(JSON.parse(failed[0]?.Input ?? '{}').Items).toContainEqual({ target: targets[42] });
    expect(readJson(manifest.ResultFiles.SUCCEEDED[0].Key)).toHaveLength(ITEMS / 100 - 1);
    expect(scanned).toHaveLength(ITEMS - 100);
    expect(run.children.counts.EXPRESS).toMatchObject({ executions: ITEMS / 100, failed: 1 });
  });

  it('fails with States.ExceedToleratedFailureThreshold past the tolerance, after writing what ran', async () => {
    // Prepare
    const { scan } = scanner((target) => target.index < 200);

    // Act
    const failure = await runLocalStateMachine(
      definition({ tolerated: 5 }) as never,
      { bucket: BUCKET, run: 'hourly' },
      { tasks: { scan }, s3 },
    ).then(
      () => undefined,
      (error: unknown) => error as ExecutionFailedError,
    );

    // Assess
    expect(failure?.error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it("holds each child to its own 256 KiB: a child's oversized result fails that child, not the parent", async () => {
    // Prepare: items from the input (ItemsPath); the second child answers 300 000 bytes.
    const asl = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.sizes',
          ToleratedFailureCount: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Answer',
            States: {
              Answer: {
                Type: 'Task',
                Resource: 'arn:aws:lambda:us-east-1:123456789012:function:answer',
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const answer: LocalTask = async (size) => ({ padding: 'x'.repeat(Number(size)) }) as never;

    // Act
    const run = await runLocalStateMachine(asl as never, { sizes: [10, 300_000, 10] }, { tasks: { answer } });

    // Assess
    const [first, second, third] = run.output as Record<string, unknown>[];
    expect(first).toEqual({ padding: 'x'.repeat(10) });
    expect(second).toMatchObject({ Status: 'FAILED', Error: DATA_LIMIT_ERROR });
    expect(third).toEqual({ padding: 'x'.repeat(10) });
    expect(run.children.counts.STANDARD).toMatchObject({ executions: 3, failed: 1 });
  });

  it("takes the ResultWriter's Bucket and Prefix at reference paths of the state's input (Bucket.$, Prefix.$)", async () => {
    // Prepare: the organisation scan names the bucket and a per-execution prefix in the listing's answer.
    const asl = definition();
    asl.States.ScanTargets.ResultWriter = {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' } as never,
    };

    // Act
    const run = await runLocalStateMachine(
      asl as never,
      { bucket: BUCKET, run: 'hourly', prefix: 'runs/exec-7/results' },
      { tasks: { scan: scanner().scan }, s3 },
    );

    // Assess
    const { ResultWriterDetails } = (
      run.output as { results: { ResultWriterDetails: { Bucket: string; Key: string } } }
    ).results;
    expect(ResultWriterDetails.Bucket).toBe(BUCKET);
    expect(ResultWriterDetails.Key).toMatch(/^runs\/exec-7\/results\/[0-9a-f-]{36}\/manifest\.json$/);
    expect(readJson(ResultWriterDetails.Key).ResultFiles.SUCCEEDED).toHaveLength(1);
  });

  it('refuses a Distributed Map with an ItemReader but no S3 client, before any call', async () => {
    const before = emulator.faults.log.length;
    await expect(
      runLocalStateMachine(definition() as never, { bucket: BUCKET }, { tasks: { scan: scanner().scan } }),
    ).rejects.toThrow(
      'Distributed Map ScanTargets: its ItemReader or ResultWriter needs S3: pass the s3 option',
    );
    expect(emulator.faults.log.length).toBe(before);
  });
});
