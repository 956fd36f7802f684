/**
 * Write workloads the sandbox's CloudWatch series can show for one replication group, set by
 * tests and `/_control/workload`: a steady write rate per shard primary, a burst (over the
 * 100 MiB/s a durable primary takes, writes are throttled: `TrafficManagementActive` 1), and a
 * `DurabilityLag` climbing to 10 s (then writes are rejected: `DurabilityBufferExceededErrorCount`).
 */
import type { MetricSeries, NodeMetric, NodeRef } from './metric-series.js';
import type { GroupState } from './state.js';

export const WORKLOAD_SHAPES = ['steady', 'burst', 'lag-climb'] as const;
export type WorkloadShapeName = (typeof WORKLOAD_SHAPES)[number];

export interface WorkloadShape {
  groupId: string;
  shape: WorkloadShapeName;
  /** Writes per shard primary in MiB/s (steady: 5, burst: 150 unless given). */
  writeMiBs?: number;
  /** Server-side write latency of the primaries in microseconds (steady: 400, burst: 5 000). */
  latencyUs?: number;
  /** When it starts (epoch ms): steady defaults to all along, burst and lag-climb to now. */
  at?: number;
  /** How long a burst lasts, or how long the lag takes to reach 10 s (5 and 10 minutes by default). */
  minutes?: number;
}

const MINUTE = 60_000;
const MIB = 1024 * 1024;
/** Durable clusters take up to 100 MiB/s of writes per primary; beyond, writes are throttled. */
const DURABLE_WRITE_LIMIT_MIBS = 100;
/** A primary whose oldest unpersisted write is 10 s old rejects writes. */
const LAG_LIMIT_MS = 10_000;

/** The shard primaries and replicas of a group, as CloudWatch names their nodes. */
function shardNodes(memberIds: string[][]): { primary: NodeRef; replicas: NodeRef[] }[] {
  const node = (cacheClusterId: string): NodeRef => ({ cacheClusterId, cacheNodeId: '0001' });
  return memberIds.flatMap(([primary, ...replicas]) =>
    primary === undefined ? [] : [{ primary: node(primary), replicas: replicas.map(node) }],
  );
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < 0) throw new Error(`${field} must be a number >= 0`);
  return chosen;
}

/**
 * Shape a group's node series. `ReplicationBytes` is what a primary sends to all its replicas in
 * each minute, so a write rate of W MiB/s with R replicas publishes W × 60 × R MiB a minute.
 *
 * @example
 * applyWorkload(sinks.metrics, group, model.memberIds(group), { groupId: group.id, shape: 'steady', writeMiBs: 120 }, now);
 */
export function applyWorkload(
  series: MetricSeries,
  group: GroupState,
  memberIds: string[][],
  shape: WorkloadShape,
  now: number,
): void {
  const durable = group.effectiveDurability !== 'disabled';
  const minute = Math.floor((shape.at ?? now) / MINUTE) * MINUTE;
  for (const { primary, replicas } of shardNodes(memberIds)) {
    const put = (node: NodeRef, metric: NodeMetric, value: number, from: number, to = Infinity) =>
      series.put(node, metric, value, from, to);
    if (shape.shape === 'lag-climb') {
      const minutes = Math.max(1, Math.round(positive(shape.minutes, 10, 'minutes')));
      for (let step = 0; step < minutes; step += 1) {
        const lag = Math.round((LAG_LIMIT_MS * (step + 1)) / minutes);
        put(primary, 'DurabilityLag', lag, minute + step * MINUTE, minute + (step + 1) * MINUTE);
      }
      put(primary, 'DurabilityLag', LAG_LIMIT_MS, minute + minutes * MINUTE);
      put(primary, 'DurabilityBufferExceededErrorCount', 0, minute, minute + (minutes - 1) * MINUTE);
      put(primary, 'DurabilityBufferExceededErrorCount', 25, minute + (minutes - 1) * MINUTE);
      continue;
    }
    const burst = shape.shape === 'burst';
    const writeMiBs = positive(shape.writeMiBs, burst ? 150 : 5, 'writeMiBs');
    const latencyUs = positive(shape.latencyUs, burst ? 5_000 : 400, 'latencyUs');
    const from = burst ? minute : (shape.at ?? -Infinity);
    const to = burst ? minute + Math.max(1, positive(shape.minutes, 5, 'minutes')) * MINUTE : Infinity;
    put(primary, 'ReplicationBytes', writeMiBs * MIB * 60 * replicas.length, from, to);
    put(primary, 'SuccessfulWriteRequestLatency', latencyUs, from, to);
    for (const replica of replicas) put(replica, 'ReplicationBytes', 0, from, to);
    if (!durable) continue;
    put(primary, 'TrafficManagementActive', writeMiBs > DURABLE_WRITE_LIMIT_MIBS ? 1 : 0, from, to);
    if (!burst) {
      put(primary, 'DurabilityLag', 0, from, to);
      put(primary, 'DurabilityBufferExceededErrorCount', 0, from, to);
    }
  }
}

/** Parse a `/_control/workload` body: `{ groupId, shape, writeMiBs?, latencyUs?, at? (ISO), minutes? }`. */
export function parseWorkloadShape(input: Record<string, unknown>): WorkloadShape {
  const { groupId, shape, writeMiBs, latencyUs, at, minutes } = input;
  if (typeof groupId !== 'string' || groupId === '') throw new Error('groupId is required');
  const name = WORKLOAD_SHAPES.find((value) => value === shape);
  if (name === undefined) throw new Error(`shape must be one of ${WORKLOAD_SHAPES.join(', ')}`);
  const number = (value: unknown, field: string) => {
    if (value !== undefined && typeof value !== 'number') throw new Error(`${field} must be a number`);
    return value;
  };
  const start = at === undefined ? undefined : Date.parse(String(at));
  if (start !== undefined && Number.isNaN(start)) throw new Error('at must be an ISO 8601 time');
  return {
    groupId,
    shape: name,
    writeMiBs: number(writeMiBs, 'writeMiBs'),
    latencyUs: number(latencyUs, 'latencyUs'),
    minutes: number(minutes, 'minutes'),
    at: start,
  };
}
