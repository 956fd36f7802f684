/**
 * A rule's `match`, compiled once per policy into criteria: each says what it asks, what the
 * resource is, and whether it holds. `evaluate` tests them; `policy explain` shows them.
 * A resource's account and region come from its ARN, its OU path from the organisation scan
 * that read it.
 */
import { parseArn } from './arn.js';
import { compileGlob } from './glob.js';
import type { Match, Policy } from './policy/schema.js';
import type { Resource } from './resource.js';

/** One criterion of a rule's match. */
export interface Criterion {
  holds(resource: Resource): boolean;
  /** What it asks and what the resource is: `accounts 111111111111 (is 222222222201)`. */
  describe(resource: Resource): string;
}

/** Why a rule with `match.ous` cannot match a resource whose OU is not known. */
export const OU_UNKNOWN =
  'OU not known: only an organisation scan (settings.targets.organization, or --org) reads the OUs of its accounts';

/** A set criterion on one value of the resource (undefined: not reported, never holds). */
function oneOf(
  name: string,
  listed: readonly string[],
  read: (resource: Resource) => string | undefined,
  normalise: (value: string) => string = (value) => value,
): Criterion {
  const set = new Set(listed.map(normalise));
  return {
    holds: (resource) => {
      const value = read(resource);
      return value !== undefined && set.has(value);
    },
    describe: (resource) => `${name} ${listed.join(', ')} (is ${read(resource) ?? 'not reported'})`,
  };
}

const accountOf = (resource: Resource) => parseArn(resource.arn)?.account;
const regionOf = (resource: Resource) => parseArn(resource.arn)?.region;

/** `match.ous`: an OU listed is the account's own OU or one above it (a root id: the whole organisation). */
function underOus(ous: readonly string[]): Criterion {
  const set = new Set(ous);
  return {
    holds: (resource) => resource.ouPath?.some((ou) => set.has(ou)) ?? false,
    describe: (resource) =>
      `ous ${ous.join(', ')} (${resource.ouPath === undefined ? OU_UNKNOWN : `is ${resource.ouPath.join('/')}`})`,
  };
}

/** The tag `key` equals `value`; the value `*` asks only that the tag exist. */
function tagged(key: string, value: string): Criterion {
  return {
    holds: (resource) => {
      const actual = resource.tags[key];
      return actual !== undefined && (value === '*' || actual === value);
    },
    describe: (resource) => {
      const actual = resource.tags[key];
      return `tag ${key}=${value} (is ${actual === undefined ? 'absent' : `"${actual}"`})`;
    },
  };
}

/**
 * The criteria of a rule's match, in the order `policy explain` shows them.
 *
 * @example
 * const criteria = compileMatch({ accounts: ['222222222201'] });
 * criteria.every((criterion) => criterion.holds(resource));
 */
export function compileMatch(match: Match): Criterion[] {
  const list: Criterion[] = [];
  if (match.accounts) list.push(oneOf('accounts', match.accounts, accountOf));
  if (match.ous) list.push(underOus(match.ous));
  if (match.regions) list.push(oneOf('regions', match.regions, regionOf));
  if (match.resourceTypes)
    list.push(oneOf('resourceTypes', match.resourceTypes, (resource) => resource.type));
  if (match.engines)
    list.push(
      oneOf(
        'engines',
        match.engines,
        (resource) => resource.engine,
        (engine) => engine.toLowerCase(),
      ),
    );
  if (match.clusterMode)
    list.push(oneOf('clusterMode', match.clusterMode, (resource) => resource.clusterMode));
  if (match.ids) {
    const globs = match.ids.map(compileGlob);
    list.push({
      holds: (resource) => globs.some((glob) => glob.test(resource.id)),
      describe: (resource) => `ids ${match.ids?.join(', ')} (is ${resource.id})`,
    });
  }
  for (const [key, value] of Object.entries(match.tags ?? {})) list.push(tagged(key, value));
  return list;
}

/** Whether a rule of the policy selects on OUs: an organisation scan then reads each account's OU path. */
export const selectsOnOus = (policy: Policy) => policy.rules.some((rule) => rule.match.ous !== undefined);

/**
 * Why a rule's `match.ous` cannot hold in the scans the policy itself asks for: its targets are
 * listed accounts, or the deployment's own account and region, and only an organisation scan
 * reads OUs (`guardrails scan --org` still can).
 *
 * @example
 * for (const note of ouNotes(policy)) io.stderr(`note: ${note}\n`);
 */
export function ouNotes(policy: Policy): string[] {
  const targets = policy.settings.targets;
  if (targets?.organization !== undefined) return [];
  const scanned = targets === undefined ? "the deployment's own account and region" : 'listed accounts';
  return policy.rules.flatMap((rule, index) =>
    rule.match.ous === undefined
      ? []
      : [
          `rules[${index}] ${rule.name}: match.ous never matches in the policy's own scans (settings.targets: ${scanned}, whose OUs are not read); only an organisation scan (settings.targets.organization, or --org) knows an account's OU`,
        ],
  );
}
