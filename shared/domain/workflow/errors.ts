/**
 * The one catalogue of error names the workflows' state machines route on: the names both
 * workflows give the same fault, and each workflow's own. The ASL files Retry and Catch on
 * these names (test/unit/infra-workflow-errors.test.ts holds each file to its list); AWS faults
 * keep their own names (`ReplicationGroupNotUnderMigrationFault`).
 */

/** The names both workflows raise for the same fault. */
export const WORKFLOW_ERRORS = {
  /** Throttling, 5xx, a node not reached: the state machine retries it with backoff. */
  transient: 'TransientError',
  /** A Task asked a function for an action it does not have. */
  unknownAction: 'UnknownAction',
  taskTokenMissing: 'TaskTokenMissing',
  groupNotFound: 'GroupNotFound',
  snapshotFailed: 'SnapshotFailed',
  snapshotTimeout: 'SnapshotTimeout',
  /**
   * A mutating request not sent: the group's lock is no longer this execution's to act under
   * (an abort marked or released it, or another execution holds it).
   */
  lockLost: 'LockLost',
} as const;

/**
 * Every error name of the migration workflow: the ASL's Retry and Pass/Fail states, the
 * steps' failures (each a Catch in the ASL) and an operator's decisions sent through the
 * task token.
 */
export const MIGRATION_ERRORS = {
  ...WORKFLOW_ERRORS,
  testTimeout: 'TestMigrationTimeout',
  syncTimeout: 'SyncTimeout',
  completeTimeout: 'CompleteMigrationTimeout',
  /** The failure report itself could not be sent. */
  unreported: 'MigrationFailed',
  locked: 'MigrationLocked',
  preflightFailed: 'PreflightFailed',
  stateMissing: 'StateMissing',
  snapshotMissing: 'SnapshotMissing',
  testFailed: 'TestMigrationFailed',
  completeFailed: 'CompleteMigrationFailed',
  postVerifyFailed: 'PostVerifyFailed',
  abortRefused: 'AbortRefused',
  interrupted: 'MigrationInterrupted',
  /** An operator's `guardrails migration reject`. */
  rejected: 'MigrationRejected',
  /** An operator's `guardrails migration abort` (the approval rejected, or the execution stopped). */
  aborted: 'MigrationAborted',
} as const;
export type MigrationErrorName = (typeof MIGRATION_ERRORS)[keyof typeof MIGRATION_ERRORS];

/** Every error name of the durability-upgrade workflow. */
export const UPGRADE_ERRORS = {
  ...WORKFLOW_ERRORS,
  locked: 'UpgradeLocked',
  /** The input's engineVersion is below the version the group runs: refused at Lock, nothing changed. */
  downgrade: 'EngineDowngrade',
  /** The plan is a rebuild, or facts it needs are missing: nothing can run online. */
  blocked: 'UpgradeBlocked',
  /** While a step waited for approval the group changed: its plan no longer starts with it. */
  planChanged: 'PlanChanged',
  /** The group is available after a step, yet the step is still the plan's first. */
  stepNotApplied: 'StepNotApplied',
  stepTimeout: 'StepTimeout',
  busyTimeout: 'GroupBusyTimeout',
  /** An operator's `guardrails upgrade reject`. */
  rejected: 'UpgradeRejected',
  /** The failure report itself could not be sent. */
  unreported: 'UpgradeFailed',
} as const;
export type UpgradeErrorName = (typeof UPGRADE_ERRORS)[keyof typeof UPGRADE_ERRORS];

/** Any name of the catalogue. */
export type WorkflowErrorName = MigrationErrorName | UpgradeErrorName;

/**
 * The names each state machine writes itself (the one it retries and those its Pass and Fail
 * states raise), by ASL file under infra/.
 */
export const STATE_MACHINE_ERRORS = {
  'migration.asl.yaml': [
    MIGRATION_ERRORS.transient,
    MIGRATION_ERRORS.snapshotTimeout,
    MIGRATION_ERRORS.testTimeout,
    MIGRATION_ERRORS.syncTimeout,
    MIGRATION_ERRORS.completeTimeout,
    MIGRATION_ERRORS.unreported,
  ],
  'durability-upgrade.asl.yaml': [
    UPGRADE_ERRORS.transient,
    UPGRADE_ERRORS.snapshotTimeout,
    UPGRADE_ERRORS.stepTimeout,
    UPGRADE_ERRORS.busyTimeout,
    UPGRADE_ERRORS.unreported,
  ],
} as const satisfies Record<string, readonly WorkflowErrorName[]>;

/** A Catch's Error and Cause, as Step Functions stores them. */
export interface CaughtError {
  Error: string;
  Cause: string;
}

/** The Error and Cause of a Catch; a Lambda error's Cause is JSON with `errorMessage`. */
export function failureOf(caught: CaughtError | undefined): { error: string; cause: string } {
  const { Error: error, Cause } = caught ?? {
    Error: 'Unknown',
    Cause: 'the execution failed without an error',
  };
  try {
    const parsed = JSON.parse(Cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return { error, cause: parsed.errorMessage };
  } catch {
    // a plain-text Cause
  }
  return { error, cause: Cause };
}
