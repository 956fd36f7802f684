/**
 * What reaches the alert topic through EventBridge (infra/alerting.cjs through buildResources):
 * only the violations this deployment emitted, never an event another account of the
 * organisation put on the shared default bus.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PSEUDO_PARAMETERS } from '../../infra/local/emulator/iam-policy.js';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/aws/notify.js';
import { matchesPattern } from '../event-pattern.js';

const require = createRequire(import.meta.url);
const { buildResources } = require('../../infra/serverless.cjs') as {
  buildResources(params: Record<string, string>): {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
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

/** Every rule whose target is the alert topic, with its pattern resolved. */
function alertRules() {
  return Object.entries(buildResources(params).Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
    .filter(([, rule]) => JSON.stringify(rule.Properties.Targets).includes('"Ref":"AlertTopic"'))
    .map(([id, rule]) => ({ id, pattern: resolved(rule.Properties.EventPattern) as Record<string, never> }));
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
  it('passes a violation this deployment emitted (its own account and source)', () => {
    const rules = alertRules();
    expect(rules.map(({ id }) => id)).toEqual(['ViolationAlertsRule']);
    for (const { id, pattern } of rules)
      expect(matchesPattern(pattern, violation(OWN_ACCOUNT)), id).toBe(true);
  });

  it("drops a 'Guardrails Policy Violation' a member account put on the bus with the app's source", () => {
    for (const { id, pattern } of alertRules())
      expect(matchesPattern(pattern, violation(MEMBER)), id).toBe(false);
  });

  it('drops a violation of the own account from another source', () => {
    for (const { id, pattern } of alertRules())
      expect(matchesPattern(pattern, violation(OWN_ACCOUNT, 'custom.guardrails')), id).toBe(false);
  });
});
