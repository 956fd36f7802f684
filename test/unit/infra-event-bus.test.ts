/**
 * The central bus's side of reactions across accounts (infra/event-bus.cjs through
 * buildResources): member accounts of the organisation may put events on the bus the
 * reactions listen on, nobody else, and a one-account deployment gets no policy.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { evaluate, type PolicyStatement, resolveValue } from '../../infra/local/emulator/iam-policy.js';
import { EVENT_PATTERNS as patterns } from '../../shared/aws/event-patterns.js';

const require = createRequire(import.meta.url);
const { buildResources } = require('../../infra/serverless.cjs') as {
  buildResources(params: Record<string, string>): {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    Outputs: Record<string, { Value: unknown }>;
  };
};
const ORGANIZATION = 'o-a1b2c3d4e5';
const BUS = 'arn:aws:events:eu-west-1:123456789012:event-bus/default';
const params = { service: 'elasticache-guardrails', stage: 'prod', alertEmail: '', logRetentionDays: '90' };
const busPolicies = (organizationId: string) =>
  Object.values(buildResources({ ...params, organizationId }).Resources).filter(
    (resource) => resource.Type === 'AWS::Events::EventBusPolicy',
  );

describe('Template: the central event bus', () => {
  it('lets only principals of the organisation put events on the default bus', () => {
    // Act
    const [policy, ...others] = busPolicies(ORGANIZATION);
    const statement = policy?.Properties.Statement as PolicyStatement & { Principal: unknown };
    const put = (organization: string | undefined, resource = BUS, action = 'events:PutEvents') =>
      evaluate([statement], {
        action,
        resource,
        context: organization === undefined ? {} : { 'aws:PrincipalOrgID': organization },
      });

    // Assess
    expect(others).toEqual([]);
    expect(policy?.Properties.EventBusName).toBe('default');
    expect(put(ORGANIZATION)).toBe('allowed');
    expect(put('o-someoneelse')).toBe('implicitly denied');
    expect(put(undefined)).toBe('implicitly denied');
    expect(put(ORGANIZATION, 'arn:aws:events:eu-west-1:123456789012:event-bus/other')).toBe(
      'implicitly denied',
    );
    expect(put(ORGANIZATION, BUS, 'events:PutRule')).toBe('implicitly denied');
  });

  it('names the bus a member stack forwards to as an output', () => {
    const outputs = buildResources({ ...params, organizationId: ORGANIZATION }).Outputs;
    expect(resolveValue(outputs.CentralEventBusArn?.Value)).toBe(BUS);
  });

  it('has no bus policy and no bus output in a one-account deployment', () => {
    expect(busPolicies('')).toEqual([]);
    expect(buildResources({ ...params, organizationId: '' }).Outputs).not.toHaveProperty(
      'CentralEventBusArn',
    );
  });

  it('refuses an organisation id that is not one, naming the parameter', () => {
    expect(() => busPolicies('123456789012')).toThrow(
      'organizationId must be an organisation id (o-…), got "123456789012"',
    );
  });

  it('reacts to events of any account: no pattern pins one', () => {
    const all = [patterns.durabilityReact.cloudTrail, patterns.encryptionDrift.cloudTrail];
    for (const pattern of all) expect(pattern).not.toHaveProperty('account');
  });
});
