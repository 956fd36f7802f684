import { createRequire } from 'node:module';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluate, type PolicyStatement, type Request } from '../../../infra/local/emulator/iam-policy.js';
import { MIGRATION_ASL } from '../../../infra/local/migration-workflow.js';
import { ORG_SCAN_ASL } from '../../../infra/local/org-scan-workflow.js';
import { loadDefinition } from '../../../infra/local/step-functions.js';
import { EVENT_PATTERNS } from '../../../shared/aws/event-patterns.js';
import { checksAlertedByEvent } from '../../../shared/domain/checks/registry.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { TARGET_CONCURRENCY } from '../../../shared/domain/targets.js';
import { METRICS_NAMESPACE } from '../../../shared/jobs/function-base.js';
import { listTargets } from '../../../shared/jobs/org-scan.js';
import { createOrgScanDeps } from '../../../shared/jobs/org-scan-deps.js';
import { reportClaim } from '../../../shared/jobs/org-scan-run.js';
import { TAG_ON_CREATE, TAG_SOMEONE_ELSES_SNAPSHOT } from '../../iam-requests.js';
import { FUNCTIONS, manifestOf } from '../../manifests.js';
import { DEFAULT_DEPLOYMENT, packageTemplate, type Resource } from './packaging.js';

const require = createRequire(import.meta.url);
const {
  actionsOf: generatedActions,
  lambdaLogicalId,
  ONE_RUN_AT_A_TIME,
} = require('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
  lambdaLogicalId(name: string): string;
  ONE_RUN_AT_A_TIME: Set<string>;
};
/** The state-table partitions of each function that uses the table (its manifest's stateKeys). */
const stateKeys = Object.fromEntries(
  FUNCTIONS.filter((name) => manifestOf(name).stateKeys.length > 0).map((name) => [
    name,
    [...manifestOf(name).stateKeys],
  ]),
);
/** Each function's actions as generated (its manifest's, with the member role's AssumeRole). */
const permissions = Object.fromEntries(FUNCTIONS.map((name) => [name, generatedActions(name)]));
/** Permissions the platform needs for the function, not its code: logs, its SQS trigger, its failure destination. */
const PLATFORM = new Set([
  'logs:CreateLogStream',
  'logs:CreateLogGroup',
  'logs:PutLogEvents',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
]);

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
let resources: Record<string, Resource>;

/**
 * The OverlappingRuns value one run emits (true: it claimed the run; false: another was running),
 * read back from its EMF record, which must carry the alarm's namespace and dimensions.
 */
function emittedOverlap(
  claimed: boolean,
  alarm: { Namespace: string; Dimensions: { Name: string; Value: string }[] },
): number {
  const lines: string[] = [];
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const print = vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
  const quiet = { info: () => {}, warn: () => {} };
  reportClaim(
    claimed ? { claimed, execution: 'b' } : { claimed, execution: 'b', running: 'a' },
    quiet,
    new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' }),
  );
  print.mockRestore();
  vi.unstubAllEnvs();
  const record = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => alarm.Dimensions.every(({ Name, Value }) => entry[Name] === Value));
  const namespace = (record?._aws as { CloudWatchMetrics: { Namespace: string }[] } | undefined)
    ?.CloudWatchMetrics[0]?.Namespace;
  expect(namespace).toBe(alarm.Namespace);
  return Number(record?.OverlappingRuns);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const roleStatements = (role: Resource) =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
const functionRole = (name: string) => {
  const role = resources[`${lambdaLogicalId(name).replace(/LambdaFunction$/, '')}IamRoleLambdaExecution`];
  if (role === undefined) throw new Error(`no role for ${name}`);
  return role;
};
/** Statements the platform needs beside the code's calls: the failure queue, the alert topic's key. */
const isFailureDestination = (statement: Statement) =>
  JSON.stringify(statement.Resource).includes('FailedInvocations') ||
  JSON.stringify(statement.Resource).includes('AlertTopicKey');

beforeAll(async () => {
  // Package exactly as `npm run package` does, offline: the default parameters, the packaging
  // the real-AWS deploy test reads too (made once, see packaging.ts).
  resources = (await packageTemplate(DEFAULT_DEPLOYMENT)).template.Resources;
}, 300_000);

describe('Packaged CloudFormation template (osls package, no credentials)', () => {
  it.each(FUNCTIONS)(
    'gives %s only the actions its code calls (plus logs, trigger, failure queue)',
    (name) => {
      const statements = roleStatements(functionRole(name));
      const granted = new Set(
        statements
          .filter((statement) => !isFailureDestination(statement))
          .flatMap(actionsOf)
          .filter((action) => !PLATFORM.has(action)),
      );

      expect([...granted].sort()).toEqual([...new Set(permissions[name])].sort());
      const lambda = resources[lambdaLogicalId(name)];
      expect(JSON.stringify(lambda?.Properties.Role)).toContain(
        `${lambdaLogicalId(name).replace(/LambdaFunction$/, '')}IamRoleLambdaExecution`,
      );
    },
  );

  it('grants no wildcard action and never Resource * for a mutating action', () => {
    const roles = Object.values(resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
    const statements = roles.flatMap(roleStatements);
    expect(statements.flatMap(actionsOf).filter((action) => action.includes('*'))).toEqual([]);
    const readOnly =
      /^(elasticache:Describe|tag:GetResources|cloudwatch:GetMetricData|logs:|organizations:List)/;
    const starred = statements
      .filter((statement) => JSON.stringify(statement.Resource) === '["*"]' || statement.Resource === '*')
      .flatMap(actionsOf)
      .filter((action) => !readOnly.test(action));
    expect(starred).toEqual([]);
  });

  it('lets snapshots be deleted only when tagged as ours', () => {
    const deleting = FUNCTIONS.flatMap((name) => roleStatements(functionRole(name))).filter((statement) =>
      actionsOf(statement).includes('elasticache:DeleteSnapshot'),
    );
    expect(deleting.length).toBeGreaterThan(0);
    for (const statement of deleting)
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/guardrails:managed': 'true' } });
  });

  it('lets no role put the managed tag on a snapshot it did not create (tag on create only)', () => {
    // The tag is what makes a snapshot deletable by snapshot-cleanup: tagging an existing one would bypass that guard.
    const decide = (request: Request) =>
      FUNCTIONS.filter(
        (name) => evaluate(roleStatements(functionRole(name)) as PolicyStatement[], request) === 'allowed',
      );

    expect(decide(TAG_SOMEONE_ELSES_SNAPSHOT)).toEqual([]);
    expect(decide(TAG_ON_CREATE)).toEqual(
      FUNCTIONS.filter((name) => permissions[name]?.includes('elasticache:CreateSnapshot')),
    );
  });

  it("limits each role's state-table access to the partition keys its code uses (dynamodb:LeadingKeys)", () => {
    const table = 'StateTable.Arn';
    const samples = [
      'lease',
      'lease#123456789012#eu-west-1',
      'target#123456789012#eu-west-1',
      'resource#arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders',
      'baseline#storage-encryption',
      'baseline#storage-encryption#123456789012#eu-west-1',
      'approval#migration',
      'decision#migration',
    ];
    const usingTable = FUNCTIONS.filter((name) =>
      permissions[name]?.some((action) => action.startsWith('dynamodb:')),
    );
    expect(usingTable.sort()).toEqual(
      Object.keys(stateKeys)
        .filter((name) => !name.startsWith('$'))
        .sort(),
    );

    for (const name of usingTable) {
      const statements = roleStatements(functionRole(name)) as PolicyStatement[];
      const own = stateKeys[name] ?? [];
      for (const action of permissions[name]?.filter((granted) => granted.startsWith('dynamodb:')) ?? []) {
        const allowed = samples.filter(
          (pk) =>
            evaluate(statements, { action, resource: table, context: { 'dynamodb:LeadingKeys': [pk] } }) ===
            'allowed',
        );
        expect(allowed, `${name} ${action}`).toEqual(
          samples.filter((pk) =>
            own.some(
              (pattern) => pk === pattern || (pattern.endsWith('*') && pk.startsWith(pattern.slice(0, -1))),
            ),
          ),
        );
        expect(evaluate(statements, { action, resource: table }), `${name} ${action} with no key`).not.toBe(
          'allowed',
        );
      }
    }
  });

  it('runs encryption-drift one at a time, without a throttle alarm, and target-scan at scanConcurrency', () => {
    const reserved = Object.fromEntries(
      FUNCTIONS.flatMap((name) => {
        const value = resources[lambdaLogicalId(name)]?.Properties.ReservedConcurrentExecutions;
        return value === undefined ? [] : [[name, value]];
      }),
    );
    // scanConcurrency's default (serverless.yml params), well under the 100 Lambda keeps unreserved.
    expect(reserved).toEqual({ 'encryption-drift': 1, 'target-scan': 10 });
    const throttleAlarms = FUNCTIONS.filter(
      (name) =>
        resources[`${lambdaLogicalId(name).replace(/LambdaFunction$/, '')}ThrottlesAlarm`] !== undefined,
    );
    expect(throttleAlarms).toEqual(FUNCTIONS.filter((name) => !ONE_RUN_AT_A_TIME.has(name)));
    expect([...ONE_RUN_AT_A_TIME]).toEqual(['encryption-drift']);
  });

  it("runs the org-scan Map's items at most at target-scan's reserved concurrency, whatever the policy asks", async () => {
    // Prepare: the deployed org-scan function's configuration, and a policy asking for the most.
    const reserved = resources[lambdaLogicalId('target-scan')]?.Properties.ReservedConcurrentExecutions;
    const environment = resources[lambdaLogicalId('org-scan')]?.Properties.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    const variables = environment?.Variables ?? {};
    const scan = createOrgScanDeps({
      STATE_TABLE: 'state',
      AWS_REGION: 'eu-west-1',
      SCAN_BUCKET: 'guardrails-scan',
      SCAN_CONCURRENCY: String(variables.SCAN_CONCURRENCY),
    });
    const policy = parsePolicy(
      `version: 1
settings:
  targets: { accounts: ['111111111111'], regions: [eu-west-1], concurrency: ${TARGET_CONCURRENCY.max} }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: sync }
`,
      'policy.yaml',
    );
    const deployed = loadDefinition(ORG_SCAN_ASL) as unknown as {
      States: { ScanTargets: { MaxConcurrencyPath?: string; MaxConcurrency?: number } };
    };

    // Act: the listing names the targets of its accounts and regions without a call.
    const list = await listTargets(
      scan.job({ invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:org-scan' }, policy),
      policy,
    );

    // Assess: the Map takes its maximum from the listing's answer, which the reserved concurrency bounds.
    expect(deployed.States.ScanTargets).toMatchObject({ MaxConcurrencyPath: '$.concurrency' });
    expect(deployed.States.ScanTargets.MaxConcurrency).toBeUndefined();
    expect(reserved).toBe(10);
    expect(list.concurrency).toBe(reserved);
  });

  it('alarms on two organisation scans in a row that found the one before still running, not on one', () => {
    // Prepare: the OverlappingRuns data point of each run, as the org-scan function emits it.
    const alarm = resources.OverlappingRunsAlarm?.Properties as {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
      ComparisonOperator: string;
      Threshold: number;
      EvaluationPeriods: number;
      DatapointsToAlarm: number;
      Period: number;
      Statistic: string;
      AlarmActions: unknown[];
    };
    const points = (runs: ('claimed' | 'overlapped')[]) =>
      runs.map((run) => emittedOverlap(run === 'claimed', alarm));
    /** One data point per schedule period: the alarm fires when its last N of N breach. */
    const fires = (values: number[]) =>
      values.slice(-alarm.EvaluationPeriods).filter((value) => value >= alarm.Threshold).length >=
      alarm.DatapointsToAlarm;

    // Assess
    expect(alarm).toMatchObject({
      MetricName: 'OverlappingRuns',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Statistic: 'Maximum',
      // The schedule's period (scanRate rate(1 hour)): one run per period.
      Period: 3600,
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
    expect(fires(points(['claimed', 'overlapped', 'overlapped']))).toBe(true);
    expect(fires(points(['claimed', 'claimed', 'overlapped']))).toBe(false);
    expect(fires(points(['claimed', 'overlapped', 'claimed']))).toBe(false);
    expect(fires(points(['overlapped', 'claimed']))).toBe(false);
  });

  it('sends every async function failure somewhere: an on-failure destination or a dead-letter queue', () => {
    const invokeConfigs = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig',
    );
    const withDestination = new Set(
      invokeConfigs
        .filter((config) => JSON.stringify(config.Properties.DestinationConfig).includes('FailedInvocations'))
        .map((config) => JSON.stringify(config.Properties.FunctionName)),
    );
    // Every rule that invokes a function (the schedule of the org-scan state machine targets the
    // state machine, which catches its tasks' failures itself).
    const asyncTargets = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
      .map(([, rule]) => rule)
      .flatMap((rule) =>
        (rule.Properties.Targets as { Arn: { 'Fn::GetAtt'?: [string, string] } }[]).flatMap((target) =>
          target.Arn['Fn::GetAtt'] === undefined ? [] : [target.Arn['Fn::GetAtt'][0]],
        ),
      );
    expect(asyncTargets.length).toBeGreaterThan(0);
    for (const target of asyncTargets) expect(withDestination).toContain(JSON.stringify({ Ref: target }));
    const queues = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::SQS::Queue');
    const recheck = queues.find(([id]) => id === 'RecheckQueue')?.[1];
    expect(JSON.stringify(recheck?.Properties.RedrivePolicy)).toContain('RecheckDeadLetter');
  });

  it('reports SQS batch item failures for the re-check queue, whose poison goes to its dead-letter queue', () => {
    const mappings = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(resource.Properties.EventSourceArn).includes('RecheckQueue'),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': [lambdaLogicalId('durability-react'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const queue = resources.RecheckQueue?.Properties;
    const redrive = queue?.RedrivePolicy as
      | { deadLetterTargetArn: unknown; maxReceiveCount: number }
      | undefined;
    expect(redrive?.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['RecheckDeadLetter', 'Arn'] });
    expect(redrive?.maxReceiveCount).toBeGreaterThan(1);
    // AWS's advice for a Lambda-consumed queue: visibility timeout at least six times the function timeout.
    const timeout = resources[lambdaLogicalId('durability-react')]?.Properties.Timeout as number;
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(resources.RecheckDeadLetterAlarm?.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
  });

  it('gives every alarm an action', () => {
    const alarms = Object.entries(resources).filter(
      ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(alarms.length).toBeGreaterThanOrEqual(2 * FUNCTIONS.length - ONE_RUN_AT_A_TIME.size + 3);
    for (const [id, alarm] of alarms)
      expect((alarm.Properties.AlarmActions as unknown[] | undefined)?.length, id).toBeGreaterThan(0);
  });

  it('deploys the state machine definition of infra/migration.asl.yaml, with each function ARN in place', () => {
    const [text, variables] = (
      (resources.MigrationStateMachine as Resource).Properties.DefinitionString as {
        'Fn::Sub': [string, Record<string, unknown>];
      }
    )['Fn::Sub'];
    const byLogicalId = new Map(FUNCTIONS.map((name) => [lambdaLogicalId(name), name]));
    const restored = text.replace(/\$\{([^}]+)\}/g, (whole, variable: string) => {
      const target = (variables[variable] as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
        'Fn::GetAtt'
      ]?.[0];
      const name = target === undefined ? undefined : byLogicalId.get(target);
      return name === undefined ? whole : `\${${name}}`;
    });
    expect(JSON.parse(restored)).toEqual(loadDefinition(MIGRATION_ASL));
    expect(resources.MigrationStateMachine?.Properties.StateMachineType).toBe('STANDARD');
  });

  it('deploys infra/org-scan.asl.yaml as a STANDARD state machine the schedule starts, its Map on itself', () => {
    // Prepare
    const machine = resources.OrgScanStateMachine as Resource;
    const [text, variables] = (machine.Properties.DefinitionString as { 'Fn::Sub': [string, object] })[
      'Fn::Sub'
    ];
    const byLogicalId = new Map(FUNCTIONS.map((name) => [lambdaLogicalId(name), name]));
    const restored = text.replace(/\$\{([^}]+)\}/g, (whole, variable: string) => {
      const target = (variables as Record<string, { 'Fn::GetAtt'?: [string, string] }>)[variable]?.[
        'Fn::GetAtt'
      ]?.[0];
      const name = target === undefined ? undefined : byLogicalId.get(target);
      return name === undefined ? whole : `\${${name}}`;
    });
    const schedules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(resource.Properties.Targets).includes('OrgScanStateMachine'),
    );
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = resources[roleId];

    // Assess
    expect(JSON.parse(restored)).toEqual(loadDefinition(ORG_SCAN_ASL));
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(schedules.map((rule) => rule.Properties.ScheduleExpression)).toEqual(['rate(1 hour)']);
    const granted = JSON.stringify(roleStatements(role as Resource));
    for (const action of ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'])
      expect(granted).toContain(action);
    expect(granted).toContain('org-scan');
    const scheduleRole = JSON.stringify(
      roleStatements(resources.OrgScanScheduleToStepFunctionsRole as Resource),
    );
    expect(scheduleRole).toContain('states:StartExecution');
    expect(scheduleRole).toContain('OrgScanStateMachine');
    // The schedule no longer invokes the scan function itself.
    expect(
      JSON.stringify(Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule')),
    ).not.toContain(lambdaLogicalId('target-scan'));
  });

  it("keeps the Map's targets and results in a private, encrypted, TLS-only scan bucket that expires them, named to its users by reference", () => {
    // Prepare
    const bucket = resources.ScanBucket as Resource;
    const policy = JSON.stringify(resources.ScanBucketPolicy?.Properties);
    const runs = { 'Fn::Sub': '${ScanBucket.Arn}/runs/*' };
    const machineRole = resources.OrgScanStateMachineRole as Resource;
    const s3Statements = (role: Resource) =>
      roleStatements(role).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('s3:')),
      );

    // Assess
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ Status: 'Enabled', Prefix: 'runs/' })] },
    });
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('"Effect":"Deny"');
    const environment = resources[lambdaLogicalId('org-scan')]?.Properties.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    expect(environment?.Variables.SCAN_BUCKET).toEqual({ Ref: 'ScanBucket' });
    expect(s3Statements(functionRole('org-scan'))).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [runs] },
    ]);
    expect(s3Statements(machineRole)).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        Resource: [runs],
      },
    ]);
    for (const name of FUNCTIONS.filter((other) => other !== 'org-scan'))
      expect(s3Statements(functionRole(name)), name).toEqual([]);
  });

  it('lets only the scans and the reactions assume a role, and only the member role', () => {
    const assuming = FUNCTIONS.filter((name) =>
      roleStatements(functionRole(name)).some((statement) => actionsOf(statement).includes('sts:AssumeRole')),
    );
    expect(assuming.sort()).toEqual(['durability-react', 'encryption-drift', 'org-scan', 'target-scan']);
    for (const name of assuming) {
      const statement = roleStatements(functionRole(name)).find((candidate) =>
        actionsOf(candidate).includes('sts:AssumeRole'),
      );
      expect(statement?.Resource).toEqual([
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/elasticache-guardrails-member' },
      ]);
      // Packaged without organizationId: any account's role of that name (test/unit/infra-iam: with it).
      expect(statement?.Condition).toBeUndefined();
      expect(actionsOf(statement as Statement)).toEqual(['sts:AssumeRole']);
    }
  });

  it('routes the same event patterns the handlers parse', () => {
    const patterns = Object.entries(resources)
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::Events::Rule' && resource.Properties.EventPattern !== undefined,
      )
      .map(([, rule]) => rule.Properties.EventPattern);
    expect(patterns).toEqual(
      expect.arrayContaining([
        EVENT_PATTERNS.durabilityReact.cloudTrail,
        EVENT_PATTERNS.encryptionDrift.cloudTrail,
        // ownAccountOnly in its manifest: the deployment's own account only.
        { ...EVENT_PATTERNS.violationAlert.ownViolations, account: [{ Ref: 'AWS::AccountId' }] },
      ]),
    );
    expect(patterns).toHaveLength(3);
  });

  it('listens for events on the default bus, the one member accounts forward to (infra/event-bus.cjs)', () => {
    const reactionRules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(resource.Properties.EventPattern ?? {}).includes('aws.elasticache'),
    );
    expect(reactionRules).toHaveLength(2);
    for (const rule of reactionRules) {
      expect([undefined, 'default']).toContain(rule.Properties.EventBusName);
      expect(rule.Properties.EventPattern).not.toHaveProperty('account');
    }
    // Packaged with the default organizationId (empty): a one-account deployment has no bus policy.
    expect(
      Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::EventBusPolicy'),
    ).toEqual([]);
  });

  it('keeps state in an encrypted, point-in-time recoverable, on-demand table with TTL', () => {
    expect(resources.StateTable?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(resources.AlertTopic?.Properties.KmsMasterKeyId).toEqual({ Ref: 'AlertTopicKey' });
    const keyPolicy = JSON.stringify(resources.AlertTopicKey?.Properties.KeyPolicy);
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    expect(resources.AlertTopicKey?.Properties.EnableKeyRotation).toBe(true);
    // Every publisher to the encrypted topic may use its key, and nobody else.
    for (const name of FUNCTIONS) {
      const usesKey = roleStatements(functionRole(name)).some((statement) =>
        JSON.stringify(statement.Resource).includes('AlertTopicKey'),
      );
      expect(usesKey, name).toBe(permissions[name]?.includes('sns:Publish'));
    }
    expect(resources.AlertEmailSubscription?.Condition).toBe('HasAlertEmail');
  });

  it('sends new violations of every check without alerts of its own to the violation-alert function, which alone publishes them', () => {
    const rules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(resource.Properties.Targets).includes(lambdaLogicalId('violation-alert')),
    );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]?.Properties.EventPattern as {
      source: string[];
      account: unknown[];
      'detail-type': string[];
      detail: { finding: { check: string[] } };
    };
    expect(pattern.source).toEqual(['elasticache-guardrails']);
    expect(pattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
    expect(pattern['detail-type']).toEqual(['Guardrails Policy Violation']);
    expect(pattern.detail.finding.check).toEqual(checksAlertedByEvent());
    expect(checksAlertedByEvent()).toEqual(
      expect.arrayContaining(['durability', 'transitEncryption', 'automaticBackups']),
    );
    expect(checksAlertedByEvent()).not.toContain('storageEncryption'); // it alerts on drift by itself
    // No rule targets the topic, and neither the topic nor its key lets EventBridge publish.
    const toTopic = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(resource.Properties.Targets).includes('"Ref":"AlertTopic"'),
    );
    expect(toTopic).toEqual([]);
    expect(JSON.stringify(resources.AlertTopicPolicy)).not.toContain('events.amazonaws.com');
    expect(JSON.stringify(resources.AlertTopicKey)).not.toContain('events.amazonaws.com');
    expect(permissions['violation-alert']).toContain('sns:Publish');
  });

  it('keeps every log group for the configured retention', () => {
    const groups = Object.values(resources).filter((resource) => resource.Type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(FUNCTIONS.length + 3); // and one per state machine (migration, durability upgrade, org scan)
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it('runs every function on nodejs22.x arm64, dry-run by default', () => {
    for (const name of FUNCTIONS) {
      const properties = resources[lambdaLogicalId(name)]?.Properties;
      expect(properties?.Runtime).toBe('nodejs22.x');
      expect(properties?.Architectures).toEqual(['arm64']);
      expect(
        (properties?.Environment as { Variables: Record<string, string> } | undefined)?.Variables.DRY_RUN,
      ).toBe('true');
    }
  });
});
