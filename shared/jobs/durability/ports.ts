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
}

/** The durability job's dependencies for a fleet scan. */
export interface DurabilityJobDeps extends GroupCheckDeps {
  clients: FleetClients;
}
