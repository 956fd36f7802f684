/**
 * The fleet scan against the sandbox: API calls against the naive script, and wall time
 * against two floors: sequential describe pages x latency, and the same pages fetched one
 * after another with plain `fetch` and no parsing (this machine's true floor).
 */
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { createFleetClients } from '../shared/aws/clients.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { REGION, round, rows, sandbox, timed } from './common.js';

/** The script a user writes by hand: describe pages one after another, then tags per resource. */
async function naiveScan(endpoint: string): Promise<number> {
  const client = new ElastiCacheClient({ endpoint, region: REGION });
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, Marker: marker }));
    arns.push(...(page.ReplicationGroups ?? []).map((group) => group.ARN ?? ''));
    marker = page.Marker;
  } while (marker !== undefined);
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeServerlessCachesCommand({ MaxResults: 100, NextToken: token }),
    );
    arns.push(...(page.ServerlessCaches ?? []).map((cache) => cache.ARN ?? ''));
    token = page.NextToken;
  } while (token !== undefined);
  for (const arn of arns) await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  return arns.length;
}

export async function apiCalls(groups: number): Promise<void> {
  const emulator = await sandbox(groups);
  const resources = emulator.model.groups.size + emulator.model.serverless.size;
  await readFleet(createFleetClients({ endpoint: emulator.endpoint, region: REGION }));
  const ours = emulator.faults.log.length;
  emulator.faults.log.length = 0;
  await naiveScan(emulator.endpoint);
  const naive = emulator.faults.log.length;
  await emulator.close();
  const bound = 2 * Math.ceil(resources / 100) + 4;
  rows.push({
    name: `API calls, full scan of ${groups} groups + ${groups / 10} serverless`,
    value: ours,
    unit: 'calls',
    baseline: naive,
    goal: `<= 2*ceil(N/100)+4 = ${bound} (N = ${resources} resources)`,
    ratio: round(ours / naive, 4),
    met: ours <= bound,
  });
}

/**
 * The describe pages `readFleet` reads, fetched one after another with plain `fetch` (AWS Query,
 * as the SDK sends them, unsigned: the emulator does not check signatures) and no parsing
 * beyond finding the next page's marker. Returns the pages read.
 */
async function fetchPages(endpoint: string): Promise<number> {
  let pages = 0;
  for (const [action, size, token] of [
    ['DescribeReplicationGroups', 'MaxRecords', 'Marker'],
    ['DescribeServerlessCaches', 'MaxResults', 'NextToken'],
  ] as const) {
    let next: string | undefined;
    do {
      const body = new URLSearchParams({ Action: action, Version: '2015-02-02', [size]: '100' });
      if (next !== undefined) body.set(token, next);
      const answer = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const text = await answer.text();
      pages += 1;
      const at = text.indexOf(`<${token}>`);
      next = at < 0 ? undefined : text.slice(at + token.length + 2, text.indexOf(`</${token}>`, at));
    } while (next !== undefined);
  }
  return pages;
}

export async function wallTime(groups: number, latencyMs: number, naiveGroups: number): Promise<void> {
  const emulator = await sandbox(groups, latencyMs);
  const pages = Math.ceil(emulator.model.groups.size / 100) + Math.ceil(emulator.model.serverless.size / 100);
  const lowerBound = pages * latencyMs;
  const ours = await timed(() =>
    readFleet(createFleetClients({ endpoint: emulator.endpoint, region: REGION })),
  );
  const floor = await timed(() => fetchPages(emulator.endpoint));
  if (floor.value !== pages) throw new Error(`the floor read ${floor.value} pages, the scan ${pages}`);
  await emulator.close();
  rows.push({
    name: `Scan wall time, ${groups} groups, ${latencyMs} ms per call`,
    value: round(ours.ms, 0),
    unit: 'ms',
    baseline: lowerBound,
    goal: 'ratio to sequential describe pages x latency <= 1.25',
    ratio: round(ours.ms / lowerBound),
    met: ours.ms / lowerBound <= 1.25,
  });
  rows.push({
    name: `Scan wall time, ${groups} groups, ${latencyMs} ms per call, against plain fetch of the same ${pages} pages`,
    value: round(ours.ms, 0),
    unit: 'ms',
    baseline: round(floor.ms, 0),
    goal: 'ratio to the same pages fetched with plain fetch, no parsing <= 1.25',
    ratio: round(ours.ms / floor.ms),
    met: ours.ms / floor.ms <= 1.25,
  });
  const small = await sandbox(naiveGroups, latencyMs);
  const smallBound =
    (Math.ceil(small.model.groups.size / 100) + Math.ceil(small.model.serverless.size / 100)) * latencyMs;
  const naive = await timed(() => naiveScan(small.endpoint));
  await small.close();
  rows.push({
    name: `Naive script wall time, ${naiveGroups} groups, ${latencyMs} ms per call`,
    value: round(naive.ms, 0),
    unit: 'ms',
    baseline: smallBound,
    goal: 'reference (one ListTagsForResource per resource)',
    ratio: round(naive.ms / smallBound),
    met: false,
  });
}
