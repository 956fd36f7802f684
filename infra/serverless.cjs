/**
 * Pieces of serverless.yml computed from the project's single sources of truth:
 * - `functions`: the functions, from their manifests (infra/functions.cjs);
 * - `migrationDefinition`, `upgradeDefinition`, `orgScanDefinition`: the state machines
 *   (infra/state-machines.cjs);
 * - `resources`: the stack's own resources (the organisation scan's role among them),
 *   conditions and outputs.
 * CommonJS because the Serverless Framework `require`s files referenced with ${file()}.
 */
const { NAMESPACE, alarm, alertTopicPolicy, runAlarms } = require('./alerting.cjs');
const { organizationEventBus } = require('./event-bus.cjs');
const { functions } = require('./functions.cjs');
const { scanBucket } = require('./scan-bucket.cjs');
const { actionsOf, statementsFor } = require('./iam.cjs');
const { FUNCTIONS, manifestOf } = require('./manifests.cjs');
const stateMachines = require('./state-machines.cjs');

const { lambdaLogicalId } = stateMachines;

/**
 * Functions that run one at a time (`reservedConcurrency: 1` in their manifest): their manifests
 * alarm on errors only, since a throttle there is an event waiting for the run before it.
 */
const ONE_RUN_AT_A_TIME = new Set(FUNCTIONS.filter((name) => manifestOf(name).reservedConcurrency === 1));

const lambdaMetric = (name, metricName) => ({
  Namespace: 'AWS/Lambda',
  MetricName: metricName,
  Dimensions: [{ Name: 'FunctionName', Value: { Ref: lambdaLogicalId(name) } }],
  Statistic: 'Sum',
  Period: 300,
});

const queueDepth = (queue) => ({
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
  Statistic: 'Maximum',
  Period: 300,
});

const insights = (query, label) => ({ expression: query, label });

/** Every queue of the stack: encrypted by SQS, messages kept 14 days unless overridden. */
const encryptedQueue = (extra = {}) => ({
  Type: 'AWS::SQS::Queue',
  Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600, ...extra },
});

/** What each Lambda metric a manifest alarms on says when it fires. */
const ALARM_DESCRIPTIONS = { Errors: 'failed', Throttles: 'was throttled' };

/** The alarms of each function's manifest: on Errors, and on Throttles where a throttle is a fault. */
function functionAlarms() {
  const alarms = {};
  for (const name of FUNCTIONS) {
    const id = lambdaLogicalId(name).replace(/LambdaFunction$/, '');
    for (const metric of manifestOf(name).alarms)
      alarms[`${id}${metric}Alarm`] = alarm(
        `${name} ${ALARM_DESCRIPTIONS[metric]}`,
        lambdaMetric(name, metric),
      );
  }
  return alarms;
}

/** The dashboard's widgets: violations, remediations, scan duration, alerts, migrations. */
function dashboardWidgets() {
  const widgets = [
    [
      'Violations by rule',
      insights(
        `SELECT SUM(Findings) FROM SCHEMA("${NAMESPACE}", rule, run, service, status) WHERE status = 'violation' GROUP BY rule`,
      ),
    ],
    [
      'Remediations by action',
      insights(
        `SELECT SUM(RemediationActions) FROM SCHEMA("${NAMESPACE}", action, rule, run, service) GROUP BY action`,
      ),
    ],
    [
      'Scan duration (ms)',
      insights(`SELECT MAX(RunDuration) FROM SCHEMA("${NAMESPACE}", run, service) GROUP BY run`),
    ],
  ].map(([title, query], index) => ({
    type: 'metric',
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title,
      region: '${AWS::Region}',
      view: 'timeSeries',
      stat: 'Sum',
      period: 3600,
      metrics: [[query]],
    },
  }));
  widgets.push(
    {
      type: 'metric',
      x: 12,
      y: 6,
      width: 12,
      height: 6,
      properties: {
        title: 'Alerts sent (drift, migration)',
        region: '${AWS::Region}',
        stat: 'Sum',
        period: 3600,
        metrics: [['AWS/SNS', 'NumberOfMessagesPublished', 'TopicName', '${AlertTopic.TopicName}']],
      },
    },
    {
      type: 'metric',
      x: 0,
      y: 12,
      width: 24,
      height: 6,
      properties: {
        title: 'Migration executions',
        region: '${AWS::Region}',
        stat: 'Sum',
        period: 3600,
        metrics: [
          'ExecutionsStarted',
          'ExecutionsSucceeded',
          'ExecutionsFailed',
          'ExecutionsTimedOut',
          'ExecutionsAborted',
        ].map((metric) => ['AWS/States', metric, 'StateMachineArn', '${MigrationStateMachine}']),
      },
    },
  );
  return widgets;
}

/** The state table and the alert topic (with its key and optional email subscription). */
function stateAndAlerts(service, stage, alertEmail) {
  return {
    StateTable: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    },
    // A key of the stack's own: CloudWatch alarms cannot publish to a topic under the AWS
    // managed aws/sns key, whose policy cannot grant them its use.
    AlertTopicKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `${service}-${stage} alert topic`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountAdministersTheKeyThroughIam',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
      },
    },
    AlertTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: { DisplayName: 'elasticache-guardrails alerts', KmsMasterKeyId: { Ref: 'AlertTopicKey' } },
    },
    ...alertTopicPolicy(),
    AlertEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAlertEmail',
      Properties: { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: alertEmail },
    },
  };
}

/** One log group per state machine (their execution history errors), kept `days` days. */
function workflowLogs(service, stage, days) {
  const group = (name) => ({
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: `/aws/vendedlogs/states/${service}-${stage}-${name}`, RetentionInDays: days },
  });
  return {
    MigrationLogs: group('migration'),
    UpgradeLogs: group('durability-upgrade'),
    OrgScanLogs: group('org-scan'),
  };
}

/**
 * The stack's own resources (state table, alert topic, queues, log group, alarms, dashboard),
 * conditions and outputs, for the deployment's `service`, `stage` and parameters.
 */
function resources({
  service,
  stage,
  alertEmail,
  logRetentionDays,
  organizationId = '',
  scanRate = 'rate(1 hour)',
}) {
  const widgets = dashboardWidgets();
  // Reactions across accounts: the central bus's organisation policy (infra/event-bus.cjs).
  const centralBus = organizationEventBus({ service, stage, organizationId });
  const Resources = {
    ...stateAndAlerts(service, stage, alertEmail),
    RecheckQueue: encryptedQueue({
      MessageRetentionPeriod: 86_400,
      VisibilityTimeout: 720,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['RecheckDeadLetter', 'Arn'] },
        maxReceiveCount: 5,
      },
    }),
    RecheckDeadLetter: encryptedQueue(),
    FailedInvocations: encryptedQueue(),
    ...workflowLogs(service, stage, Number(logRetentionDays)),
    ...scanBucket(),
    OrgScanStateMachineRole: stateMachines.orgScanStateMachineRole(`${service}-${stage}-org-scan`),
    FailedInvocationsAlarm: alarm(
      'An async invocation failed for good (FailedInvocations queue)',
      queueDepth('FailedInvocations'),
    ),
    RecheckDeadLetterAlarm: alarm(
      'A durability re-check failed for good (RecheckDeadLetter queue)',
      queueDepth('RecheckDeadLetter'),
    ),
    ...runAlarms(scanRate),
    RemediationFailuresAlarm: alarm('A durability remediation failed', {
      Metrics: [
        {
          Id: 'failed',
          Expression: `SELECT SUM(RemediationActions) FROM SCHEMA("${NAMESPACE}", action, rule, run, service) WHERE action = 'failed'`,
          Period: 300,
          ReturnData: true,
        },
      ],
    }),
    ...functionAlarms(),
    ...centralBus.Resources,
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `${service}-${stage}`,
        DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
      },
    },
  };
  return {
    Conditions: { HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [alertEmail, ''] }] } },
    Resources,
    Outputs: {
      StateTableName: { Value: { Ref: 'StateTable' } },
      AlertTopicArn: { Value: { Ref: 'AlertTopic' } },
      MigrationStateMachineArn: { Value: { Ref: 'MigrationStateMachine' } },
      UpgradeStateMachineArn: { Value: { Ref: 'UpgradeStateMachine' } },
      OrgScanStateMachineArn: { Value: { Ref: 'OrgScanStateMachine' } },
      ScanBucketName: { Value: { Ref: 'ScanBucket' } },
      DashboardName: { Value: { Ref: 'Dashboard' } },
      ...centralBus.Outputs,
    },
  };
}

module.exports = {
  resources: async ({ resolveVariable }) =>
    resources({
      service: await resolveVariable('self:service'),
      stage: await resolveVariable('sls:stage'),
      alertEmail: String(await resolveVariable('param:alertEmail')),
      logRetentionDays: await resolveVariable('param:logRetentionDays'),
      organizationId: String(await resolveVariable('param:organizationId')),
      scanRate: String(await resolveVariable('param:scanRate')),
    }),
  buildResources: resources,
  functions,
  migrationDefinition: stateMachines.migrationDefinition,
  upgradeDefinition: stateMachines.upgradeDefinition,
  orgScanDefinition: stateMachines.orgScanDefinition,
  lambdaLogicalId,
  actionsOf,
  statementsFor,
  ONE_RUN_AT_A_TIME,
};
