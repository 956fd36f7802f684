/**
 * Migration backends that move data for real. With `redis-server` on PATH, each migrating
 * group is backed by its own `redis-server` on 127.0.0.1 that replicates from the customer
 * source (`REPLICAOF`), is promoted on CompleteMigration (`REPLICAOF NO ONE`) and serves
 * the group's primary endpoint afterwards. Without it, a RESP stand-in answers `PING`,
 * `INFO replication` (with simulated progress) and `REPLICAOF`, so the workflow still runs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readInfo, withNode } from '../../../shared/aws/valkey.js';
import { type Endpoint, type MigrationBackend, reachable } from './migration.js';

/** Whether a real `redis-server` can be started here. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** A `redis-server` child on 127.0.0.1 with no persistence; `stop()` kills it and its files. */
export interface RedisProcess extends Endpoint {
  stop(): void;
}

const running = new Set<RedisProcess>();
process.once('exit', () => {
  for (const server of running) server.stop();
});

/** Start a `redis-server` and wait (bounded) until it answers PING. */
export async function startRedisServer(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      // Start a replica's full sync at once (the default waits 5 s for more replicas).
      '--repl-diskless-sync-delay',
      '0',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const server: RedisProcess = {
    address: '127.0.0.1',
    port,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      running.delete(server);
    },
  };
  running.add(server);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await reachable(server, 200)) return server;
    await sleep(50);
  }
  server.stop();
  throw new Error(`redis-server on port ${port} did not start`);
}

export interface SyncOptions {
  /** How long CompleteMigration waits for the target to catch up before failing. */
  syncTimeoutMs?: number;
}

/** Backend with real `redis-server` targets. */
export function redisServerMigration(options: SyncOptions = {}): MigrationBackend & { close(): void } {
  const targets = new Map<string, { server: RedisProcess; source: Endpoint }>();
  const syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
  return {
    async test(endpoints) {
      const problems: string[] = [];
      for (const endpoint of endpoints) {
        try {
          await withNode(endpoint, async (client) => {
            await client.ping();
            const mode = (await client.config('GET', 'protected-mode')) as string[];
            if (mode[1] === 'yes')
              problems.push(`${endpoint.address}:${endpoint.port} has protected-mode yes`);
          });
        } catch (error) {
          problems.push(`${endpoint.address}:${endpoint.port}: ${(error as Error).message}`);
        }
      }
      return problems.length === 0
        ? { ok: true, message: 'source reachable, no AUTH' }
        : { ok: false, message: problems.join('; ') };
    },
    async start(groupId, endpoints) {
      const source = endpoints[0];
      if (source === undefined) throw new Error('no customer endpoint');
      const server = await startRedisServer();
      targets.set(groupId, { server, source });
      await withNode(server, (client) => client.replicaof(source.address, source.port));
    },
    async complete(groupId, force) {
      const target = targets.get(groupId);
      if (target === undefined) throw new Error(`no migration target for ${groupId}`);
      if (!force) {
        const deadline = Date.now() + syncTimeoutMs;
        for (;;) {
          const [replica, primary] = await Promise.all([readInfo(target.server), readInfo(target.source)]);
          const caughtUp =
            replica.master_link_status === 'up' &&
            replica.master_sync_in_progress === '0' &&
            Number(replica.slave_repl_offset) >= Number(primary.master_repl_offset);
          if (caughtUp) break;
          if (Date.now() > deadline) throw new Error('the target did not catch up with the source in time');
          await sleep(100);
        }
      }
      await withNode(target.server, (client) => client.replicaof('NO', 'ONE'));
    },
    targetEndpoint: (groupId) => {
      const target = targets.get(groupId);
      return target === undefined ? undefined : { address: target.server.address, port: target.server.port };
    },
    close() {
      for (const { server } of targets.values()) server.stop();
      targets.clear();
    },
  };
}

/**
 * A RESP stand-in node: link up after a few INFO reads, offsets converging. It serves as a
 * migration target, or as a source where redis-server is missing.
 */
export async function startStandIn(): Promise<{ server: Server; endpoint: Endpoint }> {
  let reads = 0;
  let promoted = false;
  const server = createServer((socket) => {
    socket.on('data', (data) => {
      const command = data.toString().toUpperCase();
      if (command.includes('PING')) socket.write('+PONG\r\n');
      else if (command.includes('INFO')) {
        reads += 1;
        const up = reads >= 3;
        const body = promoted
          ? '# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:1000\r\n'
          : `# Replication\r\nrole:slave\r\nmaster_link_status:${up ? 'up' : 'down'}\r\nmaster_sync_in_progress:${up ? 0 : 1}\r\nslave_repl_offset:${up ? 1000 : reads * 100}\r\nmaster_repl_offset:1000\r\n`;
        socket.write(`$${Buffer.byteLength(body)}\r\n${body}\r\n`);
      } else {
        if (command.includes('REPLICAOF') && command.includes('NO') && command.includes('ONE'))
          promoted = true;
        socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in did not bind');
  return { server, endpoint: { address: '127.0.0.1', port: address.port } };
}

/** Backend for machines without `redis-server`: no data moves, the protocol answers. */
export function standInMigration(): MigrationBackend & { close(): void } {
  const targets = new Map<string, { server: Server; endpoint: Endpoint }>();
  return {
    async test(endpoints) {
      const results = await Promise.all(endpoints.map((endpoint) => reachable(endpoint)));
      const down = endpoints.filter((_, index) => !results[index]);
      return down.length === 0
        ? { ok: true, message: 'source reachable' }
        : { ok: false, message: `unreachable: ${down.map((e) => `${e.address}:${e.port}`).join(', ')}` };
    },
    async start(groupId) {
      targets.set(groupId, await startStandIn());
    },
    async complete(groupId) {
      const target = targets.get(groupId);
      if (target !== undefined) await withNode(target.endpoint, (client) => client.replicaof('NO', 'ONE'));
    },
    targetEndpoint: (groupId) => targets.get(groupId)?.endpoint,
    close() {
      for (const { server } of targets.values()) server.close();
      targets.clear();
    },
  };
}

/** The real backend when `redis-server` is installed, the stand-in otherwise. */
export function localMigration(
  options: SyncOptions = {},
): MigrationBackend & { close(): void; real: boolean } {
  return hasRedisServer()
    ? { ...redisServerMigration(options), real: true }
    : { ...standInMigration(), real: false };
}
