/**
 * What the first deploy on real AWS needs of the packaged template (osls package, no
 * credentials), packaged twice: stage `production` in ap-southeast-2 with the default
 * parameters, and the longest stage in the longest region with the organisation parameters
 * (organisation, Security Hub export, VPC). IAM role names fit in 64 characters in every region,
 * and the member template trusts exactly the roles that assume the member role; the functions
 * that connect to cache nodes run in the VPC given; no rule waits for an event AWS never sends
 * or reacts to a failed call; the Distributed Map's role reaches its child executions; and
 * cfn-lint finds no error in the templates; the deploy IAM policy covers both templates and osls;
 * docs/operations.md lists every alarm.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, type PolicyStatement } from '../../../infra/local/emulator/iam-policy.js';
import { expectEvery } from '../../expect-every.js';
import { FUNCTIONS, NODE_READERS } from '../../manifests.js';
import {
  allows,
  handlerActions,
  OSLS_FILES,
  OSLS_IMPLIED,
  OSLS_UNREACHED,
  oslsActions,
  policyActions,
  readPolicy,
} from './deploy-policy.js';
import {
  awsRegions,
  DEFAULT_DEPLOYMENT,
  filesHolding,
  type Packaged,
  PackagingError,
  packageTemplate,
  type Resource,
  ROOT,
  roleStatements,
  type Template,
} from './packaging.js';

const require = createRequire(import.meta.url);
const { roleName, MAX_STAGE } = require('../../../infra/iam.cjs') as {
  roleName(name: string, where: { stage: string; region: string }): string;
  MAX_STAGE: number;
};
const { actionsOf, lambdaLogicalId } = require('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
  lambdaLogicalId(name: string): string;
};
/** The functions that assume the member role (their code calls sts:AssumeRole). */
const ASSUMING = ['durability-react', 'encryption-drift', 'org-scan', 'target-scan'];
const LONGEST_STAGE = 'staging-long';
/**
 * The longest region osls packages for (its provider.region schema lacks us-isof-*, eu-isoe-*
 * and eusc-*): the walk below gives the names of the longer ones from this template.
 */
const PACKAGED_REGION = 'us-isob-east-1';
const PRODUCTION = DEFAULT_DEPLOYMENT;
const ORGANISATION_PARAMS = {
  organizationId: 'o-a1b2c3d4e5',
  securityHubExport: 'true',
  vpcSubnetIds: 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002',
  vpcSecurityGroupIds: 'sg-0a1b2c3d4e5f60003',
  memberExternalIdParameter: '/guardrails/member-external-id',
  memberExternalIdKeyArn:
    'arn:aws-iso-b:kms:us-isob-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};
/** An external id as an operator would have given it to the retired memberExternalId parameter. */
const SECRET_EXTERNAL_ID = 'guardrails-ext-0f3a9c2e51d04b68';
const CENTRAL_ACCOUNT = '123456789012';

const member = parse(readFileSync(`${ROOT}/infra/member-access.yaml`, 'utf8')) as Template & {
  Parameters: Record<string, { AllowedPattern?: string }>;
};
let regions: string[];
let longestRegion: string;
let production: Packaged;
let organisation: Packaged;

beforeAll(async () => {
  regions = await awsRegions();
  longestRegion = regions.reduce((longest, region) => (region.length > longest.length ? region : longest));
  [production, organisation] = await Promise.all([
    packageTemplate(PRODUCTION),
    packageTemplate({ stage: LONGEST_STAGE, region: PACKAGED_REGION, params: ORGANISATION_PARAMS }),
  ]);
}, 300_000);

/** Every role of the template: its logical id and its name as deployed in `region` (undefined: CloudFormation names it). */
function roleNamesIn(template: Template, packagedRegion: string, region: string) {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .map(([id, role]) => {
      const name = role.Properties.RoleName as unknown;
      if (name === undefined) return { id, name: undefined };
      if (typeof name === 'string') {
        // A name fixed at packaging embeds the packaged region once: the name packaging in `region` gives.
        expect(name.split(packagedRegion), `${id} names its region once`).toHaveLength(2);
        return { id, name: name.replace(packagedRegion, region) };
      }
      const [separator, parts] = (name as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      const resolved = parts.map((part) =>
        typeof part === 'string' ? part : (part as { Ref: string }).Ref === 'AWS::Region' ? region : part,
      );
      expectEvery(resolved, (part) => typeof part === 'string', `${id} name parts`);
      return { id, name: resolved.join(separator) };
    });
}

/** The member role's trust statement, its ArnLike resolved for the central account. */
function memberTrust(): PolicyStatement {
  const role = member.Resources.MemberRole?.Properties as {
    AssumeRolePolicyDocument: { Statement: (PolicyStatement & { Principal: unknown })[] };
  };
  const [trust] = role.AssumeRolePolicyDocument.Statement;
  const condition = trust?.Condition as { ArnLike: { 'aws:PrincipalArn': { 'Fn::Sub': string }[] } };
  const patterns = condition.ArnLike['aws:PrincipalArn'].map((arn) =>
    arn['Fn::Sub'].replace(/\$\{AWS::Partition\}/, 'aws').replace(/\$\{CentralAccountId\}/, CENTRAL_ACCOUNT),
  );
  return {
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': patterns } },
  };
}

describe('Deploy on real AWS: IAM role names', () => {
  it('packages stage production in ap-southeast-2, its function roles named by roleName', () => {
    const names = roleNamesIn(production.template, PRODUCTION.region, PRODUCTION.region);
    for (const name of FUNCTIONS)
      expect(names.map((role) => role.name)).toContain(roleName(name, PRODUCTION));
  });

  it('keeps every role name within 64 characters for the longest stage in every region AWS has', () => {
    expect(LONGEST_STAGE).toHaveLength(MAX_STAGE);
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'ap-southeast-5', PACKAGED_REGION]));
    expect(longestRegion.length).toBeGreaterThanOrEqual(PACKAGED_REGION.length);
    const tooLong = regions.flatMap((region) =>
      roleNamesIn(organisation.template, PACKAGED_REGION, region)
        .filter(({ name }) => name !== undefined && name.length > 64)
        .map(({ name }) => name),
    );
    expect(tooLong).toEqual([]);
  });

  it('lets the member role be assumed by the roles of exactly the four functions that assume it, in every region', () => {
    const trust = memberTrust();
    for (const region of regions) {
      const roles = [
        ...roleNamesIn(organisation.template, PACKAGED_REGION, region),
        ...roleNamesIn(production.template, PRODUCTION.region, region),
      ].filter((role): role is { id: string; name: string } => role.name !== undefined);
      const admitted = roles.filter(
        ({ name }) =>
          evaluate([trust], {
            action: 'sts:AssumeRole',
            resource: '*',
            context: { 'aws:PrincipalArn': `arn:aws:iam::${CENTRAL_ACCOUNT}:role/${name}` },
          }) === 'allowed',
      );
      const functionsOf = (list: { name: string }[]) =>
        [
          ...new Set(list.map(({ name }) => FUNCTIONS.find((fn) => name.startsWith(`guardrails-${fn}-`)))),
        ].sort();
      expect(functionsOf(admitted), region).toEqual(ASSUMING);
      expect(admitted, region).toHaveLength(2 * ASSUMING.length);
    }
  });

  it("accepts every region in the member template's region parameters", () => {
    const pattern = (name: string) => new RegExp(member.Parameters[name]?.AllowedPattern ?? '^$');
    for (const region of regions) {
      expect(pattern('MemberRoleRegion').test(region), region).toBe(true);
      expect(
        pattern('CentralEventBusArn').test(`arn:aws:events:${region}:${CENTRAL_ACCOUNT}:event-bus/default`),
        region,
      ).toBe(true);
    }
  });
});

const functionsOf = (template: Template, has: (lambda: Resource) => boolean) =>
  FUNCTIONS.filter((name) => {
    const lambda = template.Resources[lambdaLogicalId(name)];
    return lambda !== undefined && has(lambda);
  }).sort();
const VPC_POLICY = /:iam::aws:policy\/service-role\/AWSLambdaVPCAccessExecutionRole/;
const withVpcPolicy = (template: Template) =>
  FUNCTIONS.filter((name) => {
    const role =
      template.Resources[`${lambdaLogicalId(name).replace(/LambdaFunction$/, '')}IamRoleLambdaExecution`];
    return VPC_POLICY.test(JSON.stringify(role?.Properties.ManagedPolicyArns ?? []));
  }).sort();

describe('Deploy on real AWS: VPC for the functions that connect to cache nodes', () => {
  it('puts no function in a VPC without the VPC parameters', () => {
    expect(functionsOf(production.template, (lambda) => lambda.Properties.VpcConfig !== undefined)).toEqual(
      [],
    );
    expect(withVpcPolicy(production.template)).toEqual([]);
  });

  it('puts exactly the node readers in the given subnets and security groups, their roles allowed the network interfaces', () => {
    const inVpc = functionsOf(organisation.template, (lambda) => lambda.Properties.VpcConfig !== undefined);
    expect(inVpc).toEqual([...NODE_READERS].sort());
    for (const name of NODE_READERS)
      expect(organisation.template.Resources[lambdaLogicalId(name)]?.Properties.VpcConfig).toEqual({
        SubnetIds: ORGANISATION_PARAMS.vpcSubnetIds.split(','),
        SecurityGroupIds: [ORGANISATION_PARAMS.vpcSecurityGroupIds],
      });
    expect(withVpcPolicy(organisation.template)).toEqual([...NODE_READERS].sort());
  });

  it('names in the README an endpoint for every AWS service the node readers call', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('**VPC for the node connections.**'));
    const services = new Set(
      NODE_READERS.flatMap((name) => actionsOf(name).map((action) => action.split(':')[0])),
    );
    expect([...services].sort()).toEqual(['dynamodb', 'elasticache', 'events']);
    for (const service of services) expect(section).toContain(`com.amazonaws.<region>.${service}`);
  });
});

/**
 * Whether EventBridge delivers `event` to a rule of `pattern`: exact values and `exists`, the
 * filters the app's patterns use; any other filter is an error, never a match.
 */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (!Array.isArray(expected))
      return (
        typeof actual === 'object' &&
        actual !== null &&
        matches(expected as Record<string, unknown>, actual as Record<string, unknown>)
      );
    return expected.some((filter: unknown) => {
      if (typeof filter !== 'object' || filter === null) return [actual].flat().includes(filter);
      const { exists, ...others } = filter as { exists?: boolean };
      if (exists === undefined || Object.keys(others).length > 0)
        throw new Error(`event filter ${JSON.stringify(filter)} is not supported`);
      return (actual !== undefined) === exists;
    });
  });
}

const eventPatterns = (template: Template) =>
  Object.values(template.Resources)
    .filter(
      (resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties.EventPattern !== undefined,
    )
    .map((rule) => rule.Properties.EventPattern as Record<string, unknown>);
/** The service events ElastiCache sends to EventBridge (EventBridge's ElastiCache event reference). */
const SERVICE_EVENTS = ['Cache Created', 'Cache Updated', 'Cache Deleted', 'Cache Update Failed'];
const CLOUDTRAIL = 'AWS API Call via CloudTrail';
const call = (detail: Record<string, unknown>) => ({
  source: 'aws.elasticache',
  'detail-type': CLOUDTRAIL,
  detail: { eventSource: 'elasticache.amazonaws.com', eventName: 'ModifyReplicationGroup', ...detail },
});

describe('Deploy on real AWS: EventBridge rules', () => {
  const templates = () => ({ production: production.template, organisation: organisation.template, member });

  it('has no rule for the replication-group service events ElastiCache never publishes', () => {
    for (const [name, template] of Object.entries(templates()))
      for (const detailType of SERVICE_EVENTS) {
        const event = {
          source: 'aws.elasticache',
          'detail-type': detailType,
          detail: { SourceType: 'replication-group', SourceIdentifier: 'orders' },
        };
        expect(
          eventPatterns(template).filter((pattern) => matches(pattern, event)),
          `${name}: ${detailType}`,
        ).toEqual([]);
      }
  });

  it('reacts to successful CloudTrail calls only: every CloudTrail pattern requires errorCode absent', () => {
    for (const [name, template] of Object.entries(templates())) {
      const cloudTrail = eventPatterns(template).filter((pattern) =>
        (pattern['detail-type'] as string[]).includes(CLOUDTRAIL),
      );
      expect(cloudTrail.length, name).toBeGreaterThan(0);
      for (const pattern of cloudTrail)
        expect((pattern.detail as { errorCode?: unknown }).errorCode, name).toEqual([{ exists: false }]);
      expect(
        cloudTrail.some((pattern) => matches(pattern, call({}))),
        name,
      ).toBe(true);
      expect(
        cloudTrail.filter((pattern) => matches(pattern, call({ errorCode: 'InvalidParameterValue' }))),
        name,
      ).toEqual([]);
    }
  });
});

describe('Deploy on real AWS: the Distributed Map of the organisation scan', () => {
  it('lets the state machine start, describe and stop its own child executions, as the Step Functions guide shows', () => {
    const machine = production.template.Resources.OrgScanStateMachine as Resource;
    const name = machine.Properties.StateMachineName as string;
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = roleStatements(production.template.Resources[roleId] as Resource).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('states:')),
    ) as PolicyStatement[];
    const arn = (resource: string) => `arn:aws:states:eu-west-1:123456789012:${resource}`;
    const decide = (action: string, resource: string) => evaluate(statements, { action, resource });

    expect(statements.map(({ Action, Resource: resource }) => ({ Action, Resource: resource }))).toEqual([
      {
        Action: ['states:StartExecution'],
        Resource: [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}`,
          },
        ],
      },
      {
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${name}/*`,
          },
        ],
      },
    ]);
    expect(decide('states:StartExecution', arn(`stateMachine:${name}`))).toBe('allowed');
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(decide(action, arn(`execution:${name}/ScanTargets:0f1e2d3c-0000-4000-8000-000000000001`))).toBe(
        'allowed',
      );
      expect(decide(action, arn(`execution:${name}-other/ScanTargets:1`))).toBe('implicitly denied');
    }
  });
});

/** Whether cfn-lint runs here (CI installs it where Debian packages it). */
const CFN_LINT = spawnSync('cfn-lint', ['--version']).status === 0;
interface LintMatch {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
}

/**
 * cfn-lint's findings on the template files, by file: one cfn-lint run for all of them (each run
 * loads its specifications for seconds). Its exit status is non-zero whenever it finds any.
 */
async function lint(paths: string[]): Promise<Map<string, LintMatch[]>> {
  const output = await promisify(execFile)('cfn-lint', ['--format', 'json', '--', ...paths], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => {
    if (typeof error.stdout !== 'string' || error.stdout === '') throw error;
    return { stdout: error.stdout };
  });
  const byFile = new Map(paths.map((path) => [path, [] as LintMatch[]]));
  for (const match of JSON.parse(output.stdout) as LintMatch[]) {
    // A finding on no file linted would otherwise be lost.
    const file = byFile.get(match.Filename);
    if (file === undefined) throw new Error(`cfn-lint named a file it was not given: ${match.Filename}`);
    file.push(match);
  }
  return byFile;
}

describe.skipIf(!CFN_LINT)(
  `Deploy on real AWS: cfn-lint${CFN_LINT ? '' : ' (skipped: cfn-lint is not installed and Debian has no package for it)'}`,
  () => {
    const MEMBER_TEMPLATE = `${ROOT}/infra/member-access.yaml`;
    let findings: Map<string, LintMatch[]>;
    beforeAll(async () => {
      findings = await lint([production.path, organisation.path, MEMBER_TEMPLATE]);
    }, 180_000);

    it.each([
      ['production, default parameters', () => production.path],
      ['longest stage and region, organisation and VPC parameters', () => organisation.path],
      ['infra/member-access.yaml', () => MEMBER_TEMPLATE],
    ])('finds no error in the template (%s)', (_name, path) => {
      expect(findings.has(path())).toBe(true);
      const errors = (findings.get(path()) ?? []).filter((match) => match.Level === 'Error');
      expect(errors.map((match) => `${match.Rule.Id} ${match.Message}`)).toEqual([]);
    });
  },
);

describe('Deploy on real AWS: the deploy IAM policy (docs/deploy-policy.json)', () => {
  const policy = readPolicy('docs/deploy-policy.json');
  const osls = () =>
    new Set(
      [
        ...OSLS_FILES.flatMap((file) =>
          oslsActions(readFileSync(`${ROOT}/node_modules/osls/lib/plugins/aws/${file}`, 'utf8')),
        ),
        ...Object.keys(OSLS_IMPLIED),
      ].filter((action) => OSLS_UNREACHED[action] === undefined),
    );

  it('allows every permission the resource handlers of each template resource type declare', () => {
    for (const [name, template] of [
      ['production', production.template],
      ['organisation', organisation.template],
    ] as const)
      for (const [type, actions] of handlerActions(template))
        expect(
          [...actions].filter((action) => !allows(policy, action)),
          `${name}: ${type}`,
        ).toEqual([]);
  });

  it('allows every call osls makes to deploy, roll back and remove the stack', () => {
    expect([...osls()].filter((action) => !allows(policy, action))).toEqual([]);
  });

  it('names no action that neither a template resource type nor osls needs', () => {
    const needed = new Set([
      ...osls(),
      ...[production.template, organisation.template].flatMap((template) =>
        [...handlerActions(template).values()].flatMap((actions) => [...actions]),
      ),
    ]);
    expect([...policyActions(policy)].filter((action) => !needed.has(action))).toEqual([]);
  });

  it('fits in the inline policies of one role (10 240 characters, whitespace not counted)', () => {
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(10_240);
  });
});

describe('Deploy on real AWS: every alarm is in docs/operations.md', () => {
  it('lists each alarm of the packaged templates by its logical id', () => {
    const operations = readFileSync(`${ROOT}/docs/operations.md`, 'utf8');
    for (const template of [production.template, organisation.template]) {
      const alarms = Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
        .map(([id]) => id);
      expect(alarms.length).toBeGreaterThan(0);
      expect(alarms.filter((id) => !operations.includes(`\`${id}\``))).toEqual([]);
    }
  });
});

describe('Deploy on real AWS: the external id stays a secret', () => {
  it('gives the functions that assume member roles the name of the SSM parameter, never an id', () => {
    const variables = Object.fromEntries(
      FUNCTIONS.map((name) => {
        const lambda = organisation.template.Resources[lambdaLogicalId(name)];
        const environment = lambda?.Properties.Environment as
          | { Variables?: Record<string, unknown> }
          | undefined;
        return [name, environment?.Variables ?? {}];
      }),
    );
    const naming = FUNCTIONS.filter((name) => 'MEMBER_EXTERNAL_ID_PARAMETER' in (variables[name] ?? {}));

    expect(naming).toEqual(ASSUMING);
    for (const name of ASSUMING)
      expect(variables[name]?.MEMBER_EXTERNAL_ID_PARAMETER).toBe(
        ORGANISATION_PARAMS.memberExternalIdParameter,
      );
    expect(FUNCTIONS.filter((name) => 'MEMBER_EXTERNAL_ID' in (variables[name] ?? {}))).toEqual([]);
  });

  it('refuses the retired memberExternalId in one line naming SSM, and nothing it leaves holds the id', async () => {
    const outcome = await packageTemplate({
      stage: 'retired',
      region: 'eu-west-1',
      params: { memberExternalId: SECRET_EXTERNAL_ID },
    }).catch((error: unknown) => error);
    const dir = outcome instanceof PackagingError ? outcome.dir : (outcome as Packaged).dir;

    // The template, serverless-state.json and every function's environment in them.
    expect(filesHolding(dir, SECRET_EXTERNAL_ID)).toEqual([]);
    expect(outcome).toBeInstanceOf(PackagingError);
    const output = (outcome as PackagingError).output;
    expect(output).toMatch(
      /memberExternalId is retired: .* --type SecureString .* --param=memberExternalIdParameter=/,
    );
    expect(output).not.toContain(SECRET_EXTERNAL_ID);
  }, 300_000);
});
