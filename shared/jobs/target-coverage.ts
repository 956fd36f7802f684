/**
 * Whether an event forwarded from another account and region is the deployment's business: one
 * check for every reaction (durability, encryption drift), so they drop the same events for the
 * same reasons.
 */
import type { OrganizationUnits } from '../aws/organization.js';
import { notCovered, outsideUnits, type Target, type TargetsSetting } from '../domain/targets.js';

/** Where an account sits in the organisation (Organizations ListParents), nearest first. */
export type UnitsAbove = Pick<OrganizationUnits, 'above'>;

/**
 * Why the policy's `settings.targets` does not cover `target` (its accounts, regions,
 * exclusions, and OUs: the account's OU chain read through Organizations, named in the answer),
 * or undefined when it does. Organizations is read only when the policy names OUs and the rest
 * covers the target; a failed read is thrown: an event is not acted on without knowing.
 *
 * @example
 * const outside = await whyNotCovered(policy.settings.targets, target, new OrganizationUnits(aws));
 */
export async function whyNotCovered(
  targets: TargetsSetting | undefined,
  target: Target,
  units: UnitsAbove,
): Promise<string | undefined> {
  const outside = notCovered(targets, target);
  const ous = targets?.organization?.ous;
  if (outside !== undefined || ous === undefined) return outside;
  return outsideUnits(target, ous, await units.above(target.account));
}
