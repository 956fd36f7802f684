/**
 * What the durability job needs, apart from the job itself so that its parts (the inputs it
 * reads, the enforcement run) and the jobs built on it import the types without importing the
 * scan.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { FleetClients } from '../../aws/clients.js';
import type { CloudWatchClient } from '../../aws/durability-metrics.js';
import type { EventPublisher } from '../../aws/notify.js';
import type { StateStore } from '../../aws/state-store.js';
import type { UpgradeStarter } from '../../domain/workflow/runner.js';

/** A mutating request the job is about to send, as a {@link SendFence} sees it. */
export interface GuardedRequest {
  /** The API call (`ModifyReplicationGroup`, `CreateSnapshot`). */
  call: string;
  /** What it carries out, for the record the fence keeps. */
  step: string;
}

/**
 * Sends one mutating request only while the caller's own guard holds (a workflow's lock, its
 * token, not aborting); throws, nothing sent, once it does not. The job knows nothing of workflows.
 */
export type SendFence = <Result>(request: GuardedRequest, send: () => Promise<Result>) => Promise<Result>;

/** What checking groups needs; a fleet scan needs the tagging client too ({@link DurabilityJobDeps}). */
export interface GroupCheckDeps {
  clients: Pick<FleetClients, 'elasticache'>;
  cloudwatch: CloudWatchClient;
  store: StateStore;
  events: EventPublisher;
  logger: Logger;
  /** Who acts, written on leases (function name and request id, or `cli`). */
  holder: string;
  now?: () => Date;
  /** Starts staged upgrade executions; without it, groups that need online steps first are reported. */
  upgrades?: UpgradeStarter;
  /**
   * Wraps every mutating request of a change (the pre-change snapshot, the Durability change):
   * a workflow step acting under its lock re-checks the lock just before each send.
   */
  fence?: SendFence;
}

/** The durability job's dependencies for a fleet scan. */
export interface DurabilityJobDeps extends GroupCheckDeps {
  clients: FleetClients;
}
