/**
 * The state machines of infra/*.asl.yaml as serverless.yml deploys them: each `${<function name>}`
 * placeholder replaced by that function's ARN; and the organisation scan's role.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');
const { FUNCTIONS } = require('./manifests.cjs');

const PLACEHOLDER = /^\$\{([a-z][a-z-]*)\}$/;

/** CloudFormation logical id Serverless gives a function (`migration-sync` → `MigrationDashsyncLambdaFunction`). */
function lambdaLogicalId(name) {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized[0].toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** `value` with each `${<function name>}` replaced by `visit(name)`. */
function mapPlaceholders(value, visit) {
  if (typeof value === 'string') {
    const placeholder = value.match(PLACEHOLDER);
    if (placeholder === null) return value;
    if (!FUNCTIONS.includes(placeholder[1])) throw new Error(`no function named ${placeholder[1]}`);
    return visit(placeholder[1]);
  }
  if (Array.isArray(value)) return value.map((item) => mapPlaceholders(item, visit));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapPlaceholders(item, visit)]),
    );
  return value;
}

/** The definition of infra/<file>, as written (placeholders kept). */
const definitionOf = (file) => parse(readFileSync(join(__dirname, file), 'utf8'), { merge: true });

/** The definition of infra/<file> with each function's ARN in place of its placeholder. */
const deployed = (file) =>
  mapPlaceholders(definitionOf(file), (name) => ({ 'Fn::GetAtt': [lambdaLogicalId(name), 'Arn'] }));

/** The functions a definition invokes, each once. */
function functionsInvoked(definition) {
  const names = new Set();
  mapPlaceholders(definition, (name) => names.add(name));
  return [...names];
}

const statesArn = (resource) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

/**
 * The organisation scan's role (serverless.yml names it as the state machine's `role`): what
 * serverless-step-functions generates, but with the Distributed Map's permissions as the Step
 * Functions guide gives them ("IAM policies for using Distributed Map states"): StartExecution on
 * the state machine itself, DescribeExecution and StopExecution on its child executions,
 * `execution:<name>/*` (a child is `execution:<name>/<map run label>:<id>`; the plugin's
 * `execution:<name>:*` matches only the parent's own executions); and the scan bucket's run
 * folders for the Map's ItemReader and ResultWriter.
 */
function orgScanStateMachineRole(stateMachineName) {
  const invoked = functionsInvoked(definitionOf('org-scan.asl.yaml')).map((name) => ({
    'Fn::GetAtt': [lambdaLogicalId(name), 'Arn'],
  }));
  const statements = [
    {
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: invoked.flatMap((arn) => [arn, { 'Fn::Sub': ['${arn}:*', { arn }] }]),
    },
    {
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: [statesArn(`stateMachine:${stateMachineName}`)],
    },
    {
      Effect: 'Allow',
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: [statesArn(`execution:${stateMachineName}/*`)],
    },
    {
      // The Map's ItemReader reads the targets (s3:GetObject); its ResultWriter writes the results,
      // in parts when large ("IAM policies for ResultWriter": PutObject, GetObject,
      // ListMultipartUploadParts, AbortMultipartUpload). Only the run folders of the scan bucket.
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      Resource: [{ 'Fn::Sub': '${ScanBucket.Arn}/runs/*' }],
    },
    {
      // Execution logging (loggingConfig) through CloudWatch Logs' log delivery: these take no resource.
      Effect: 'Allow',
      Action: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      Resource: '*',
    },
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'states.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [
        { PolicyName: 'org-scan', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
    },
  };
}

module.exports = {
  FUNCTIONS,
  lambdaLogicalId,
  orgScanStateMachineRole,
  migrationDefinition: () => deployed('migration.asl.yaml'),
  upgradeDefinition: () => deployed('durability-upgrade.asl.yaml'),
  orgScanDefinition: () => deployed('org-scan.asl.yaml'),
};
