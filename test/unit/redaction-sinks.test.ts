/**
 * Every sink that carries text out of the app, fed the whole corpus of planted secrets:
 * none may come out, and the context that makes a finding useful (ids, ARNs, endpoints,
 * rule names) must.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Output } from '../../cli/formats/output.js';
import { formatsFor, render } from '../../cli/formats/registry.js';
import { runCli } from '../../cli/main.js';
import { runSandboxCli } from '../../infra/local/cli.js';
import { AlertPublisher, DETAIL_TYPES, EventPublisher } from '../../shared/aws/notify.js';
import { SecurityHubImporter } from '../../shared/aws/security-hub.js';
import { StateStore } from '../../shared/aws/state-store.js';
import { summarize } from '../../shared/domain/evaluate.js';
import type { Finding } from '../../shared/domain/finding.js';
import { MigrationError, runMigrationTask } from '../../shared/jobs/migration/index.js';
import { exportFindings } from '../../shared/jobs/security-hub-export.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { captureIo } from '../cli-io.js';
import {
  corpusObject,
  corpusText,
  KEPT_CONTEXT,
  leakedSecrets,
  SECRET_CORPUS,
} from './runtime/secret-corpus.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:guardrails-migration:orders-prod-1-run';
const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const securityHub = mockClient(SecurityHubClient);

/** A finding whose every free-text field carries the whole corpus. */
function plantedFinding(): Finding {
  return {
    resourceType: 'replication-group',
    resourceId: KEPT_CONTEXT.resourceId,
    arn: KEPT_CONTEXT.arn,
    rule: KEPT_CONTEXT.rule,
    check: 'durability',
    status: 'violation',
    expected: `sync (${corpusText()})`,
    observed: corpusText(),
    reason: `${corpusText()}\n${JSON.stringify(corpusObject())}`,
    action: corpusText(),
    notes: [corpusText(), JSON.stringify(corpusObject())],
  };
}

/** What a sink wrote: no planted secret, every piece of context. */
function expectRedacted(output: string, kept: readonly string[] = Object.values(KEPT_CONTEXT)) {
  expect(leakedSecrets(output)).toEqual([]);
  for (const context of kept) expect(output).toContain(context);
}

function plantedSecret(name: string): string {
  const planted = SECRET_CORPUS.find((item) => item.name === name);
  if (planted === undefined) throw new Error(`no planted secret is named ${name}`);
  return planted.secret;
}

beforeEach(() => {
  sns.reset();
  eventBridge.reset();
  dynamo.reset();
  securityHub.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  dynamo.on(DeleteCommand).resolves({});
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('Sink: the logger', () => {
  it('writes no planted secret from the message, attributes or errors, and keeps the context', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const lines: string[] = [];
    // Powertools writes errors and warnings to stderr, the rest to stdout.
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    const logger = createLogger('redaction-test');

    // Act
    logger.info(corpusText(), { request: corpusObject(), list: [corpusObject()] });
    logger.error('remediation call failed', new Error(corpusText(), { cause: new Error(corpusText()) }));
    logger.warn('dropping event', { error: new Error(corpusText()), raw: JSON.stringify(corpusObject()) });

    // Assess
    const output = lines.join('');
    expect(output.trim().split('\n')).toHaveLength(3);
    expectRedacted(output);
  });
});

describe('Sink: AlertPublisher (SNS)', () => {
  it('publishes no planted secret in the subject or the message, and keeps the context', async () => {
    // Prepare
    const alerts = new AlertPublisher(TOPIC, { region: 'us-east-1' });

    // Act
    await alerts.publish({
      subject: `token=${plantedSecret('key token')} on ${KEPT_CONTEXT.resourceId}`,
      body: `${corpusText()}\n\ndetail: ${JSON.stringify(corpusObject())}`,
      rule: KEPT_CONTEXT.rule,
      severity: 'high',
      resourceType: 'replication-group',
    });

    // Assess
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageAttributes: expect.objectContaining({
        rule: { DataType: 'String', StringValue: KEPT_CONTEXT.rule },
      }),
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expectRedacted(JSON.stringify(input));
    expect(input?.Subject).toBe(`token=[REDACTED] on ${KEPT_CONTEXT.resourceId}`);
  });
});

describe('Sink: EventPublisher (EventBridge)', () => {
  it('puts no planted secret in the detail, and keeps the context and the resources', async () => {
    // Prepare
    const events = new EventPublisher(undefined, { region: 'us-east-1' });

    // Act
    await events.publish([
      {
        detailType: DETAIL_TYPES.remediationFailed,
        detail: { ...corpusObject(), message: corpusText(), error: new Error(corpusText()) },
        resources: [KEPT_CONTEXT.arn],
      },
    ]);

    // Assess
    expect(eventBridge).toReceiveCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ Resources: [KEPT_CONTEXT.arn] })],
    });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expectRedacted(entry?.Detail ?? '');
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ resourceId: KEPT_CONTEXT.resourceId });
  });
});

describe('Sink: the CLI error output', () => {
  // One run per planted secret: a refused value is echoed only in part (80 characters), so
  // the whole corpus in one value would hide most of it behind the cut.
  it.each(SECRET_CORPUS.map((planted) => [planted.name, planted] as const))(
    'echoes a refused flag value holding %s, with its stack under --debug, without the secret',
    async (_, planted) => {
      // Prepare
      const io = captureIo();
      const value = planted.kind === 'key' ? `${planted.key}=${planted.value}` : planted.text;

      // Act
      const code = await runCli(['snapshot', 'cleanup', '--retention-days', value, '--debug'], io);

      // Assess
      expect(code).toBe(2);
      expect(io.err()).toContain('guardrails: --retention-days');
      expect(leakedSecrets(io.err())).toEqual([]);
    },
  );

  it('shows an unknown option without its secret value (commander writes that error)', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runCli(['scan', `--password=${plantedSecret('key password')}`], io);

    // Assess
    expect(code).toBe(2);
    expect(io.err()).toContain("unknown option '--password=[REDACTED]'");
    expectRedacted(io.err(), []);
  });

  it('shows an --endpoint-url refused for its user:password@ without the password', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await runSandboxCli(
      [
        'migration',
        'start',
        KEPT_CONTEXT.resourceId,
        '--source',
        '10.0.0.5:6379',
        '--local',
        '--table',
        'guardrails-state',
        '--endpoint-url',
        `http://admin:${plantedSecret('user:pw@host without scheme')}@127.0.0.1:1`,
      ],
      io,
    );

    // Assess
    expect(code).toBe(2);
    expect(io.err()).toContain('http://[REDACTED]@127.0.0.1:1');
    expectRedacted(io.err(), []);
  });
});

describe('Sink: the migration failure cause', () => {
  it('sends the cause to the outcome event, the alert and the execution output without a planted secret', async () => {
    // Prepare
    const deps = {
      elasticache: new ElastiCacheClient({ region: 'us-east-1' }),
      store: new StateStore('guardrails-state', { region: 'us-east-1' }),
      events: new EventPublisher(undefined, { region: 'us-east-1' }),
      alerts: new AlertPublisher(TOPIC, { region: 'us-east-1' }),
      logger: createLogger('redaction-test'),
      now: () => new Date('2026-11-25T10:00:00Z'),
      durability: () => Promise.reject(new Error('not used by the failure report')),
    };
    const cause = JSON.stringify({ errorType: 'PreflightFailed', errorMessage: corpusText() });
    const state = {
      input: {
        replicationGroupId: KEPT_CONTEXT.resourceId,
        customerEndpoints: [{ address: '10.0.0.5', port: 6379 }],
      },
      migration: { started: true, startedAt: '2026-11-25T09:00:00Z', sync: {} },
      error: { Error: 'PreflightFailed', Cause: cause },
      abortError: { Error: 'AbortFailed', Cause: corpusText() },
    };

    // Act
    const output = await runMigrationTask('migration-finish', deps, {
      action: 'failed',
      execution: EXECUTION,
      state,
    });

    // Assess
    const detail = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '';
    const alert = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expectRedacted(JSON.stringify(output));
    expectRedacted(detail);
    expectRedacted(`${alert?.Subject}\n${alert?.Message}`);
    expect(output).toMatchObject({
      status: 'failed',
      error: 'PreflightFailed',
      replicationGroupId: KEPT_CONTEXT.resourceId,
    });
  });

  it('keeps a planted secret out of the Cause Step Functions records (the error message)', () => {
    // Act
    const error = new MigrationError('PreflightFailed', corpusText());

    // Assess
    expectRedacted(error.message);
  });
});

describe('Sink: every CLI output format', () => {
  const report = (): Output => ({
    kind: 'report' as const,
    report: {
      summary: summarize([plantedFinding()]),
      findings: [plantedFinding()],
      filter: `--status violation ${corpusText()}`,
    },
  });
  const rows = (): Output => ({
    kind: 'rows' as const,
    columns: ['resourceId', 'note', 'detail'],
    rows: [
      { resourceId: KEPT_CONTEXT.resourceId, note: corpusText(), detail: JSON.stringify(corpusObject()) },
    ],
    footer: corpusText(),
    title: corpusText(),
    data: { ...corpusObject(), message: corpusText() },
  });
  const document = (): Output => ({
    kind: 'document' as const,
    text: `${KEPT_CONTEXT.resourceId}\n${corpusText()}`,
    data: { resourceId: KEPT_CONTEXT.resourceId, ...corpusObject(), message: corpusText() },
  });
  const cases = [
    ...formatsFor('report').map((format) => ['report', format, report] as const),
    ...formatsFor('rows').map((format) => ['rows', format, rows] as const),
    ...formatsFor('document').map((format) => ['document', format, document] as const),
  ];

  it('offers json, table, csv, markdown, html and asff for a report', () => {
    expect(formatsFor('report')).toEqual(
      expect.arrayContaining(['json', 'table', 'csv', 'markdown', 'html', 'asff']),
    );
  });

  it.each(cases)('writes a %s as %s without a planted secret', (_, format, output) => {
    // Act
    const written = render(output(), format, { now: new Date('2026-11-25T10:00:00Z') });

    // Assess
    expect(leakedSecrets(written)).toEqual([]);
    expect(written).toContain(KEPT_CONTEXT.resourceId);
  });
});

describe('Sink: the Security Hub export', () => {
  it('imports findings and stores their record without a planted secret', async () => {
    // Prepare
    securityHub
      .on(BatchImportFindingsCommand)
      .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});

    // Act
    const result = await exportFindings(
      {
        securityHub: new SecurityHubImporter({ region: 'us-east-1', maxAttempts: 1 }),
        store: new StateStore('guardrails-state', { region: 'us-east-1', maxAttempts: 1 }),
        now: () => new Date('2026-11-25T10:00:00Z'),
      },
      { account: '123456789012', region: 'us-east-1' },
      [plantedFinding()],
    );

    // Assess
    expect(result.imported).toBe(1);
    const sent = securityHub.commandCalls(BatchImportFindingsCommand).map((call) => call.args[0].input);
    const stored = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(1);
    expect(stored.length).toBeGreaterThan(0);
    expectRedacted(JSON.stringify(sent), [KEPT_CONTEXT.resourceId, KEPT_CONTEXT.arn, KEPT_CONTEXT.rule]);
    expectRedacted(JSON.stringify(stored), [KEPT_CONTEXT.arn]);
  });
});
