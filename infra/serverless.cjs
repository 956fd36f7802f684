/**
 * Pieces of serverless.yml computed from the project's single sources of truth:
 * - `<function name>`: that function's IAM statements, from infra/permissions.json (the
 *   actions its code calls; `$checks` stands for the read actions every registered check
 *   declares, read from shared/domain/checks/registry.ts), each scoped to the narrowest
 *   resources and conditions the API allows;
 * - `migrationDefinition`: infra/migration.asl.yaml with each `${migration-…}` placeholder
 *   replaced by that function's ARN.
 * CommonJS because the Serverless Framework `require`s files referenced with ${file()}.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');
const { require: requireTypeScript } = require('tsx/cjs/api');
const permissions = require('./permissions.json');
const stateKeys = require('./state-keys.json');

/** Stands, in a function's list of infra/permissions.json, for what the registered checks declare. */
const CHECKS_TOKEN = '$checks';

/** The read actions every registered check declares (read once, when first needed). */
let checkActions;
function checksPermissions() {
  checkActions ??= requireTypeScript('../shared/domain/checks/registry.ts', __filename).checkPermissions();
  return checkActions;
}

/** The AWS actions the function `name` calls: its list, with `$checks` expanded, each once. */
function actionsOf(name) {
  const listed = permissions[name];
  if (listed === undefined) throw new Error(`infra/permissions.json lists no actions for ${name}`);
  return [...new Set(listed.flatMap((action) => (action === CHECKS_TOKEN ? checksPermissions() : [action])))];
}

const MANAGED_TAG = 'guardrails:managed';
/** Functions invoked asynchronously (schedules, EventBridge): their failures go to FailedInvocations. */
const ASYNC_FUNCTIONS = new Set([
  'durability-scan',
  'durability-react',
  'encryption-drift',
  'snapshot-cleanup',
]);

/**
 * Functions with `reservedConcurrency: 1` in serverless.yml: a throttle there is an event
 * waiting for the run before it (Lambda retries it, then FailedInvocations), not a fault to alarm on.
 */
const ONE_RUN_AT_A_TIME = new Set(['durability-scan', 'encryption-drift']);

const arn = (service, resource) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});
const elasticache = (...kinds) => kinds.map((kind) => arn('elasticache', `${kind}:*`));

/** `key=value` of the changeTag parameter, or undefined when it is empty. */
function parseChangeTag(changeTag) {
  if (changeTag === undefined || changeTag === '') return undefined;
  const at = changeTag.lastIndexOf('=');
  if (at < 1) throw new Error(`changeTag must be key=value, got "${changeTag}"`);
  return { key: changeTag.slice(0, at), value: changeTag.slice(at + 1) };
}

/**
 * Resources (and a condition) for one action of the function `functionName`; `changeTag` limits
 * the changes to groups carrying it.
 */
function scope(functionName, action, changeTag) {
  const [service, name] = action.split(':');
  if (service === 'elasticache') {
    switch (name) {
      case 'ModifyReplicationGroup':
      case 'TestMigration':
      case 'StartMigration':
      case 'CompleteMigration':
        return [
          {
            resources: elasticache('replicationgroup'),
            ...(changeTag === undefined
              ? {}
              : { condition: { StringEquals: { [`aws:ResourceTag/${changeTag.key}`]: changeTag.value } } }),
          },
        ];
      case 'DescribeReplicationGroups':
        return [{ resources: elasticache('replicationgroup') }];
      case 'DescribeServerlessCaches':
        return [{ resources: elasticache('serverlesscache') }];
      case 'DescribeCacheClusters':
        return [{ resources: elasticache('cluster') }];
      case 'DescribeSnapshots':
        return [{ resources: elasticache('snapshot') }];
      case 'ListTagsForResource':
        return [{ resources: elasticache('replicationgroup', 'serverlesscache', 'snapshot') }];
      case 'CreateSnapshot':
        // The group may be read; the snapshot it creates must carry our tag.
        return [
          { resources: elasticache('replicationgroup', 'cluster') },
          {
            resources: elasticache('snapshot'),
            condition: { StringEquals: { [`aws:RequestTag/${MANAGED_TAG}`]: 'true' } },
          },
        ];
      case 'AddTagsToResource':
        // Tag on create only: the managed tag is what lets snapshot-cleanup delete a snapshot,
        // so tagging an existing one would make any snapshot deletable. ElastiCache authorises
        // the tags of CreateSnapshot as AddTagsToResource with elasticache:CreateAction set.
        return [
          {
            resources: elasticache('snapshot'),
            condition: {
              StringEquals: {
                [`aws:RequestTag/${MANAGED_TAG}`]: 'true',
                'elasticache:CreateAction': 'CreateSnapshot',
              },
            },
          },
        ];
      case 'DeleteSnapshot':
        // Only snapshots this app took.
        return [
          {
            resources: elasticache('snapshot'),
            condition: { StringEquals: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'true' } },
          },
        ];
      case 'DescribeEvents':
        return [{ resources: ['*'] }]; // no resource-level permissions
      default:
        // A read a check declares (Describe…/List…) that no case above narrows: every resource.
        if (/^(Describe|List)[A-Za-z]+$/.test(name)) return [{ resources: ['*'] }];
        throw new Error(`no IAM scope known for ${action}`);
    }
  }
  switch (service) {
    case 'dynamodb': {
      // Only the partitions its code uses (infra/state-keys.json). ForAllValues holds when the
      // key is absent, so Null requires it: every granted action names a partition key.
      const keys = stateKeys[functionName];
      if (keys === undefined)
        throw new Error(`infra/state-keys.json lists no partition keys for ${functionName}`);
      return [
        {
          resources: [{ 'Fn::GetAtt': ['StateTable', 'Arn'] }],
          condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        },
      ];
    }
    case 'events':
      return [{ resources: [arn('events', 'event-bus/default')] }];
    case 'sns':
      return [{ resources: [{ Ref: 'AlertTopic' }] }];
    case 'sqs':
      return [{ resources: [{ 'Fn::GetAtt': ['RecheckQueue', 'Arn'] }] }];
    case 'tag':
    case 'cloudwatch':
      return [{ resources: ['*'] }]; // GetResources and GetMetricData take no resource
    default:
      throw new Error(`no IAM scope known for ${action}`);
  }
}

/** The IAM statements of one function: its code's actions grouped by resource scope. */
function statementsFor(name, { policyParameter = '', changeTag = '' } = {}) {
  const actions = actionsOf(name);
  const tag = parseChangeTag(changeTag);
  const groups = new Map();
  for (const action of actions) {
    for (const { resources, condition } of scope(name, action, tag)) {
      const key = JSON.stringify({ resources, condition });
      const group = groups.get(key) ?? { resources, condition, actions: [] };
      group.actions.push(action);
      groups.set(key, group);
    }
  }
  const statements = [...groups.values()].map(({ actions: list, resources, condition }) => ({
    Effect: 'Allow',
    Action: list,
    Resource: resources,
    ...(condition === undefined ? {} : { Condition: condition }),
  }));
  if (actions.includes('sns:Publish'))
    // The alert topic is encrypted: publishing needs its key.
    statements.push({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] }],
    });
  if (ASYNC_FUNCTIONS.has(name))
    statements.push({
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [{ 'Fn::GetAtt': ['FailedInvocations', 'Arn'] }],
    });
  if (policyParameter !== '')
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [arn('ssm', `parameter/${policyParameter.replace(/^\//, '')}`)],
    });
  return statements;
}

/** CloudFormation logical id Serverless gives a function (`migration-sync` → `MigrationDashsyncLambdaFunction`). */
function lambdaLogicalId(name) {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized[0].toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

function substitute(value) {
  if (typeof value === 'string') {
    const placeholder = value.match(/^\$\{(migration-[a-z-]+)\}$/);
    return placeholder === null ? value : { 'Fn::GetAtt': [lambdaLogicalId(placeholder[1]), 'Arn'] };
  }
  if (Array.isArray(value)) return value.map(substitute);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item)]));
  return value;
}

const FUNCTIONS = Object.keys(permissions).filter((name) => !name.startsWith('$'));
const NAMESPACE = 'ElastiCacheGuardrails';
const alarmActions = { AlarmActions: [{ Ref: 'AlertTopic' }], OKActions: [{ Ref: 'AlertTopic' }] };

/** An alarm that fires when `metric` sums above 0 over 5 minutes. */
function anyAlarm(description, metric) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...alarmActions,
      ...metric,
    },
  };
}

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

/**
 * The stack's own resources (state table, alert topic, queues, log group, alarms, dashboard),
 * conditions and outputs, for the deployment's `service`, `stage` and parameters.
 */
function resources({ service, stage, alertEmail, logRetentionDays }) {
  const encryptedQueue = (extra = {}) => ({
    Type: 'AWS::SQS::Queue',
    Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600, ...extra },
  });
  const alarms = {};
  for (const name of FUNCTIONS) {
    const id = lambdaLogicalId(name).replace(/LambdaFunction$/, '');
    alarms[`${id}ErrorsAlarm`] = anyAlarm(`${name} failed`, lambdaMetric(name, 'Errors'));
    if (!ONE_RUN_AT_A_TIME.has(name))
      alarms[`${id}ThrottlesAlarm`] = anyAlarm(`${name} was throttled`, lambdaMetric(name, 'Throttles'));
  }
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
  const Resources = {
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
    AlertEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAlertEmail',
      Properties: { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: alertEmail },
    },
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
    MigrationLogs: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/aws/vendedlogs/states/${service}-${stage}-migration`,
        RetentionInDays: Number(logRetentionDays),
      },
    },
    FailedInvocationsAlarm: anyAlarm(
      'An async invocation failed for good (FailedInvocations queue)',
      queueDepth('FailedInvocations'),
    ),
    RecheckDeadLetterAlarm: anyAlarm(
      'A durability re-check failed for good (RecheckDeadLetter queue)',
      queueDepth('RecheckDeadLetter'),
    ),
    RemediationFailuresAlarm: anyAlarm('A durability remediation failed', {
      Metrics: [
        {
          Id: 'failed',
          Expression: `SELECT SUM(RemediationActions) FROM SCHEMA("${NAMESPACE}", action, rule, run, service) WHERE action = 'failed'`,
          Period: 300,
          ReturnData: true,
        },
      ],
    }),
    ...alarms,
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
      DashboardName: { Value: { Ref: 'Dashboard' } },
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
    }),
  buildResources: resources,
  migrationDefinition: () => substitute(parse(readFileSync(join(__dirname, 'migration.asl.yaml'), 'utf8'))),
  lambdaLogicalId,
  actionsOf,
  statementsFor,
  ONE_RUN_AT_A_TIME,
  ...Object.fromEntries(
    Object.keys(permissions)
      .filter((name) => !name.startsWith('$'))
      .map((name) => [
        name,
        async ({ resolveVariable }) =>
          statementsFor(name, {
            policyParameter: String(await resolveVariable('param:policyParameter')),
            changeTag: String(await resolveVariable('param:changeTag')),
          }),
      ]),
  ),
};
