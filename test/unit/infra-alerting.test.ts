/**
 * What reaches the alert topic through EventBridge: the violation-alert function's rule (its
 * manifest's trigger, through infra/functions.cjs) takes only the violations this deployment
 * emitted, never an event another account of the organisation put on the shared default bus; the
 * topic takes nothing from EventBridge itself (the function publishes with its role).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PSEUDO_PARAMETERS } from '../../infra/local/emulator/iam-policy.js';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/aws/notify.js';
import { matchesPattern } from '../event-pattern.js';

const require = createRequire(import.meta.url);
const { buildResources, functions } = require('../../infra/serverless.cjs') as {
  buildResources(params: Record<string, string>): {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  functions(options: {
    resolveVariable(name: string): Promise<string>;
  }): Promise<Record<string, { events?: { eventBridge?: { pattern: unknown } }[] }>>;
};
const params = {
  service: 'elasticache-guardrails',
  stage: 'prod',
  alertEmail: '',
  logRetentionDays: '90',
  organizationId: 'o-a1b2c3d4e5',
};
const OWN_ACCOUNT = PSEUDO_PARAMETERS['AWS::AccountId'] ?? '';
const MEMBER = '210987654321';

/** A CloudFormation value with the stack's pseudo parameters filled in (`{ Ref: 'AWS::AccountId' }`). */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (typeof value !== 'object' || value === null) return value;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string' && ref in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[ref];
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolved(inner)]));
}

/** The deployment values the functions block resolves, as the Serverless Framework would. */
const VARIABLES: Record<string, string> = {
  'sls:stage': 'prod',
  'self:provider.region': 'eu-west-1',
  'param:scanRate': 'rate(1 hour)',
  'param:memberRoleName': 'elasticache-guardrails-member',
  'param:scanConcurrency': '10',
};

/** Every EventBridge rule of a function that alerts (its role may publish to the topic), with its pattern resolved. */
async function alertRules() {
  const block = await functions({ resolveVariable: async (name) => VARIABLES[name] ?? '' });
  return Object.entries(block)
    .filter(([name]) => name === 'violation-alert')
    .flatMap(([name, entry]) =>
      (entry.events ?? []).map((event) => ({
        id: name,
        pattern: resolved(event.eventBridge?.pattern) as Record<string, never>,
      })),
    );
}

const violation = (account: string, source: string = EVENT_SOURCE) => ({
  version: '0',
  id: 'e1',
  source,
  'detail-type': DETAIL_TYPES.policyViolation,
  account,
  region: 'eu-west-1',
  time: '2026-12-01T00:00:00Z',
  resources: [],
  detail: {
    finding: { check: 'durability', resourceId: 'orders', rule: 'prod', reason: 'async below sync' },
  },
});

describe('Template: EventBridge rules to the alert topic', () => {
  it('passes a violation this deployment emitted (its own account and source) to the violation-alert function', async () => {
    const rules = await alertRules();
    expect(rules.map(({ id }) => id)).toEqual(['violation-alert']);
    for (const { id, pattern } of rules)
      expect(matchesPattern(pattern, violation(OWN_ACCOUNT)), id).toBe(true);
  });

  it("drops a 'Guardrails Policy Violation' a member account put on the bus with the app's source", async () => {
    for (const { id, pattern } of await alertRules())
      expect(matchesPattern(pattern, violation(MEMBER)), id).toBe(false);
  });

  it('drops a violation of the own account from another source', async () => {
    for (const { id, pattern } of await alertRules())
      expect(matchesPattern(pattern, violation(OWN_ACCOUNT, 'custom.guardrails')), id).toBe(false);
  });

  it('lets no EventBridge rule publish to the topic or use its key: the function publishes with its role', () => {
    const { Resources } = buildResources(params);
    const rulesToTopic = Object.values(Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(resource.Properties.Targets).includes('"Ref":"AlertTopic"'),
    );
    expect(rulesToTopic).toEqual([]);
    expect(JSON.stringify(Resources.AlertTopicPolicy)).not.toContain('events.amazonaws.com');
    expect(JSON.stringify(Resources.AlertTopicKey)).not.toContain('events.amazonaws.com');
  });
});
