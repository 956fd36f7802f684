/**
 * The port through which `guardrails migration` runs the migration state machine. The CLI
 * validates input, reads the state table and prints; a runner starts executions, reads them
 * and hands them the operator's decisions. The deployed app's runner is Step Functions
 * (shared/aws/step-functions.ts); the sandbox's entry point adds one that runs the state
 * machine in process (`migration start --local`), so the shipped CLI never loads the sandbox.
 */
import type { AwsClientOptions } from '../aws/clients.js';
import type { StateStore } from '../aws/state-store.js';
import type { MIGRATION_ERRORS, MigrationInput } from '../domain/migration/index.js';
import type { Policy } from '../domain/policy/schema.js';

/** An operator's answer to the execution waiting for approval. */
export type MigrationDecision =
  | { approved: true; by: string }
  | { approved: false; by: string; error: (typeof MIGRATION_ERRORS)['rejected' | 'aborted']; reason: string };

/** The execution waiting for approval, as the approval step parked it in the state table. */
export interface ParkedApproval {
  replicationGroupId: string;
  execution: string;
  taskToken: string;
  requestedAt: string;
}

/** What a failed run reported in its `Migration Outcome` event. */
export interface FailedOutcome {
  migration?: string;
  restoreFrom?: string;
  dataSynced?: boolean;
}

/** How `start` ended, as far as the runner followed the execution. */
export type ExecutionResult =
  /** It runs on elsewhere: read it with `migration status --execution-arn`. */
  | { status: 'started'; executionArn?: string }
  | { status: 'succeeded'; output: unknown }
  | { status: 'failed'; error: string; cause: string; outcome?: FailedOutcome };

export interface MigrationExecution {
  /** The execution's name: unique per group and time. */
  name: string;
  input: MigrationInput;
}

/** Starts one execution of the migration state machine. */
export interface MigrationStarter {
  start(execution: MigrationExecution): Promise<ExecutionResult>;
}

/** Starts executions, reads them, and hands a waiting one the operator's decision. */
export interface MigrationRunner extends MigrationStarter {
  describe(executionArn: string): Promise<object>;
  decide(approval: ParkedApproval, decision: MigrationDecision): Promise<void>;
}

export interface RunnerContext {
  /** The AWS flags as client options; `endpoint` is ElastiCache's (`--endpoint-url`). */
  aws: AwsClientOptions;
  store: StateStore;
  /** `--state-machine-arn` or `MIGRATION_STATE_MACHINE_ARN`, when given. */
  stateMachineArn?: string;
  out: (text: string) => void;
}

/** What a run in process needs beyond the context: the policy for the durability step. */
export interface LocalRunSettings {
  policy: Policy;
  applyDurability: boolean;
}

/** The runners a CLI entry point offers. */
export interface MigrationRunners {
  /** For every migration command but `start --local`. */
  runner: (context: RunnerContext) => MigrationRunner;
  /** Offered as `migration start --local` only when given (by the sandbox's entry point). */
  local?: (context: RunnerContext, settings: LocalRunSettings) => MigrationStarter;
}
