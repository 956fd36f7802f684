/**
 * Each function's IAM statements, from its manifest (functions/<name>/function.ts: the actions its
 * code calls, the state-table partitions it uses, whether it assumes the member role), each
 * scoped to the narrowest resources and conditions the API allows. infra/functions.cjs hands
 * them to serverless.yml.
 */
const { join } = require('node:path');
const { require: requireTypeScript } = require('tsx/cjs/api');
const { isAsync, manifestOf } = require('./manifests.cjs');

/** The resource kinds the app knows (shared/domain/resource-kinds.ts): their reads and ARN kinds. */
const { RESOURCE_KINDS } = requireTypeScript(
  join(__dirname, '..', 'shared', 'domain', 'resource-kinds.ts'),
  __filename,
);
const KINDS = Object.values(RESOURCE_KINDS);
/** The kind every change this app makes acts on (durability, replicas, migration, parameter groups). */
const GROUP = RESOURCE_KINDS['replication-group'].arnKind;

/** The AWS actions the function `name` calls: its manifest's, with the member role's AssumeRole, each once. */
function actionsOf(name) {
  const { actions, memberAccess } = manifestOf(name);
  return [...new Set([...actions, ...(memberAccess ? ['sts:AssumeRole'] : [])])];
}

const MANAGED_TAG = 'guardrails:managed';
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

/** ElastiCache reads and the resource kinds they may name: each kind's own reads name that kind. */
const READ_SCOPES = {
  ...Object.fromEntries(
    KINDS.flatMap(({ iamReads, arnKind }) => iamReads.map((action) => [action.split(':')[1], [arnKind]])),
  ),
  DescribeCacheClusters: ['cluster'],
  DescribeSnapshots: ['snapshot'],
  ListTagsForResource: [...KINDS.map(({ arnKind }) => arnKind), 'snapshot'],
  DescribeCacheParameterGroups: ['parametergroup'],
  DescribeCacheParameters: ['parametergroup'],
};

/** A change of replication groups, limited to those carrying `changeTag` when one is set. */
const groupChange = (changeTag) => [
  {
    resources: elasticache(GROUP),
    ...(changeTag === undefined
      ? {}
      : { condition: { StringEquals: { [`aws:ResourceTag/${changeTag.key}`]: changeTag.value } } }),
  },
];

/** Resources (and a condition) for one ElastiCache action; `changeTag` limits changes to groups carrying it. */
function elasticacheScope(name, action, changeTag, namesParameterGroups) {
  const kinds = READ_SCOPES[name];
  if (kinds !== undefined) return [{ resources: elasticache(...kinds) }];
  switch (name) {
    case 'CreateCacheParameterGroup':
    case 'ModifyCacheParameterGroup':
      return [{ resources: elasticache('parametergroup') }];
    case 'ModifyReplicationGroup':
      // A function that creates parameter groups names them in its steps (CacheParameterGroupName):
      // ElastiCache authorises the parameter group too.
      return namesParameterGroups
        ? [...groupChange(changeTag), { resources: elasticache('parametergroup') }]
        : groupChange(changeTag);
    case 'IncreaseReplicaCount':
    case 'ModifyReplicationGroupShardConfiguration':
    case 'TestMigration':
    case 'StartMigration':
    case 'CompleteMigration':
      return groupChange(changeTag);
    case 'CreateSnapshot':
      // The group may be read; the snapshot it creates must carry our tag.
      return [
        { resources: elasticache(GROUP, 'cluster') },
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

/**
 * Resources (and a condition) for one action of the function `functionName`; `changeTag` limits
 * the changes to groups carrying it.
 */
function scope(functionName, action, changeTag, { memberRoleName, organizationId }) {
  const [service, name] = action.split(':');
  if (service === 'elasticache') {
    const namesParameterGroups = actionsOf(functionName).includes('elasticache:CreateCacheParameterGroup');
    return elasticacheScope(name, action, changeTag, namesParameterGroups);
  }
  switch (service) {
    case 'dynamodb': {
      // Only the partitions its code uses (its manifest's stateKeys). ForAllValues holds when the
      // key is absent, so Null requires it: every granted action names a partition key.
      const keys = manifestOf(functionName).stateKeys;
      if (keys.length === 0)
        throw new Error(`functions/${functionName}/function.ts calls ${action} but lists no stateKeys`);
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
    case 'states':
      return [{ resources: [{ Ref: 'UpgradeStateMachine' }] }]; // the scan starts staged upgrades only
    case 'tag':
    case 'cloudwatch':
      return [{ resources: ['*'] }]; // GetResources and GetMetricData take no resource
    case 'securityhub':
      // Findings of the deployment's own account and region, under its own default product
      // (a member's are imported with the member role, infra/member-access.yaml).
      return [
        {
          resources: [
            {
              'Fn::Sub':
                'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default',
            },
          ],
        },
      ];
    case 'account':
      // ListRegions of the deployment's own account (a member's are read with the member role).
      return [{ resources: [{ 'Fn::Sub': 'arn:${AWS::Partition}:account::${AWS::AccountId}:account' }] }];
    case 's3':
      // The scan bucket's run folders only (infra/scan-bucket.cjs).
      return [{ resources: [{ 'Fn::Sub': '${ScanBucket.Arn}/runs/*' }] }];
    case 'organizations':
      // Reads of the organisation's accounts and units: ListAccounts takes no resource, and the
      // organisation's id (in the ARNs of its roots and units) is not the stack's to know.
      return [{ resources: ['*'] }];
    case 'sts':
      // Only the member-access role (infra/member-access.yaml), by its name, in a member account:
      // of the deployment's organisation when it names one.
      return [
        {
          resources: [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/${memberRoleName}` }],
          ...(organizationId === ''
            ? {}
            : { condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } } }),
        },
      ];
    default:
      throw new Error(`no IAM scope known for ${action}`);
  }
}

/** The role the member-access stack creates unless told otherwise (shared/domain/targets.ts). */
const DEFAULT_MEMBER_ROLE = 'elasticache-guardrails-member';

/** The name rule the functions apply to MEMBER_EXTERNAL_ID_PARAMETER (shared/domain/targets.ts). */
const { SSM_PARAMETER_NAME_PATTERN } = requireTypeScript(
  join(__dirname, '..', 'shared', 'domain', 'targets.ts'),
  __filename,
);
/** A KMS key's ARN (a multi-Region key's id begins with mrk-). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;

/**
 * What a function reaching member accounts needs to read the external id: GetParameter on that one
 * parameter and, when a customer managed key encrypts it, Decrypt with that key through SSM in the
 * deployment's region. The AWS managed key aws/ssm needs no statement: its key policy lets every
 * principal of the account decrypt through SSM.
 */
function externalIdStatements(memberExternalIdParameter, memberExternalIdKeyArn) {
  if (memberExternalIdParameter === '') {
    if (memberExternalIdKeyArn !== '')
      throw new Error(
        'memberExternalIdKeyArn is set but memberExternalIdParameter is not: give both or neither',
      );
    return [];
  }
  if (!SSM_PARAMETER_NAME_PATTERN.test(memberExternalIdParameter))
    throw new Error(
      `memberExternalIdParameter must be an SSM parameter name (a-zA-Z0-9_.- segments split by /, not beginning with aws or ssm), got "${memberExternalIdParameter}"`,
    );
  const read = {
    Effect: 'Allow',
    Action: ['ssm:GetParameter'],
    Resource: [arn('ssm', `parameter/${memberExternalIdParameter.replace(/^\//, '')}`)],
  };
  if (memberExternalIdKeyArn === '') return [read];
  if (!KMS_KEY_ARN.test(memberExternalIdKeyArn))
    throw new Error(
      `memberExternalIdKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "${memberExternalIdKeyArn}"`,
    );
  return [
    read,
    {
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [memberExternalIdKeyArn],
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
    },
  ];
}

/** The IAM statements of one function: its code's actions grouped by resource scope. */
function statementsFor(
  name,
  {
    policyParameter = '',
    changeTag = '',
    memberRoleName = DEFAULT_MEMBER_ROLE,
    organizationId = '',
    memberExternalIdParameter = '',
    memberExternalIdKeyArn = '',
  } = {},
) {
  if (!/^[\w+=,.@-]{1,64}$/.test(memberRoleName))
    throw new Error(`memberRoleName must be an IAM role name, got "${memberRoleName}"`);
  const actions = actionsOf(name);
  const tag = parseChangeTag(changeTag);
  const groups = new Map();
  for (const action of actions) {
    for (const { resources, condition } of scope(name, action, tag, { memberRoleName, organizationId })) {
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
  // Invoked asynchronously: its failures go to the FailedInvocations queue (its on-failure destination).
  if (isAsync(name))
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
  // Checked for every function, so a bad name fails the packaging whichever functions read it.
  const externalId = externalIdStatements(memberExternalIdParameter, memberExternalIdKeyArn);
  if (manifestOf(name).memberAccess) statements.push(...externalId);
  return statements;
}

/**
 * The roles of the functions are named `guardrails-<function>-<stage>-<region>`: the function
 * right after the fixed prefix, so the member trust (infra/member-access.yaml) admits exactly the
 * roles of the functions that assume the member role (`guardrails-org-scan-*`) whatever the
 * stage, and the region last, so one account holds a deployment per region.
 */
const ROLE_PREFIX = 'guardrails';
/** IAM's limit on a role name. */
const MAX_ROLE_NAME = 64;
/** The longest stage the deployment supports: its role names fit in every region (the longest name has 15 characters). */
const MAX_STAGE = 12;

/** The IAM role name of the function `name` in the deployment's `stage` and `region`. */
function roleName(name, { stage, region }) {
  const role = `${ROLE_PREFIX}-${name}-${stage}-${region}`;
  if (role.length > MAX_ROLE_NAME)
    throw new Error(
      `the role name ${role} has ${role.length} characters, over IAM's ${MAX_ROLE_NAME}: use a shorter stage (one of ${MAX_STAGE} characters fits every region)`,
    );
  return role;
}

module.exports = { actionsOf, statementsFor, roleName, ROLE_PREFIX, MAX_STAGE };
