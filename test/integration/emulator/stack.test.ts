import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, STATE_TABLE, startDynamo } from '../../../infra/local/dynamo.js';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { AlertPublisher, DETAIL_TYPES, EventPublisher } from '../../../shared/aws/notify.js';
import { StateStore } from '../../../shared/aws/state-store.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
let emulator: Emulator;
let dynamo: LocalDynamo;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  emulator = await startEmulator();
  dynamo = await startDynamo();
});

afterAll(async () => {
  await emulator.close();
  await dynamo.close();
});

describe('Local stack: SNS capture', () => {
  it('captures a message with subject and attributes through the app publisher', async () => {
    // Prepare
    const alerts = new AlertPublisher('arn:aws:sns:us-east-1:123456789012:alerts', {
      endpoint: emulator.endpoint,
      region,
    });

    // Act
    const id = await alerts.publish({
      subject: 'Drift on orders-1',
      body: 'sse-kms -> none',
      rule: 'kms-only',
      severity: 'high',
      resourceType: 'replication-group',
    });

    // Assess
    expect(emulator.sinks.messages.at(-1)).toMatchObject({
      messageId: id,
      subject: 'Drift on orders-1',
      message: 'sse-kms -> none',
      attributes: { rule: 'kms-only', severity: 'high', resourceType: 'replication-group' },
    });
  });

  it('fails injected publishes with the SDK error, then delivers', async () => {
    // Prepare
    const sns = new SNSClient({ endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 });
    emulator.faults.failNext({ action: 'Publish', code: 'InternalError', status: 500, times: 1 });
    const before = emulator.sinks.messages.length;

    // Act & Assess
    await expect(sns.send(new PublishCommand({ TopicArn: 'arn:t', Message: 'm' }))).rejects.toMatchObject({
      name: 'InternalErrorException',
    });
    await sns.send(new PublishCommand({ TopicArn: 'arn:t', Message: 'm' }));
    expect(emulator.sinks.messages.length).toBe(before + 1);
  });
});

describe('Local stack: EventBridge capture', () => {
  it('captures events in batches of 10 with their parsed detail', async () => {
    // Prepare
    const events = new EventPublisher(undefined, { endpoint: emulator.endpoint, region });
    const outgoing = Array.from({ length: 12 }, (_, index) => ({
      detailType: DETAIL_TYPES.policyViolation,
      detail: { resourceId: `g-${index}`, authToken: 'hunter2' },
      resources: [`arn:g-${index}`],
    }));

    // Act
    await events.publish(outgoing);

    // Assess
    const captured = emulator.sinks.events.slice(-12);
    expect(captured.map((event) => (event.detail as { resourceId: string }).resourceId)).toEqual(
      outgoing.map((event) => event.detail.resourceId),
    );
    expect(captured[0]).toMatchObject({
      source: 'elasticache-guardrails',
      detailType: 'Guardrails Policy Violation',
      detail: { authToken: '[REDACTED]' },
    });
    expect(emulator.faults.count('PutEvents')).toBe(2);
  });

  it('writes events.jsonl in the shape EventBridge delivers (detail-type, as the README documents)', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'guardrails-capture-'));
    const capturing = await startEmulator({ captureDir: dir });
    const events = new EventPublisher(undefined, { endpoint: capturing.endpoint, region });

    // Act
    await events.publish([
      { detailType: DETAIL_TYPES.policyViolation, detail: { resourceId: 'g-1' }, resources: ['arn:g-1'] },
    ]);
    await capturing.close();

    // Assess
    const [line] = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(line ?? '{}')).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Guardrails Policy Violation',
      source: 'elasticache-guardrails',
      time: expect.any(String),
      resources: ['arn:g-1'],
      detail: { resourceId: 'g-1' },
    });
  });

  it('refuses more than 10 entries in one call, as EventBridge does', async () => {
    const client = new EventBridgeClient({
      endpoint: emulator.endpoint,
      region,
      credentials,
      maxAttempts: 1,
    });
    const entries = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('Local stack: CloudWatch durability metrics', () => {
  it('serves a value per node (CacheClusterId + CacheNodeId) and nothing for a group-level dimension', async () => {
    // Prepare
    emulator.sinks.setMetric(
      { cacheClusterId: 'orders-1-0001-001', cacheNodeId: '0001' },
      'DurabilityLag',
      7200,
    );
    const cloudwatch = new CloudWatchClient({ endpoint: emulator.endpoint, region, credentials });
    const query = (id: string, dimensions: Record<string, string>) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ElastiCache',
          MetricName: 'DurabilityLag',
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: 'Maximum',
      },
    });

    // Act
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(),
        MetricDataQueries: [
          query('node', { CacheClusterId: 'orders-1-0001-001', CacheNodeId: '0001' }),
          query('other', { CacheClusterId: 'orders-1-0001-002', CacheNodeId: '0001' }),
          query('group', { ReplicationGroupId: 'orders-1' }),
          query('cluster', { CacheClusterId: 'orders-1-0001-001' }),
        ],
      }),
    );

    // Assess
    // The node published 7200 every minute: one data point per 1-minute period.
    const [node, ...others] = answer.MetricDataResults ?? [];
    expect(node?.Values?.length).toBeGreaterThanOrEqual(10);
    expect(new Set(node?.Values)).toEqual(new Set([7200]));
    expect(others.map((result) => [result.Id, result.Values])).toEqual([
      ['other', []],
      ['group', []],
      ['cluster', []],
    ]);
    expect(answer.MetricDataResults?.[0]?.Timestamps?.[0]).toBeInstanceOf(Date);
  });
});

describe('Local stack: state store on dynalite', () => {
  it('grants a lease once, and again only after it expires', async () => {
    // Prepare
    const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region });
    const now = new Date('2026-11-24T12:00:00Z');
    const expiry = new Date(now.getTime() + 60_000);

    // Act
    const first = await store.acquireLease(
      'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g1',
      'scan',
      expiry,
      now,
      { target: 'sync' },
    );
    const second = await store.acquireLease(
      'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g1',
      'react',
      expiry,
      now,
    );
    const afterExpiry = await store.acquireLease(
      'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g1',
      'react',
      new Date(now.getTime() + 180_000),
      new Date(now.getTime() + 120_000),
    );

    // Assess
    expect([first, second, afterExpiry]).toEqual([true, false, true]);
    expect(
      await store.readLease('durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g1'),
    ).toMatchObject({ holder: 'react' });
  });

  it('returns the previous status of a finding, atomically', async () => {
    // Prepare
    const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region });
    const finding = {
      resourceType: 'replication-group' as const,
      resourceId: 'g2',
      arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g2',
      rule: 'dur',
      check: 'durability' as const,
      status: 'violation' as const,
      expected: '>= sync',
      observed: 'async',
      reason: 'r',
      action: null,
    };

    // Act: each write is decided against the record it replaces.
    const seen: (string | undefined)[] = [];
    const decide = (before: { status: string } | undefined) => {
      seen.push(before?.status);
      return [];
    };
    await store.findings.record(finding, new Date(), { fixed: [], decide });
    seen.length = 0;
    await store.findings.record({ ...finding, status: 'compliant' }, new Date(), { fixed: [], decide });

    // Assess: first assumed unchanged, then decided from the stored violation.
    expect(seen).toEqual(['compliant', 'violation']);
  });

  it('lets exactly one of many concurrent callers take a lease and move it on, and lists it', async () => {
    // Prepare
    const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region });
    const now = new Date();
    const expiry = new Date(now.getTime() + 3_600_000);
    const take = (holder: string) =>
      store.acquireLease(
        'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g2',
        holder,
        expiry,
        now,
        {
          phase: 'snapshotting',
          target: 'sync',
        },
      );

    // Act
    const taken = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(take));
    const moves = await Promise.all(
      ['x', 'y'].map(() =>
        store.updateLease(
          'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g2',
          { phase: 'snapshotting' },
          { phase: 'modify-requested' },
        ),
      ),
    );
    const listed = await store.listLeases(
      'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:',
      now,
    );

    // Assess
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(moves.filter(Boolean)).toHaveLength(1);
    expect(
      listed.find(
        (lease) => lease.key === 'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g2',
      )?.details,
    ).toEqual({
      phase: 'modify-requested',
      target: 'sync',
    });
  });
});
