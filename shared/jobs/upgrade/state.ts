/**
 * What a durability-upgrade execution carries from step to step (each part written at one
 * ResultPath of infra/durability-upgrade.asl.yaml), parsed once per invocation, and the
 * records and locks it holds.
 */
import * as z from 'zod';
import { durabilityLeaseKey } from '../../aws/state-keys.js';
import { upgradeHolder } from '../../domain/durability/lease-steps.js';
import { PLAN_APIS, PLAN_VERDICTS, STAGED_ACTIONS } from '../../domain/durability/readiness.js';
import { soakInputSchema } from '../../domain/durability/soak.js';
import { soakSeriesSchema } from '../../domain/durability/soak-series.js';
import { parseUpgradeInput, type UpgradeInput } from '../../domain/durability/upgrade.js';
import type { UpgradeErrorName } from '../../domain/workflow/index.js';
import { parseInput } from '../../runtime/zod-issues.js';
import { APPROVAL_KINDS } from '../workflow/approval.js';
import { WorkflowError } from '../workflow/errors.js';
import type { StepContext } from '../workflow/task.js';
import type { UpgradeDeps } from './deps.js';

/** A failure of the upgrade's steps, named from UPGRADE_ERRORS or after an AWS fault; never retried. */
export class UpgradeError extends WorkflowError {
  constructor(code: UpgradeErrorName | { fault: string }, message: string) {
    super(code, message, { retryable: false });
  }
}

/** The durability job's per-group lease: held by the upgrade, the scan leaves the group alone. */
export const durabilityLease = durabilityLeaseKey;
/** Who holds the durability lease for an upgrade execution. */
export const holderOf = upgradeHolder;

/** Approval requests: the task token waits here for `guardrails upgrade approve|reject`. */
export const UPGRADE_APPROVAL_KIND = APPROVAL_KINDS.upgrade;

const time = z.string().min(1);
const poll = { done: z.boolean(), attempt: z.number().int(), waitSeconds: z.number() };
const caught = z.looseObject({ Error: z.string(), Cause: z.string() });

export const planStepSchema = z.looseObject({
  action: z.enum([...STAGED_ACTIONS, 'create-parameter-group', 'set-durability']),
  api: z.enum(PLAN_APIS),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  parameters: z.record(z.string(), z.string()).optional(),
  summary: z.string(),
  expectedMinutes: z.number(),
  clientImpact: z.enum(['none', 'clients-must-switch']),
  unattended: z.boolean(),
  notes: z.array(z.string()).optional(),
});

const statePartsSchema = z.object({
  input: z.unknown(),
  lock: z.looseObject({ at: time, arn: z.string(), token: z.string() }).optional(),
  plan: z
    .looseObject({
      ...poll,
      ready: z.boolean(),
      verdict: z.enum(PLAN_VERDICTS).optional(),
      reason: z.string().optional(),
      approval: z.boolean().optional(),
      step: planStepSchema.optional(),
      remaining: z.array(z.string()).optional(),
    })
    .optional(),
  snapshot: z.looseObject({ ...poll, name: z.string(), status: z.string(), startedAt: time }).optional(),
  approval: z.looseObject({ approved: z.boolean().optional(), by: z.string().optional() }).optional(),
  applied: z
    .looseObject({ ...poll, step: planStepSchema, requestedAt: time, history: z.array(z.string()) })
    .optional(),
  soak: z
    .looseObject({
      ...poll,
      startedAt: time,
      lookedAt: time,
      outcome: z.enum(['watching', 'quiet', 'alerted', 'stepping-back']),
      reasons: z.array(z.string()).optional(),
      reading: z.record(z.string(), z.union([z.number(), z.boolean()])).optional(),
      series: soakSeriesSchema.optional(),
      stepBack: z.boolean().optional(),
      approval: z.boolean().optional(),
    })
    .optional(),
  stepBack: z.looseObject({ ...poll, requestedAt: time, running: z.string().optional() }).optional(),
  stepBackDeclined: caught.optional(),
  error: caught.optional(),
});

export type UpgradeState = Omit<z.infer<typeof statePartsSchema>, 'input'> & { input: UpgradeInput };
/** What an upgrade step is given: the function's deps and the state, parsed. */
export type UpgradeContext = StepContext<UpgradeDeps, UpgradeState>;

/** The execution state a Task received, parsed once; a malformed part is named. */
export function parseUpgradeState(raw: unknown): UpgradeState {
  const { input, ...parts } = parseInput(statePartsSchema, raw, 'upgrade state');
  return { ...parts, input: parseUpgradeInput(input) };
}

const text = z.string().optional().catch(undefined);
const part = <Shape extends z.ZodRawShape>(shape: Shape) => z.looseObject(shape).optional().catch(undefined);

/** What the failure report reads, leniently: it must go out whatever failed, ValidateInput too. */
const failureSchema = z.object({
  input: part({
    replicationGroupId: text,
    soak: soakInputSchema.optional().catch(undefined),
    target: z.enum(['async', 'sync']).optional().catch(undefined),
    inPlaceChange: part({ rule: text }),
  }),
  replicationGroupId: text,
  error: caught.optional().catch(undefined),
  lock: part({ arn: text }),
  snapshot: part({ name: text, status: text }),
  applied: part({ history: z.array(z.string()).optional().catch(undefined), step: part({ summary: text }) }),
  // A soak that had started is kept whatever failed after it.
  soak: statePartsSchema.shape.soak.catch(undefined),
  stepBack: statePartsSchema.shape.stepBack.catch(undefined),
  stepBackDeclined: caught.optional().catch(undefined),
});

export function parseUpgradeFailure(raw: Record<string, unknown>) {
  const { input, replicationGroupId, ...parts } = failureSchema.parse(raw);
  return {
    ...parts,
    input: { soak: input?.soak, target: input?.target, rule: input?.inPlaceChange?.rule },
    groupId: input?.replicationGroupId ?? replicationGroupId,
  };
}
