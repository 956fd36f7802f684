/**
 * ElastiCache node types the planner can size, and the durable node type that holds at least
 * as much data as a given one: a plan never shrinks memory.
 *
 * Memory per node in GiB as the ElastiCache pricing page lists it
 * (https://aws.amazon.com/elasticache/pricing/, on-demand nodes: "The ElastiCache pricing page
 * shows the available memory in GiB for each supported node type", AWS Knowledge Center,
 * available-memory-elasticache-redis-node); for data tiering (r6gd) the local SSD beside it,
 * since values tiered to SSD are data a node without tiering must hold in memory (Data tiering
 * in ElastiCache). Only the families and sizes met in practice: an unlisted type is unknown.
 */
import { DURABLE_NODE_FAMILIES } from './eligibility.js';

const GRAVITON_R = {
  large: 13.07,
  xlarge: 26.32,
  '2xlarge': 52.82,
  '4xlarge': 105.81,
  '8xlarge': 209.55,
  '12xlarge': 317.77,
  '16xlarge': 419.09,
};
const GRAVITON_M = {
  large: 6.38,
  xlarge: 12.93,
  '2xlarge': 26.04,
  '4xlarge': 52.26,
  '8xlarge': 103.68,
  '12xlarge': 157.12,
  '16xlarge': 209.55,
};
const BURSTABLE = { micro: 0.5, small: 1.37, medium: 3.09 };

/** Memory (DRAM) per node in GiB by family and size, sizes in ascending order. */
export const NODE_MEMORY_GIB: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  r7g: GRAVITON_R,
  r6g: GRAVITON_R,
  r5: {
    large: 13.07,
    xlarge: 26.32,
    '2xlarge': 52.82,
    '4xlarge': 105.81,
    '12xlarge': 317.77,
    '24xlarge': 635.61,
  },
  m7g: GRAVITON_M,
  m6g: GRAVITON_M,
  m5: {
    large: 6.38,
    xlarge: 12.93,
    '2xlarge': 26.04,
    '4xlarge': 52.26,
    '12xlarge': 157.12,
    '24xlarge': 314.32,
  },
  t4g: BURSTABLE,
  t3: BURSTABLE,
  r6gd: {
    xlarge: 26.32,
    '2xlarge': 52.82,
    '4xlarge': 105.81,
    '8xlarge': 209.55,
    '12xlarge': 317.77,
    '16xlarge': 419.1,
  },
};

/** Local SSD per r6gd node in GiB (data tiering). */
const R6GD_SSD_GIB: Readonly<Record<string, number>> = {
  xlarge: 99.33,
  '2xlarge': 199.07,
  '4xlarge': 398.14,
  '8xlarge': 796.28,
  '12xlarge': 1194.24,
  '16xlarge': 1592.28,
};

/** The durable family the planner scales to, and where the largest nodes are. */
const DURABLE_TARGET = 'r7g';

/**
 * The data one node of `nodeType` can hold, in GiB: its memory, plus its SSD with data tiering.
 * Undefined for a type the table does not list.
 *
 * @example
 * nodeCapacityGiB('cache.r6gd.xlarge'); // 125.65 (26.32 memory + 99.33 SSD)
 */
export function nodeCapacityGiB(nodeType: string): number | undefined {
  const [prefix, family = '', size = ''] = nodeType.split('.');
  const memory = prefix === 'cache' ? NODE_MEMORY_GIB[family]?.[size] : undefined;
  if (memory === undefined) return undefined;
  return family === 'r6gd' ? memory + (R6GD_SSD_GIB[size] ?? 0) : memory;
}

/**
 * The smallest durable node type that holds at least what one `nodeType` node holds: itself on a
 * durable family; m7g then r7g for general purpose (m, t); r7g otherwise. Undefined when the
 * table does not know `nodeType`, or when no durable node is that large (more shards are needed).
 *
 * @example
 * durableNodeType('cache.t4g.medium'); // 'cache.m7g.large'
 * durableNodeType('cache.r6gd.xlarge'); // 'cache.r7g.8xlarge' (125.65 GiB of memory and SSD)
 */
export function durableNodeType(nodeType: string): string | undefined {
  const [prefix, family = '', size = ''] = nodeType.split('.');
  if (prefix !== 'cache' || size === '') return undefined;
  if ((DURABLE_NODE_FAMILIES as readonly string[]).includes(family)) return nodeType;
  const capacity = nodeCapacityGiB(nodeType);
  if (capacity === undefined) return undefined;
  const families =
    family.startsWith('m') || family.startsWith('t') ? ['m7g', DURABLE_TARGET] : [DURABLE_TARGET];
  for (const target of families) {
    for (const [targetSize, memory] of Object.entries(NODE_MEMORY_GIB[target] ?? {})) {
      if (memory >= capacity) return `cache.${target}.${targetSize}`;
    }
  }
  return undefined;
}

/** A durable node type and shard count that hold at least what a group holds. */
export interface DurableLayout {
  nodeType: string;
  shards: number;
}

/**
 * Where a rebuild puts a group of `shards` shards of `nodeType`: the durable node type that
 * holds one node's data, else the largest r7g node across as many more shards as the data needs.
 * Undefined when the memory of `nodeType` is not known (the plan cannot be sized).
 *
 * @example
 * durableLayout('cache.r6gd.4xlarge', 2); // { nodeType: 'cache.r7g.16xlarge', shards: 3 }
 */
export function durableLayout(nodeType: string, shards: number): DurableLayout | undefined {
  const same = durableNodeType(nodeType);
  if (same !== undefined) return { nodeType: same, shards };
  const capacity = nodeCapacityGiB(nodeType);
  const sizes = Object.entries(NODE_MEMORY_GIB[DURABLE_TARGET] ?? {});
  const largest = sizes.at(-1);
  if (capacity === undefined || largest === undefined) return undefined;
  const [size, memory] = largest;
  return { nodeType: `cache.${DURABLE_TARGET}.${size}`, shards: Math.ceil((shards * capacity) / memory) };
}
