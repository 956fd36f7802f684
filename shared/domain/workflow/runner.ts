/**
 * The port through which the operator's commands run a workflow's state machine (migration,
 * durability upgrade): a runner starts executions, reads them, stops them and hands them the
 * operator's decisions. The deployed app's runner is Step Functions (shared/aws/step-functions.ts);
 * the sandbox adds ones that run a state machine in process. The durability scan starts upgrades
 * through {@link UpgradeStarter}. Types only, so the adapters, the jobs and the CLI import them
 * without importing each other.
 */

/** The state machine a runner drives: its name in messages and the variable holding its ARN. */
export interface WorkflowMachine {
  name: string;
  arnVariable: string;
}

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
  /** Whether the named execution still runs (Step Functions status RUNNING). */
  running(execution: string): Promise<boolean>;
}

/** The port to the durability-upgrade state machine. */
export interface UpgradeStarter {
  /** Start (or find, by its name) the execution; its lock keeps one per group. */
  start(
    name: string,
    input: {
      replicationGroupId: string;
      target: string;
      allow: readonly string[];
      enforce: boolean;
      /** The rule's watch after the change (shared/domain/durability/soak.ts `SoakInput`). */
      soak?: object;
      /** The migration that passed the group's lock to the execution before starting it. */
      lockHandedOverBy?: string;
      /** The durability job's change made in place that the execution watches (its lease's rule and start). */
      inPlaceChange?: { rule: string; startedAt: string };
    },
  ): Promise<string>;
}
