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
  scanConcurrency: (params) => ({ SCAN_CONCURRENCY: String(scanConcurrency(params)) }),
  scanBucket: () => ({ SCAN_BUCKET: { Ref: 'ScanBucket' } }),
};

/**
 * The `scanConcurrency` parameter: target-scan's reserved concurrency and the most items the
 * organisation scan's Map runs at once (org-scan clamps the policy's `concurrency` to it). Lambda
 * keeps 100 of the account's concurrency unreserved, so it can be at most the account's
 * concurrency minus 100 (minus what other functions reserve).
 */
function scanConcurrency(params) {
  const value = Number(params.scanConcurrency);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new Error(
      `the scanConcurrency parameter takes a whole number from 1 to 1000 (target-scan's reserved concurrency), got "${params.scanConcurrency}"`,
    );
  return value;
}

/** The reserved concurrency of a manifest: a number, or the deployment's `scanConcurrency`. */
const reservedConcurrencyOf = (reserved, params) =>
  reserved === 'scanConcurrency' ? scanConcurrency(params) : reserved;

/**
 * What a function acting through the member role reads: the role's name, and the name of the SSM
 * parameter holding the external id it asks for (never the id: it is read at run time).
 */
const memberAccess = (params) => ({
  MEMBER_ROLE_NAME: params.memberRoleName,
  MEMBER_EXTERNAL_ID_PARAMETER: params.memberExternalIdParameter,
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
  if ('eventBridge' in trigger) {
    const pattern = patternAt(trigger.eventBridge);
    const own = trigger.ownAccountOnly ? { account: [{ Ref: 'AWS::AccountId' }] } : {};
    return [{ eventBridge: { pattern: { ...pattern, ...own } } }];
  }
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
      : { reservedConcurrency: reservedConcurrencyOf(manifest.reservedConcurrency, params) }),
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

/**
 * The retired parameter that put the external id into the template, the functions' environment
 * and serverless-state.json. Its value is never repeated.
 */
const RETIRED_EXTERNAL_ID =
  "memberExternalId is retired: the external id would be readable in the template and every function's environment. Put it into SSM (aws ssm put-parameter --name /guardrails/member-external-id --type SecureString --value …) and deploy with --param=memberExternalIdParameter=/guardrails/member-external-id (CHANGELOG.md)";

/** Every function's serverless.yml entry, by name, for the deployment `params` (stage, region and parameters). */
function functionsBlock(params) {
  if ((params.memberExternalId ?? '') !== '') throw new Error(RETIRED_EXTERNAL_ID);
  return Object.fromEntries(FUNCTIONS.map((name) => [name, functionOf(name, params)]));
}

/** The deployment parameters the functions block reads, resolved by the Serverless Framework. */
const PARAMETERS = [
  'scanRate',
  'scanConcurrency',
  'policyParameter',
  'changeTag',
  'memberRoleName',
  'memberExternalId',
  'memberExternalIdParameter',
  'memberExternalIdKeyArn',
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
