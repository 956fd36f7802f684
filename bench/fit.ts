/**
 * The workload-fit metric reads: 1 000 seeded groups read from the sandbox as the plan reads
 * them (describe, then the workload model), each given a steady write rate per primary, then
 * `readWorkload` over 14 days, its GetMetricData calls counted at the sandbox.
 */

import { applyWorkload } from '../infra/local/emulator/workload.js';
import { createFleetClients } from '../shared/aws/clients.js';
import { createMetricsClient, QUERIES_PER_CALL } from '../shared/aws/durability-metrics.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { readWorkload } from '../shared/aws/workload-metrics.js';
import { type WorkloadGroup, workloadGroupOf } from '../shared/domain/durability/workload.js';
import { REGION, round, rows, sandbox, timed } from './common.js';

export async function fitReads(groups: number): Promise<void> {
  const emulator = await sandbox(groups);
  const resources = await readFleet(createFleetClients({ endpoint: emulator.endpoint, region: REGION }));
  const workloads = resources
    .map(workloadGroupOf)
    .filter((group): group is WorkloadGroup => group !== undefined);
  for (const [index, group] of [...emulator.model.groups.values()].entries()) {
    const writeMiBs = (index % 12) * 10;
    applyWorkload(
      emulator.sinks.metrics,
      group,
      emulator.model.memberIds(group),
      {
        groupId: group.id,
        shape: 'steady',
        writeMiBs,
      },
      emulator.clock.now(),
    );
  }
  const queries = workloads.reduce(
    (sum, group) =>
      sum +
      group.primaries.reduce((count, primary) => count + (primary.members?.length ?? 1), 0) +
      group.nodes.length * 3,
    0,
  );
  const before = emulator.faults.count('GetMetricData');
  const { ms, value: samples } = await timed(() =>
    readWorkload(
      createMetricsClient({ endpoint: emulator.endpoint, region: REGION }),
      workloads,
      new Date(),
      14,
    ),
  );
  const calls = emulator.faults.count('GetMetricData') - before;
  await emulator.close();
  const read = [...samples.values()].filter((sample) =>
    sample.primaries.every((primary) => primary.peakWriteMiBs !== undefined),
  ).length;
  const bound = Math.ceil(queries / QUERIES_PER_CALL);
  rows.push({
    name: `Workload-fit reads, ${workloads.length} groups, 14 days (${queries} queries, ${read} groups with every primary's peak, ${round(ms / 1000)} s)`,
    value: calls,
    unit: 'calls',
    baseline: workloads.length,
    goal: `<= ceil(queries/500) = ${bound}`,
    ratio: round(calls / workloads.length, 4),
    met: calls <= bound,
  });
}
