/**
 * What durability evaluation needs beyond the describe answers: the engine versions of
 * violating Valkey groups and the DurabilityLag of durable ones, each read in batches.
 */
import { readDurabilityHealth } from '../../aws/durability-metrics.js';
import { AwsCallError } from '../../aws/errors.js';
import type { Resource } from '../../domain/resource.js';
import type { GroupCheckDeps } from './ports.js';

/** Attach DurabilityLag and buffer errors to the durable groups: one batched read. */
export async function readHealth(
  deps: GroupCheckDeps,
  groups: readonly Resource[],
  now: Date,
): Promise<void> {
  const durable = groups.filter(
    (group) => group.effectiveDurability === 'sync' || group.effectiveDurability === 'async',
  );
  if (durable.length === 0) return;
  let health: Awaited<ReturnType<typeof readDurabilityHealth>>;
  try {
    health = await readDurabilityHealth(
      deps.cloudwatch,
      durable.map((group) => ({ id: group.id, nodes: group.writeNodes ?? [] })),
      now,
    );
  } catch (error) {
    // Lag is a health signal, not a guard: without it the run goes on and says so.
    if (!(error instanceof AwsCallError)) throw error;
    deps.logger.warn('DurabilityLag could not be read; lag is not checked in this run', {
      error: error.message,
    });
    return;
  }
  for (const group of durable) {
    group.durabilityLagMs = health.get(group.id)?.lagMs;
    group.durabilityBufferExceeded = health.get(group.id)?.bufferExceeded;
    group.trafficManagementActive = health.get(group.id)?.trafficManagementActive;
  }
}
