/**
 * The port through which `guardrails migration` and `guardrails upgrade` run their state
 * machines. The CLI validates input, reads the state table and prints; a runner starts
 * executions, reads them, stops them and hands them the operator's decisions. The deployed
 * app's runner is Step Functions (shared/aws/step-functions.ts); the sandbox's entry point adds
 * ones that run a state machine in process (`start --local`), so the shipped CLI never loads
 * the sandbox.
 */
import type { AwsClientOptions } from '../aws/clients.js';
import { RECORD_KINDS } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import type { MigrationInput } from '../domain/migration/index.js';
import type { Policy } from '../domain/policy/schema.js';
import type { UpgradeInput } from '../domain/upgrade.js';

/**
 * Which state machine a command operates: its name in messages and commands, the variable
 * holding its ARN, where its approvals wait and where the sandbox leaves decisions for them.
 */
export const WORKFLOWS = {
  migration: {
    name: 'migration',
    arnVariable: 'MIGRATION_STATE_MACHINE_ARN',
    approvalKind: RECORD_KINDS.migrationApproval,
    decisionKind: RECORD_KINDS.migrationDecision,
  },
  upgrade: {
    name: 'upgrade',
    arnVariable: 'UPGRADE_STATE_MACHINE_ARN',
    approvalKind: RECORD_KINDS.upgradeApproval,
    decisionKind: RECORD_KINDS.upgradeDecision,
  },
} as const;
export type Workflow = (typeof WORKFLOWS)[keyof typeof WORKFLOWS];

/** An operator's answer to the execution waiting for approval; `error` is the ASL Error its Catch sees. */
export type WorkflowDecision =
  | { approved: true; by: string }
  | { approved: false; by: string; error: string; reason: string };

/** The execution waiting for approval, as the approval step parked it in the state table. */
export interface ParkedApproval {
  replicationGroupId: string;
  execution: string;
  taskToken: string;
  requestedAt: string;
}

/** What a failed run reported in its outcome event. */
export interface FailedOutcome {
  migration?: string;
  restoreFrom?: string;
  dataSynced?: boolean;
}

/** How `start` ended, as far as the runner followed the execution. */
export type ExecutionResult =
  /** It runs on elsewhere: read it with `status`. */
  | { status: 'started'; executionArn?: string }
  | { status: 'succeeded'; output: unknown }
  | { status: 'failed'; error: string; cause: string; outcome?: FailedOutcome };

export interface WorkflowExecution<Input extends object = object> {
  /** The execution's name: unique per group and time. */
  name: string;
  input: Input;
}
export type MigrationExecution = WorkflowExecution<MigrationInput>;

/** Starts one execution of a state machine. */
export interface WorkflowStarter<Input extends object> {
  start(execution: WorkflowExecution<Input>): Promise<ExecutionResult>;
}

/** A request to stop the execution `execution` (its name) with an ASL error and cause. */
export interface StopRequest {
  execution: string;
  error: string;
  cause: string;
}

/** Starts executions, reads and stops them, and hands a waiting one the operator's decision. */
export interface WorkflowRunner extends WorkflowStarter<object> {
  describe(executionArn: string): Promise<object>;
  decide(approval: ParkedApproval, decision: WorkflowDecision): Promise<void>;
  stop(request: StopRequest): Promise<void>;
}

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
