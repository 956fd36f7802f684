/**
 * How every function reaches member accounts: one environment (the deployment's params
 * memberRoleName and memberExternalId), one rule for the role name, and one error for a
 * reaction that failed in another account or region.
 */
import * as z from 'zod';
import { targetFailure } from '../aws/targets.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  DEFAULT_MEMBER_ROLE,
  externalIdSchema,
  type MemberAccess,
  roleNameSchema,
  type Target,
  targetName,
} from '../domain/targets.js';
import { GuardrailsError } from '../runtime/errors.js';
import { isRetryable } from '../runtime/retryable.js';

const emptyAsUnset = (value: string | undefined) => (value === '' ? undefined : value);

/** The deployment's settings for reaching member accounts; spread into a function's env schema. */
export const MEMBER_ENV = {
  /** The member role's name; IAM lets the functions assume only this one. Empty: the policy's. */
  MEMBER_ROLE_NAME: z.string().optional().transform(emptyAsUnset).pipe(roleNameSchema.optional()),
  /** The member role's external id: a secret, never logged. Empty: none. */
  MEMBER_EXTERNAL_ID: z.string().optional().transform(emptyAsUnset).pipe(externalIdSchema.optional()),
} as const;

/** A function's parsed {@link MEMBER_ENV}. */
export interface MemberEnv {
  MEMBER_ROLE_NAME?: string | undefined;
  MEMBER_EXTERNAL_ID?: string | undefined;
}

/**
 * The member access a function's environment describes: the deployment's role name, else the
 * policy's (`settings.targets.roleName`), else {@link DEFAULT_MEMBER_ROLE}; the deployment's
 * external id, if any.
 *
 * @example
 * const access = memberAccessOf(base.config, await base.policy());
 */
export function memberAccessOf(config: MemberEnv, policy?: Policy): MemberAccess {
  return {
    roleName: config.MEMBER_ROLE_NAME ?? policy?.settings.targets?.roleName ?? DEFAULT_MEMBER_ROLE,
    ...(config.MEMBER_EXTERNAL_ID === undefined ? {} : { externalId: config.MEMBER_EXTERNAL_ID }),
  };
}

/**
 * One `T` (credentials, clients) per member access, made on first use and kept for the
 * container's life: the policy may name the role, so a new policy can call for another.
 *
 * @example
 * const membersFor = perMemberAccess(base.config, (access) => new MemberCredentials(access, base.aws));
 * const members = membersFor(await base.policy());
 */
export function perMemberAccess<T>(
  config: MemberEnv,
  make: (access: MemberAccess) => T,
): (policy?: Policy) => T {
  const kept = new Map<string, T>();
  return (policy) => {
    const access = memberAccessOf(config, policy);
    const key = JSON.stringify(access);
    const found = kept.get(key) ?? make(access);
    kept.set(key, found);
    return found;
  };
}

/** A reaction that failed in another target; the message names the target and the cause. */
export class TargetReactionError extends GuardrailsError {
  constructor(target: Target, cause: string, options: ErrorOptions & { retryable: boolean }) {
    super(`reacting in ${targetName(target)}: ${cause}`, options);
    this.name = 'TargetReactionError';
  }
}

/**
 * Run a reaction in a member's target; its failure (the role denied, STS throttled, the region
 * not enabled, …) becomes a {@link TargetReactionError} naming the cause.
 *
 * @example
 * await reactIn(target, members.access, () => react(target));
 */
export async function reactIn<T>(target: Target, access: MemberAccess, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    const failure = targetFailure(error, target, access);
    throw new TargetReactionError(target, failure.cause, { cause: error, retryable: isRetryable(error) });
  }
}
