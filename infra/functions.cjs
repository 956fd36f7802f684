/**
 * serverless.yml's `functions:` block, generated from the functions' manifests
 * (functions/<name>/function.ts): handler, description, timeout, memory, reserved concurrency,
 * environment, events, on-failure destination, VPC, and the IAM role (its name and its
 * statements, infra/iam.cjs). The Serverless Framework then adds each function's log group.
 */
const { roleName, statementsFor } = require('./iam.cjs');
const { FUNCTIONS, isAsync, manifestOf } = require('./manifests.cjs');
const { join } = require('node:path');
const { require: requireTypeScript } = require('tsx/cjs/api');

/** The EventBridge patterns of the reacting functions, built from the resource kinds' CloudTrail calls. */
const { EVENT_PATTERNS: patterns } = requireTypeScript(
  join(__dirname, '..', 'shared', 'aws', 'event-patterns.ts'),
  __filename,
);

/** The environment variables each deployment value a manifest may name sets, for the deployment's parameters. */
const ENVIRONMENT = {
  alertTopic: () => ({ ALERT_TOPIC_ARN: { Ref: 'AlertTopic' } }),
  upgradeStateMachine: () => ({ UPGRADE_STATE_MACHINE_ARN: { Ref: 'UpgradeStateMachine' } }),
  recheckQueue: () => ({ RECHECK_QUEUE_URL: { Ref: 'RecheckQueue' } }),
  securityHubExport: (params) => ({ SECURITY_HUB_EXPORT: params.securityHubExport }),
  scanBucket: () => ({ SCAN_BUCKET: { Ref: 'ScanBucket' } }),
};

/** What a function acting through the member role reads: the role's name and the external id it asks for. */
const memberAccess = (params) => ({
  MEMBER_ROLE_NAME: params.memberRoleName,
  MEMBER_EXTERNAL_ID: params.memberExternalId,
});

function environmentOf(name, params) {
  const { environment, memberAccess: assumesMemberRole } = manifestOf(name);
  const variables = {};
  for (const value of environment) {
    const variablesOf = ENVIRONMENT[value];
    if (variablesOf === undefined)
      throw new Error(
        `functions/${name}/function.ts needs ${value}, not a deployment value (${Object.keys(ENVIRONMENT).join(', ')})`,
      );
    Object.assign(variables, variablesOf(params));
  }
  return assumesMemberRole ? { ...variables, ...memberAccess(params) } : variables;
}

/** The pattern of shared/aws/event-patterns.ts at `path` (`<function>.<kind>`). */
function patternAt(path) {
  const pattern = path.split('.').reduce((node, key) => node?.[key], patterns);
  if (pattern === undefined) throw new Error(`shared/aws/event-patterns.ts has no pattern ${path}`);
  return pattern;
}

/** The Serverless Framework events of one trigger (none for a state machine's task: the state machine invokes it). */
function eventsOf(trigger, params) {
  if ('schedule' in trigger)
    return [{ schedule: trigger.schedule === 'scanRate' ? params.scanRate : trigger.schedule }];
  if ('eventBridge' in trigger) return [{ eventBridge: { pattern: patternAt(trigger.eventBridge) } }];
  if ('sqs' in trigger)
    // Each record is answered on its own (batchItemFailures): SQS redelivers only the failed ones.
    return [
      {
        sqs: {
          arn: { 'Fn::GetAtt': [trigger.sqs, 'Arn'] },
          batchSize: trigger.batchSize,
          functionResponseType: 'ReportBatchItemFailures',
        },
      },
    ];
  return [];
}

const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;

const list = (value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * The `vpc` of a function that opens TCP connections to cache nodes (iovalkey: PING and
 * `INFO replication`), for the comma-separated `subnetIds` and `securityGroupIds` parameters; both
 * empty: null, no VPC. The other functions only call AWS APIs, which need no VPC path.
 * serverless-iam-roles-per-function gives a function with a `vpc` the AWS managed policy
 * AWSLambdaVPCAccessExecutionRole (the network interface actions Lambda needs to attach it).
 */
function nodeVpc({ subnetIds = '', securityGroupIds = '' }) {
  const subnets = list(subnetIds);
  const groups = list(securityGroupIds);
  if (subnets.length === 0 && groups.length === 0) return null;
  if (subnets.length === 0 || groups.length === 0)
    throw new Error(
      'vpcSubnetIds and vpcSecurityGroupIds go together: give both (comma-separated) or neither',
    );
  const bad = [
    ...subnets.filter((id) => !SUBNET.test(id)),
    ...groups.filter((id) => !SECURITY_GROUP.test(id)),
  ];
  if (bad.length > 0)
    throw new Error(
      `vpcSubnetIds takes subnet-… ids and vpcSecurityGroupIds sg-… ids, got ${bad.join(', ')}`,
    );
  return { subnetIds: subnets, securityGroupIds: groups };
}

/** The serverless.yml entry of the function `name` for the deployment `params`. */
function functionOf(name, params) {
  const manifest = manifestOf(name);
  const environment = environmentOf(name, params);
  const events = manifest.triggers.flatMap((trigger) => eventsOf(trigger, params));
  const vpc = nodeVpc({ subnetIds: params.vpcSubnetIds, securityGroupIds: params.vpcSecurityGroupIds });
  return {
    handler: `functions/${name}/handler.handler`,
    description: manifest.description,
    timeout: manifest.timeout,
    memorySize: manifest.memory,
    ...(manifest.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: manifest.reservedConcurrency }),
    ...(Object.keys(environment).length === 0 ? {} : { environment }),
    ...(events.length === 0 ? {} : { events }),
    ...(isAsync(name)
      ? { destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedInvocations', 'Arn'] } } } }
      : {}),
    // Without the VPC parameters, `vpc: null`: no VPC (osls accepts no `vpc` without both lists).
    ...(manifest.vpc ? { vpc } : {}),
    iamRoleStatementsName: roleName(name, params),
    iamRoleStatements: statementsFor(name, params),
  };
}

/** Every function's serverless.yml entry, by name, for the deployment `params` (stage, region and parameters). */
function functionsBlock(params) {
  return Object.fromEntries(FUNCTIONS.map((name) => [name, functionOf(name, params)]));
}

/** The deployment parameters the functions block reads, resolved by the Serverless Framework. */
const PARAMETERS = [
  'scanRate',
  'policyParameter',
  'changeTag',
  'memberRoleName',
  'memberExternalId',
  'organizationId',
  'securityHubExport',
  'vpcSubnetIds',
  'vpcSecurityGroupIds',
];

module.exports = {
  /** serverless.yml's `functions:` (through infra/serverless.cjs), for the deployment's stage, region and parameters. */
  functions: async ({ resolveVariable }) => {
    const params = {
      stage: await resolveVariable('sls:stage'),
      region: await resolveVariable('self:provider.region'),
    };
    for (const name of PARAMETERS) params[name] = String(await resolveVariable(`param:${name}`));
    return functionsBlock(params);
  },
};
