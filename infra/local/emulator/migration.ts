import { connect } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * The data-moving side of an online migration. The emulator keeps the control-plane state
 * (`migrating`, events, faults); a backend moves (or pretends to move) the data.
 */
export interface MigrationBackend {
  /** Check the customer endpoints (TestMigration); moves no data. */
  test(endpoints: Endpoint[]): Promise<{ ok: boolean; message: string }>;
  /** Start replicating from the customer endpoints into the group. */
  start(groupId: string, endpoints: Endpoint[]): Promise<void>;
  /** Promote the group; with `force`, stop at once without waiting for data to be in sync. */
  complete(groupId: string, force: boolean): Promise<void>;
  /** Where clients reach the group's primary, when the backend serves one. */
  targetEndpoint(groupId: string): Endpoint | undefined;
}

/** Whether something accepts TCP connections at the endpoint, within `timeoutMs`. */
export function reachable(endpoint: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.address, port: endpoint.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Moves no data: TestMigration checks reachability, StartMigration and CompleteMigration succeed. */
export const simulatedMigration: MigrationBackend = {
  async test(endpoints) {
    const results = await Promise.all(endpoints.map((endpoint) => reachable(endpoint)));
    const unreachable = endpoints.filter((_, index) => !results[index]);
    return unreachable.length === 0
      ? { ok: true, message: 'all customer endpoints reachable' }
      : { ok: false, message: `unreachable: ${unreachable.map((e) => `${e.address}:${e.port}`).join(', ')}` };
  },
  async start() {},
  async complete() {},
  targetEndpoint: () => undefined,
};
