import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { groupState, REGION, type Stack, serverlessState, startStack } from '../harness.js';

/**
 * The two checks added the new way (a module and a registry line each) reach the deployed
 * app: the real handlers of target-scan and durability-react, run against the sandbox,
 * store their findings and emit their violations as events, with nothing else edited for them.
 */
const POLICY = `version: 1
rules:
  - name: tls-required
    match: { tags: { env: prod } }
    transitEncryption: { mode: required }
  - name: weekly-backups
    match: { tags: { env: prod } }
    automaticBackups: { minDays: 7 }
`;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let stack: Stack;
let scan: Handler;
let react: Handler;
let documents: DynamoDBDocumentClient;
const context = (id: string) =>
  ({
    awsRequestId: id,
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:guardrails`,
  }) as Context;
const arnOf = (kind: string, id: string) => `arn:aws:elasticache:${REGION}:123456789012:${kind}:${id}`;

/** The findings the state table holds for one resource. */
async function storedFindings(arn: string): Promise<Finding[]> {
  const answer = await documents.send(
    new QueryCommand({
      TableName: STATE_TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `target#123456789012#${REGION}`, ':prefix': `finding#${arn}#` },
    }),
  );
  return (answer.Items ?? []).map((item) => item.finding as Finding);
}

/** `check resourceId` of every captured violation event. */
const violationEvents = () =>
  stack.emulator.sinks.events
    .filter((event) => event.detailType === DETAIL_TYPES.policyViolation)
    .map((event) => {
      const { finding } = event.detail as { finding: Finding };
      return `${finding.check} ${finding.resourceId}`;
    })
    .sort();

beforeAll(async () => {
  stack = await startStack();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-checks-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  Object.assign(process.env, stack.env, {
    POLICY_FILE: join(dir, 'policy.yaml'),
    DRY_RUN: 'true',
    RECHECK_QUEUE_URL: `${stack.emulator.endpoint}/123456789012/durability-recheck`,
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts',
    AWS_MAX_ATTEMPTS: '3',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const model = stack.emulator.model;
  model.putGroup(groupState('plain-1', { tls: false, snapshotRetentionLimit: 7 }));
  model.putGroup(
    groupState('preferred-1', { transitEncryptionMode: 'preferred', snapshotRetentionLimit: 7 }),
  );
  model.putGroup(groupState('short-1', { transitEncryptionMode: 'required', snapshotRetentionLimit: 3 }));
  model.putGroup(groupState('good-1', { transitEncryptionMode: 'required', snapshotRetentionLimit: 7 }));
  model.putServerless(
    serverlessState('sessions-1', { description: 'serverless cache', tags: new Map([['env', 'prod']]) }),
  );
  ({ handler: scan } = await import('../../../functions/target-scan/handler.js'));
  ({ handler: react } = await import('../../../functions/durability-react/handler.js'));
});

afterAll(async () => {
  await stack?.close();
});

describe('Checks transitEncryption and automaticBackups in the deployed handlers', () => {
  it('target-scan stores every finding of both checks and emits each new violation once', async () => {
    // Act
    const first = (await scan({}, context('scan-1'))) as { findings: Record<string, number> };
    const afterFirst = violationEvents();
    await scan({}, context('scan-2'));

    // Assess
    expect(afterFirst).toEqual([
      'automaticBackups sessions-1',
      'automaticBackups short-1',
      'transitEncryption plain-1',
      'transitEncryption preferred-1',
    ]);
    expect(violationEvents()).toEqual(afterFirst);
    // Each carries its check's severity, the one its alert, ASFF and OCSF say.
    const severities = stack.emulator.sinks.events
      .filter((event) => event.detailType === DETAIL_TYPES.policyViolation)
      .map((event) => (event.detail as { severity?: string }).severity);
    expect(severities).toEqual(['medium', 'medium', 'medium', 'medium']);
    expect(first.findings).toMatchObject({ violation: 4, compliant: 6 });
    const plain = await storedFindings(arnOf('replicationgroup', 'plain-1'));
    expect(plain.map((finding) => [finding.check, finding.status]).sort()).toEqual([
      ['automaticBackups', 'compliant'],
      ['transitEncryption', 'violation'],
    ]);
    expect(plain.find((finding) => finding.check === 'transitEncryption')).toMatchObject({
      rule: 'tls-required',
      observed: 'no TLS',
      reason: 'TransitEncryptionEnabled is false: clients connect without TLS',
    });
    const sessions = await storedFindings(arnOf('serverlesscache', 'sessions-1'));
    expect(sessions.map((finding) => [finding.check, finding.status]).sort()).toEqual([
      ['automaticBackups', 'violation'],
      ['transitEncryption', 'compliant'],
    ]);
  });

  it('durability-react stores and emits a new group violation of both checks on its creation event', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('created-1', { tls: false, snapshotRetentionLimit: 0 }));

    // Act
    await react(
      {
        version: '0',
        id: 'c5b7a1f0-0000-4000-8000-000000000002',
        source: 'aws.elasticache',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: {
          eventSource: 'elasticache.amazonaws.com',
          eventName: 'CreateReplicationGroup',
          requestParameters: { replicationGroupId: 'created-1' },
        },
      },
      context('react-1'),
    );

    // Assess
    expect(violationEvents().filter((event) => event.endsWith(' created-1'))).toEqual([
      'automaticBackups created-1',
      'transitEncryption created-1',
    ]);
    const stored = await storedFindings(arnOf('replicationgroup', 'created-1'));
    expect(stored.map((finding) => `${finding.check} ${finding.status}`).sort()).toEqual([
      'automaticBackups violation',
      'transitEncryption violation',
    ]);
  });
});
