import type { AwsClientOptions } from '../../shared/aws/clients.js';
import type { CliIo } from '../io.js';
import type { WorkflowRunners } from '../workflow-runner.js';
import type { WorkloadReader } from '../workload.js';

/** What every command is given: where to write, where its exit code goes, the injected runners. */
export interface CommandContext {
  io: CliIo;
  exit: { code: number };
  runners: WorkflowRunners;
  /**
   * What time it is where the commands act (snapshot names, retention): the wall clock, or the
   * sandbox's own, whose time jumps, for the sandbox entry (given the AWS options in use).
   */
  now: (aws: AwsClientOptions) => Promise<Date>;
  /** Reads the write workload `plan` judges the durability fit on; absent: every fit is `unknown`. */
  workload?: WorkloadReader;
}

/** The wall clock as CommandContext['now'], for the shipped CLI (the sandbox CLI passes sandboxNow). */
export const wallClockNow = async () => new Date();
