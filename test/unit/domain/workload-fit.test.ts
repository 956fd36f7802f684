import { describe, expect, it } from 'vitest';
import type { WorkloadSample } from '../../../shared/domain/durability/workload.js';
import {
  type FitSubject,
  MAX_SHARDS,
  shardsFor,
  shardTarget,
  workloadFit,
} from '../../../shared/domain/durability/workload-fit.js';

/** A group whose shard primaries each peaked at the given MiB/s. */
function sample(peaks: (number | undefined)[], extra: Partial<WorkloadSample> = {}): WorkloadSample {
  return {
    primaries: peaks.map((peak, index) => ({
      shardId: `000${index + 1}`,
      cacheClusterId: `orders-000${index + 1}-001`,
      peakWriteMiBs: peak,
    })),
    p99WriteLatencyMs: 0.4,
    trafficManagementActive: false,
    searchIndexes: 'no',
    method: 'test',
    ...extra,
  };
}

const SUBJECT: FitSubject = { target: 'sync', clusterMode: 'enabled', shards: 1, headroom: 0.7 };

describe('Function: workloadFit', () => {
  it('says exceeds for a primary at 120 MiB/s and asks for the shards that bring it under 70 MiB/s', () => {
    // Act
    const fit = workloadFit(sample([120]), SUBJECT);

    // Assess
    expect(fit.verdict).toBe('exceeds');
    expect(fit.peakWriteMiBs).toBe(120);
    const shards = shardTarget(fit);
    expect(shards).toBe(2);
    expect((120 * 1) / (shards ?? 1)).toBeLessThan(70);
  });

  it('says at-risk and recommends async for 30 MiB/s with a 1 ms budget under sync', () => {
    const fit = workloadFit(sample([30, 28]), { ...SUBJECT, shards: 2, maxWriteLatencyMs: 1 });

    expect(fit.verdict).toBe('at-risk');
    expect(fit.recommendations.map((each) => each.kind)).toEqual(['async']);
    expect(fit.reasons.join(' ')).toContain('1 ms');
    expect(shardTarget(fit)).toBeUndefined();
  });

  it('says fits for 5 MiB/s', () => {
    const fit = workloadFit(sample([5, 4.2]), { ...SUBJECT, maxWriteLatencyMs: 20 });

    expect(fit).toMatchObject({ verdict: 'fits', peakWriteMiBs: 5, recommendations: [] });
  });

  it('leaves the latency budget out when the target is async', () => {
    const fit = workloadFit(sample([30]), { ...SUBJECT, target: 'async', maxWriteLatencyMs: 1 });

    expect(fit.verdict).toBe('fits');
  });

  it('says at-risk above the headroom, with more shards', () => {
    const fit = workloadFit(sample([80, 10]), { ...SUBJECT, shards: 2 });

    expect(fit.verdict).toBe('at-risk');
    expect(shardTarget(fit)).toBe(3);
  });

  it('honours a headroom of its own', () => {
    expect(workloadFit(sample([80]), { ...SUBJECT, headroom: 0.9 }).verdict).toBe('fits');
    expect(workloadFit(sample([80]), { ...SUBJECT, headroom: 0.5 }).verdict).toBe('at-risk');
  });

  it.each([
    ['TrafficManagementActive', { trafficManagementActive: true }, 'TrafficManagementActive'],
    ['search indexes', { searchIndexes: 'yes' as const }, 'Search write throttling'],
  ])('says at-risk when %s is seen', (_name, extra, words) => {
    const fit = workloadFit(sample([5], extra), SUBJECT);

    expect(fit.verdict).toBe('at-risk');
    expect(fit.reasons.join(' ')).toContain(words);
  });

  it('plans no shard count without cluster mode enabled, and says why', () => {
    const fit = workloadFit(sample([120]), { ...SUBJECT, clusterMode: 'disabled' });

    expect(fit.verdict).toBe('exceeds');
    expect(shardTarget(fit)).toBeUndefined();
    expect(fit.recommendations[0]?.text).toContain('cluster mode is disabled');
  });

  it('is unknown when nothing was read, or no primary had a data point', () => {
    expect(workloadFit(undefined, SUBJECT).verdict).toBe('unknown');
    expect(workloadFit(sample([undefined], { trafficManagementActive: undefined }), SUBJECT).verdict).toBe(
      'unknown',
    );
  });
});

describe('Function: shardsFor', () => {
  it('spreads the peak evenly and stops at the service limit', () => {
    expect(shardsFor(3, 120, 0.7)).toBe(6);
    expect(shardsFor(2, 70, 0.7)).toBe(2);
    expect(shardsFor(400, 90, 0.7)).toBe(MAX_SHARDS);
  });
});
