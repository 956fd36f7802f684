/**
 * docs/deploy-organisation.md is enough to deploy from: the delegation policy it gives lets the
 * central account make every Organizations call of the functions, every StackSet command it shows
 * is allowed by docs/deploy-policy-stackset.json, and each prerequisite of the issue is on the page.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, manifestOf } from '../../manifests.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const page = read('docs/deploy-organisation.md');

interface Statement {
  Effect: string;
  Action: string | string[];
}
const actionsOf = (statements: Statement[]) =>
  new Set(
    statements
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => [statement.Action].flat()),
  );

/** The JSON block after `<!-- name -->` on the page. */
function jsonAfter(marker: string): { Statement: Statement[] } {
  const start = page.indexOf(`<!-- ${marker} -->`);
  const block = /```json\n([\s\S]*?)```/.exec(page.slice(start));
  if (start < 0 || block === null) throw new Error(`no JSON block after <!-- ${marker} -->`);
  return JSON.parse(block[1] as string) as { Statement: Statement[] };
}

/** Each `aws cloudformation <verb> … --call-as X` command of the page (continuation lines joined). */
function stackSetCommands(): { action: string; callAs: string }[] {
  const joined = page.replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/aws cloudformation ([a-z-]+)([^\n]*)/g)]
    .filter(([, , rest]) => (rest as string).includes('--call-as'))
    .map(([, verb, rest]) => ({
      action: `cloudformation:${(verb as string).replace(/(^|-)([a-z])/g, (_, _dash, letter: string) => letter.toUpperCase())}`,
      callAs: /--call-as (\S+)/.exec(rest as string)?.[1] ?? '',
    }));
}

describe('docs/deploy-organisation.md', () => {
  it("gives a delegation policy that allows every Organizations action of the functions' manifests", () => {
    const delegated = actionsOf(jsonAfter('organizations-delegation-policy').Statement);
    const called = new Set(
      FUNCTIONS.flatMap((name) =>
        manifestOf(name).actions.filter((action) => action.startsWith('organizations:')),
      ),
    );
    expect(called.size).toBeGreaterThan(0);
    expect([...called].filter((action) => !delegated.has(action))).toEqual([]);
  });

  it('shows StackSet commands as the delegated administrator, each allowed by docs/deploy-policy-stackset.json', () => {
    const allowed = actionsOf(
      (JSON.parse(read('docs/deploy-policy-stackset.json')) as { Statement: Statement[] }).Statement,
    );
    const commands = stackSetCommands();
    expect(commands.map(({ action }) => action)).toEqual(
      expect.arrayContaining([
        'cloudformation:CreateStackSet',
        'cloudformation:CreateStackInstances',
        'cloudformation:UpdateStackSet',
        'cloudformation:DeleteStackInstances',
        'cloudformation:DeleteStackSet',
      ]),
    );
    expect(commands.filter(({ callAs }) => callAs !== 'DELEGATED_ADMIN')).toEqual([]);
    expect(commands.filter(({ action }) => !allowed.has(action))).toEqual([]);
  });

  it.each([
    ['the delegated administrator and its policy call', 'aws organizations put-resource-policy'],
    ['StackSets trusted access', 'aws cloudformation activate-organizations-access'],
    ['the StackSets delegated administrator', 'member.org.stacksets.cloudformation.amazonaws.com'],
    [
      'the management account StackSets skip',
      "StackSets doesn't deploy stack\ninstances to the organization management account",
    ],
    ['the organisation trail', '--is-organization-trail --is-multi-region-trail'],
    ['Security Hub in every account and region', 'aws securityhub enable-organization-admin-account'],
    ['the central deploy policy', '(deploy-policy.json)'],
    ['removing the central stack', 'npx osls remove'],
    ['rolling the central stack back', 'npx osls rollback'],
    ['the member snapshots left behind', 'Key=guardrails:managed,Values=true'],
  ])('says how to handle %s', (_what, text) => {
    expect(page).toContain(text);
  });
});
