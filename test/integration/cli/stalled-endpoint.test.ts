/**
 * An endpoint that accepts connections and never answers must not hang the CLI or a job:
 * every client has connection and request timeouts, and the failure names the endpoint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { setDurability } from '../../../shared/aws/elasticache.js';
import { captureIo } from '../../cli-io.js';

let server: Server;
let endpoint = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY = 'sandbox';
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('A stalled endpoint', () => {
  it('makes the CLI exit 3 with one line naming the endpoint', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'guardrails-stalled-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - { name: r, durability: { minimum: sync } }\n');
    const io = captureIo();

    // Act
    const code = await runCli(
      ['scan', '--policy', policy, '--endpoint-url', endpoint, '--region', 'us-east-1', '--timeout', '0.2'],
      io,
    );

    // Assess
    expect(code).toBe(EXIT.aws);
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(io.err()).toContain(`(endpoint ${endpoint})`);
    expect(io.err()).toMatch(/timed out|TimeoutError/i);
  });

  it('fails a read after its attempts, each cut at the request timeout', async () => {
    // Prepare
    const clients = createFleetClients({
      endpoint,
      region: 'us-east-1',
      maxAttempts: 2,
      timeouts: { connectMs: 200, requestMs: 200 },
    });

    // Act
    const error = await clients.elasticache
      .send(new DescribeReplicationGroupsCommand({}))
      .catch((caught) => caught);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(endpoint);
    expect((error as Error).name).toBe('TimeoutError');
    expect((error as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(2);
  });

  it('never sends a change twice: a timed-out ModifyReplicationGroup is read back, not retried', async () => {
    // Prepare
    const clients = createFleetClients({
      endpoint,
      region: 'us-east-1',
      maxAttempts: 3,
      timeouts: { connectMs: 200, requestMs: 200 },
    });
    const bodies: string[] = [];
    const listener = (socket: Socket) => socket.on('data', (data) => bodies.push(data.toString()));
    server.on('connection', listener);

    // Act
    const error = await setDurability(clients.elasticache, 'stalled-1', 'sync', true).catch(
      (caught) => caught,
    );
    server.off('connection', listener);

    // Assess: one modify, then the read-back (itself retried: reads are safe), then the failure.
    const actions = bodies
      .map((body) => /Action=(\w+)/.exec(body)?.[1])
      .filter((action) => action !== undefined);
    expect(actions[0]).toBe('ModifyReplicationGroup');
    expect(actions.filter((action) => action === 'ModifyReplicationGroup')).toHaveLength(1);
    expect(actions.slice(1)).toEqual([
      'DescribeReplicationGroups',
      'DescribeReplicationGroups',
      'DescribeReplicationGroups',
    ]);
    expect((error as Error).message).toContain('DescribeReplicationGroups failed');
  });
});
