import { Redis } from 'iovalkey';

/**
 * The data-plane side of ElastiCache: what the migration workflow reads from a source or a
 * target node over the Valkey protocol. Connections are short-lived and bounded in time.
 */

export interface NodeAddress {
  address: string;
  port: number;
}

/** Parse `INFO` text (`key:value` lines, `# Section` headers) into a flat map. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/**
 * Open a connection that fails fast: no offline queue, no reconnect loop, a connect timeout.
 * The caller must `disconnect()` it.
 */
export function connectNode(node: NodeAddress, timeoutMs = 2000): Redis {
  return new Redis({
    host: node.address,
    port: node.port,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: () => null,
    lazyConnect: true,
    // The ready check sends its own INFO; these connections are used once and need none.
    enableReadyCheck: false,
  });
}

/** Run one command-sequence against a node and always close the connection. */
export async function withNode<T>(
  node: NodeAddress,
  work: (client: Redis) => Promise<T>,
  timeoutMs = 2000,
): Promise<T> {
  const client = connectNode(node, timeoutMs);
  client.on('error', () => undefined); // errors surface through the awaited commands
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** `INFO <section>` of a node, parsed. */
export async function readInfo(
  node: NodeAddress,
  section = 'replication',
  timeoutMs = 2000,
): Promise<Record<string, string>> {
  return withNode(node, async (client) => parseInfo(await client.info(section)), timeoutMs);
}
