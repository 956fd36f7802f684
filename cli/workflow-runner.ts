/**
 * How `guardrails migration` and `guardrails upgrade` get the runners of their state machines
 * (the port itself is shared/domain/workflow/runner.ts). The CLI validates input, reads the
 * state table and prints; the deployed app's runner is Step Functions
 * (shared/aws/step-functions.ts); the sandbox's entry point adds ones that run a state machine
 * in process (`start --local`), so the shipped CLI never loads the sandbox.
 */

import * as z from 'zod';
import type { AwsClientOptions } from '../shared/aws/clients.js';
import { RECORD_KINDS, type RecordKind } from '../shared/aws/state-keys.js';
import type { StateStore } from '../shared/aws/state-store.js';
import type { UpgradeInput } from '../shared/domain/durability/upgrade.js';
import type { MigrationInput } from '../shared/domain/migration/index.js';
import type { Policy } from '../shared/domain/policy/schema.js';
import type { WorkflowExecution, WorkflowRunner, WorkflowStarter } from '../shared/domain/workflow/runner.js';

/** What `abort` recorded of the execution it aborted on a group: `status` says it once the lock is gone. */
const abortRecord = z.object({
  execution: z.string(),
  at: z.string(),
  by: z.string(),
  reason: z.string(),
  left: z.string(),
});
export type AbortRecord = z.infer<typeof abortRecord>;
const abortKind = (name: string): RecordKind<AbortRecord> => ({ name, schema: abortRecord });

/**
 * Which state machine a command operates: its name in messages and commands, the variable
 * holding its ARN, where its approvals wait, where the sandbox leaves decisions for them and
 * where `abort` says what it aborted.
 */
export const WORKFLOWS = {
  migration: {
    name: 'migration',
    arnVariable: 'MIGRATION_STATE_MACHINE_ARN',
    approvalKind: RECORD_KINDS.migrationApproval,
    decisionKind: RECORD_KINDS.migrationDecision,
    /** The last execution `migration abort` aborted, per group. */
    abortKind: abortKind('abort#migration'),
  },
  upgrade: {
    name: 'upgrade',
    arnVariable: 'UPGRADE_STATE_MACHINE_ARN',
    approvalKind: RECORD_KINDS.upgradeApproval,
    decisionKind: RECORD_KINDS.upgradeDecision,
    /** The last execution `upgrade abort` aborted, per group. */
    abortKind: abortKind('abort#upgrade'),
  },
} as const;
export type Workflow = (typeof WORKFLOWS)[keyof typeof WORKFLOWS];

export type MigrationExecution = WorkflowExecution<MigrationInput>;

export interface RunnerContext {
  workflow: Workflow;
  /** The AWS flags as client options; `endpoint` is ElastiCache's (`--endpoint-url`). */
  aws: AwsClientOptions;
  store: StateStore;
  /** `--state-machine-arn` or the workflow's variable, when given. */
  stateMachineArn?: string;
  out: (text: string) => void;
}

/** What a migration run in process needs beyond the context: the policy for the durability step. */
export interface LocalRunSettings {
  policy: Policy;
  applyDurability: boolean;
}

/** The runners a CLI entry point offers. */
export interface WorkflowRunners {
  /** For every command but `start --local`. */
  runner: (context: RunnerContext) => WorkflowRunner;
  /** Offered as `migration start --local` / `upgrade start --local` only when given (by the sandbox's entry point). */
  local?: {
    migration: (context: RunnerContext, settings: LocalRunSettings) => WorkflowStarter<MigrationInput>;
    upgrade: (context: RunnerContext) => WorkflowStarter<UpgradeInput>;
  };
}
