/**
 * What the first deploy on real AWS needs of the packaged template (osls package, no
 * credentials), packaged twice: stage `production` in ap-southeast-2 with the default
 * parameters, and the longest stage in the longest region with the organisation parameters
 * (organisation, Security Hub export, VPC). IAM role names fit in 64 characters in every region,
 * and the member template trusts exactly the roles that assume the member role.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, type PolicyStatement } from '../../iam-evaluation.js';
import { awsRegions, type Packaged, packageTemplate, ROOT, type Template } from './packaging.js';

const require = createRequire(import.meta.url);
const { roleName, MAX_STAGE } = require('../../../infra/iam.cjs') as {
  roleName(name: string, where: { stage: string; region: string }): string;
  MAX_STAGE: number;
};
const FUNCTIONS = Object.keys(require('../../../infra/permissions.json') as object).filter(
  (name) => !name.startsWith('$'),
);
/** The functions that assume the member role (their code calls sts:AssumeRole). */
const ASSUMING = ['durability-react', 'durability-scan', 'encryption-drift', 'org-scan'];
const LONGEST_STAGE = 'staging-long';
/**
 * The longest region osls packages for (its provider.region schema lacks us-isof-*, eu-isoe-*
 * and eusc-*): the walk below gives the names of the longer ones from this template.
 */
const PACKAGED_REGION = 'us-isob-east-1';
const PRODUCTION = { stage: 'production', region: 'ap-southeast-2' };
const ORGANISATION_PARAMS = {
  organizationId: 'o-a1b2c3d4e5',
  securityHubExport: 'true',
  vpcSubnetIds: 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002',
  vpcSecurityGroupIds: 'sg-0a1b2c3d4e5f60003',
};
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
    packageTemplate(PRODUCTION.stage, PRODUCTION.region),
    packageTemplate(LONGEST_STAGE, PACKAGED_REGION, ORGANISATION_PARAMS),
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
      expect(resolved.every((part) => typeof part === 'string')).toBe(true);
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
