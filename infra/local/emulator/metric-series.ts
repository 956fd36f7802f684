/**
 * CloudWatch `GetMetricData` (JSON 1.0) over per-node series of `AWS/ElastiCache` metrics.
 * ElastiCache publishes every metric per cache node (`CacheClusterId` + `CacheNodeId`) once a
 * minute, so a series here is a list of constant stretches holding one value per whole minute;
 * a query aggregates the minutes of each period with its statistic, as CloudWatch does.
 */
import { QueryFault } from './protocol.js';

/** The node metrics the sandbox serves (durability, write load and latency, search throttling). */
export const NODE_METRICS = [
  'ReplicationBytes',
  'SuccessfulWriteRequestLatency',
  'TrafficManagementActive',
  'DurabilityLag',
  'DurabilityBufferExceededErrorCount',
  'SearchWriteThrottleActive',
] as const;
export type NodeMetric = (typeof NODE_METRICS)[number];

export interface NodeRef {
  cacheClusterId: string;
  cacheNodeId: string;
}

/** A stretch of minutes `[from, to)` (epoch ms) in which the node published `value` each minute. */
interface Stretch {
  from: number;
  to: number;
  value: number;
}

/** At most 500 queries and 100 800 data points (then NextToken) per GetMetricData call. */
export const GET_METRIC_DATA_LIMITS = { queries: 500, datapoints: 100_800 } as const;
const MINUTE = 60_000;
const STAT = /^(Maximum|Minimum|Sum|Average|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$/;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

interface MetricQuery {
  Id?: unknown;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };
    Period?: unknown;
    Stat?: unknown;
  };
}

/** Whole minutes in `[from, to)`: the minute stamps `k * 60 000` inside it. */
function minutesIn(from: number, to: number): number {
  return Math.max(0, Math.ceil(to / MINUTE) - Math.ceil(from / MINUTE));
}

/** One statistic over weighted values (each value published `count` minutes). */
function statistic(stat: string, samples: readonly { value: number; count: number }[]): number | undefined {
  const total = samples.reduce((sum, sample) => sum + sample.count, 0);
  if (total === 0) return undefined;
  const sum = samples.reduce((acc, sample) => acc + sample.value * sample.count, 0);
  if (stat === 'Maximum') return Math.max(...samples.map((sample) => sample.value));
  if (stat === 'Minimum') return Math.min(...samples.map((sample) => sample.value));
  if (stat === 'Sum') return sum;
  if (stat === 'SampleCount') return total;
  if (stat === 'Average') return sum / total;
  // pNN: the nearest-rank percentile over the published minute values.
  const rank = Math.max(1, Math.ceil((Number(stat.slice(1)) / 100) * total));
  let seen = 0;
  for (const sample of [...samples].sort((a, b) => a.value - b.value)) {
    seen += sample.count;
    if (seen >= rank) return sample.value;
  }
  return undefined;
}

function fail(message: string): never {
  throw new QueryFault('ValidationError', message);
}

function epochMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${field} is required`);
  return value * 1000;
}

/** Every node series of a sandbox, as a saved demo chapter keeps them. */
export type SavedSeries = [string, Stretch[]][];

export class MetricSeries {
  readonly #series = new Map<string, Stretch[]>();

  static key(node: NodeRef, metric: string): string {
    return `${node.cacheClusterId}/${node.cacheNodeId}/${metric}`;
  }

  /**
   * The node publishes `value` every minute of `[from, to)` (epoch ms, infinite ends allowed),
   * replacing what it published there before.
   */
  put(node: NodeRef, metric: NodeMetric, value: number, from = -Infinity, to = Infinity): void {
    if (!(from < to)) throw new Error(`empty stretch ${from}..${to} for ${metric}`);
    const key = MetricSeries.key(node, metric);
    const kept = (this.#series.get(key) ?? []).flatMap((stretch) =>
      [
        { ...stretch, to: Math.min(stretch.to, from) },
        { ...stretch, from: Math.max(stretch.from, to) },
      ].filter((part) => part.from < part.to),
    );
    kept.push({ from, to, value });
    this.#series.set(key, kept);
  }

  /** Every series, as a saved sandbox keeps it (see {@link MetricSeries.restore}). */
  saved(): SavedSeries {
    return [...this.#series].map(([key, stretches]) => [key, stretches.map((stretch) => ({ ...stretch }))]);
  }

  /** Put back what {@link MetricSeries.saved} returned, in place of every series. */
  restore(saved: SavedSeries): void {
    this.#series.clear();
    for (const [key, stretches] of saved) this.#series.set(key, stretches);
  }

  /** Forget every series (a test's fresh start). */
  clear(): void {
    this.#series.clear();
  }

  /** The aggregated value of one period `[from, to)`, counting only minutes up to `now`. */
  #aggregate(key: string, stat: string, from: number, to: number, now: number): number | undefined {
    const end = Math.min(to, Math.floor(now / MINUTE) * MINUTE + 1);
    const samples = (this.#series.get(key) ?? []).map((stretch) => ({
      value: stretch.value,
      count: minutesIn(Math.max(from, stretch.from), Math.min(end, stretch.to)),
    }));
    return statistic(
      stat,
      samples.filter((sample) => sample.count > 0),
    );
  }

  /** One query's data points over `[start, end)`, one per period that holds data, oldest first. */
  #points(query: MetricQuery, start: number, end: number, now: number): [number, number][] {
    const stat = query.MetricStat;
    const metric = stat?.Metric;
    const period = stat?.Period;
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1)
      fail(
        `The parameter MetricDataQueries.member.${String(query.Id)}.MetricStat.Period must be a positive integer`,
      );
    if (typeof stat?.Stat !== 'string' || !STAT.test(stat.Stat))
      fail(
        `The parameter MetricDataQueries.member.${String(query.Id)}.MetricStat.Stat is not a valid statistic`,
      );
    const dimensions = metric?.Dimensions ?? [];
    const of = (name: string) => dimensions.find((dimension) => dimension.Name === name)?.Value;
    const cluster = of('CacheClusterId');
    const node = of('CacheNodeId');
    // Matched on the exact dimension set, as CloudWatch does: only the per-node set holds data.
    // Regular-resolution data needs a period that is a multiple of 60 (else no data points).
    if (metric?.Namespace !== 'AWS/ElastiCache' || dimensions.length !== 2 || period % 60 !== 0) return [];
    if (cluster === undefined || node === undefined) return [];
    const key = `${cluster}/${node}/${metric.MetricName}`;
    const points: [number, number][] = [];
    for (let from = start; from < end; from += period * 1000) {
      const value = this.#aggregate(key, stat.Stat, from, Math.min(end, from + period * 1000), now);
      if (value !== undefined) points.push([from / 1000, value]);
    }
    return points;
  }

  /**
   * GetMetricData: StartTime rounded down to the minute, one data point per period with data,
   * newest first unless `ScanBy: TimestampAscending`, paginated by `MaxDatapoints` with NextToken.
   */
  getMetricData(input: Record<string, unknown>, now: number) {
    const queries = Array.isArray(input.MetricDataQueries) ? (input.MetricDataQueries as MetricQuery[]) : [];
    if (queries.length === 0) fail('The parameter MetricDataQueries is required');
    if (queries.length > GET_METRIC_DATA_LIMITS.queries)
      fail(
        `The collection MetricDataQueries must not have a size greater than ${GET_METRIC_DATA_LIMITS.queries}.`,
      );
    const ids = queries.map((query) => query.Id);
    for (const id of ids)
      if (typeof id !== 'string' || !QUERY_ID.test(id))
        fail(`Invalid metric data query id ${String(id)}: it must start with a lower-case letter`);
    if (new Set(ids).size !== ids.length)
      fail('The values for parameter id in MetricDataQueries are not unique.');
    const start = Math.floor(epochMs(input.StartTime, 'StartTime') / MINUTE) * MINUTE;
    const end = epochMs(input.EndTime, 'EndTime');
    if (!(start < end)) fail('The parameter StartTime must be less than the parameter EndTime.');
    const max = input.MaxDatapoints ?? GET_METRIC_DATA_LIMITS.datapoints;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
      fail('The parameter MaxDatapoints must be a positive integer');
    const ascending = input.ScanBy === 'TimestampAscending';
    if (input.ScanBy !== undefined && !ascending && input.ScanBy !== 'TimestampDescending')
      fail('The parameter ScanBy must be TimestampDescending or TimestampAscending');
    const offset = typeof input.NextToken === 'string' ? Number.parseInt(input.NextToken, 10) : 0;
    if (!Number.isInteger(offset) || offset < 0) fail('The NextToken is not valid');
    let served = 0;
    const results = queries.map((query) => {
      const all = this.#points(query, start, end, now);
      const points = ascending ? all : all.reverse();
      const skip = Math.min(points.length, Math.max(0, offset - served));
      const page = points.slice(skip, skip + Math.max(0, offset + max - served - skip));
      served += points.length;
      return {
        Id: query.Id,
        Label: query.MetricStat?.Metric?.MetricName,
        Timestamps: page.map(([time]) => time),
        Values: page.map(([, value]) => value),
        StatusCode: skip + page.length < points.length ? 'PartialData' : 'Complete',
      };
    });
    return {
      MetricDataResults: results,
      ...(served > offset + max ? { NextToken: String(offset + max) } : {}),
      Messages: [],
    };
  }
}
