/**
 * The ElastiCache emulator's HTTP front: AWS Query for ElastiCache, JSON 1.1 for the
 * Resource Groups Tagging API's GetResources, and `/_control/*` (JSON) for tests, the demo
 * and benchmarks. Binds 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from './clock.js';
import { FaultInjector, type FaultSettings, type LoggedRequest, type ScriptedFault } from './faults.js';
import { type MigrationBackend, simulatedMigration } from './migration.js';
import { ElastiCacheModel } from './model.js';
import { API_VERSION, errorXml, isKnownAction, parseQuery, QueryFault, resultXml } from './protocol.js';
import { CaptureSinks, JSON_TARGETS, SNS_VERSION } from './sinks.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: Clock;
  region?: string;
  legacyDurabilityRule?: boolean;
  migrationBackend?: MigrationBackend;
  faults?: FaultSettings;
  /** Where captured SNS messages and EventBridge events are appended as JSONL. */
  captureDir?: string;
}

export interface Emulator {
  endpoint: string;
  port: number;
  model: ElastiCacheModel;
  clock: Clock;
  faults: FaultInjector;
  sinks: CaptureSinks;
  close(): Promise<void>;
}

const TAGGING_TARGET = 'ResourceGroupsTaggingAPI_20170126.GetResources';
const TAGGING_TYPES: Record<string, 'groups' | 'serverless' | 'snapshots'> = {
  'elasticache:replicationgroup': 'groups',
  'elasticache:serverlesscache': 'serverless',
  'elasticache:snapshot': 'snapshots',
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  requestId: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

interface TagFilter {
  Key?: string;
  Values?: string[];
}

/** GetResources over the model: ARNs with their tags, paged (ResourcesPerPage ≤ 100). */
function getResources(model: ElastiCacheModel, input: Record<string, unknown>) {
  const types = (input.ResourceTypeFilters as string[] | undefined) ?? Object.keys(TAGGING_TYPES);
  const filters = (input.TagFilters as TagFilter[] | undefined) ?? [];
  const perPage = Number(input.ResourcesPerPage ?? 100);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    throw new QueryFault('InvalidParameterException', 'ResourcesPerPage must be between 1 and 100.');
  }
  // The token is where the walk stopped: the type's index and the position in its sorted ids.
  const [startType, startAt] = String(input.PaginationToken ?? '0:0')
    .split(':')
    .map((part) => Number(part) || 0);
  const rows: { arn: string; tags: Map<string, string> }[] = [];
  let next = '';
  for (let typeIndex = startType ?? 0; typeIndex < types.length && next === ''; typeIndex += 1) {
    const kind = TAGGING_TYPES[types[typeIndex] ?? ''];
    if (kind === undefined) continue;
    const arnKind =
      kind === 'groups' ? 'replicationgroup' : kind === 'serverless' ? 'serverlesscache' : 'snapshot';
    const ids = model.sortedIds(kind);
    for (let position = typeIndex === startType ? (startAt ?? 0) : 0; position < ids.length; position += 1) {
      if (rows.length === perPage) {
        next = `${typeIndex}:${position}`;
        break;
      }
      const item = model[kind].get(ids[position] ?? '');
      // Like the real API: only resources that carry tags are listed.
      if (item === undefined || item.tags.size === 0) continue;
      const pass = filters.every((filter) => {
        const value = filter.Key === undefined ? undefined : item.tags.get(filter.Key);
        return (
          value !== undefined &&
          (filter.Values === undefined || filter.Values.length === 0 || filter.Values.includes(value))
        );
      });
      if (pass) rows.push({ arn: model.arn(arnKind, ids[position] ?? ''), tags: item.tags });
    }
  }
  return {
    ResourceTagMappingList: rows.map((row) => ({
      ResourceARN: row.arn,
      Tags: [...row.tags].map(([Key, Value]) => ({ Key, Value })),
    })),
    PaginationToken: next,
  };
}

/**
 * Start the emulator. Point any client at `endpoint` (or set `AWS_ENDPOINT_URL`).
 *
 * @example
 * const emulator = await startEmulator();
 * const client = new ElastiCacheClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? new Clock();
  const model = new ElastiCacheModel({
    clock,
    region: options.region,
    migration: options.migrationBackend ?? simulatedMigration,
  });
  model.legacyDurabilityRule = options.legacyDurabilityRule ?? false;
  const sinks = new CaptureSinks(options.captureDir);
  const faults = new FaultInjector();
  if (options.faults !== undefined) faults.configure(options.faults);

  const control = async (path: string, body: string): Promise<unknown> => {
    const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
    switch (path) {
      case '/_control/clock':
        if (typeof input.advanceMs === 'number') clock.advance(input.advanceMs);
        if (input.freeze === true) clock.freeze();
        model.tick();
        return { now: new Date(clock.now()).toISOString() };
      case '/_control/faults':
        faults.configure(input as FaultSettings);
        return faults.settings;
      case '/_control/fail-next':
        faults.failNext(input as unknown as ScriptedFault);
        return { ok: true };
      case '/_control/legacy-durability-rule':
        model.legacyDurabilityRule = input.enabled === true;
        return { legacyDurabilityRule: model.legacyDurabilityRule };
      case '/_control/requests':
        return faults.log;
      case '/_control/reset':
        faults.reset();
        return { ok: true };
      default:
        throw new QueryFault('NotFound', `no control endpoint ${path}`, 404);
    }
  };

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
    const body = await readBody(request);
    const url = request.url ?? '/';
    if (url.startsWith('/_control/')) {
      try {
        send(
          response,
          200,
          'application/json',
          JSON.stringify(await control(url.split('?')[0] ?? url, body)),
          requestId,
        );
      } catch (error) {
        send(
          response,
          400,
          'application/json',
          JSON.stringify({ error: (error as Error).message }),
          requestId,
        );
      }
      return;
    }
    const target = request.headers['x-amz-target'];
    if (target !== undefined) {
      const action = String(target).split('.').pop() ?? '';
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
      } catch {
        send(
          response,
          400,
          'application/x-amz-json-1.1',
          JSON.stringify({ __type: 'InvalidParameterException', message: 'Malformed JSON' }),
          requestId,
        );
        return;
      }
      const injected = faults.pick(action, 'ThrottlingException');
      faults.log.push({
        action,
        params: input,
        time: new Date(clock.now()).toISOString(),
        arrivedMs: performance.now(),
        fault: injected?.code,
        injected: injected !== undefined,
      });
      const latency = faults.latencyFor(action);
      if (latency > 0) await sleep(latency);
      if (injected !== undefined) {
        send(
          response,
          injected.status,
          'application/x-amz-json-1.1',
          JSON.stringify({ __type: injected.code, message: injected.message }),
          requestId,
        );
        return;
      }
      const contentType = /^(Granite|AmazonSQS)/.test(String(target))
        ? 'application/x-amz-json-1.0'
        : 'application/x-amz-json-1.1';
      try {
        model.tick();
        const now = clock.now();
        const result =
          target === TAGGING_TARGET
            ? getResources(model, input)
            : target === JSON_TARGETS.putEvents
              ? sinks.putEvents(input, now)
              : target === JSON_TARGETS.getMetricData
                ? sinks.getMetricData(input, now)
                : target === JSON_TARGETS.sendMessage
                  ? sinks.sendMessage(input, now)
                  : undefined;
        if (result === undefined)
          throw new QueryFault('UnknownOperationException', `Unsupported target ${String(target)}`);
        send(response, 200, contentType, JSON.stringify(result), requestId);
      } catch (error) {
        const fault =
          error instanceof QueryFault
            ? error
            : new QueryFault('InternalServiceException', String(error), 500);
        send(
          response,
          fault.status,
          contentType,
          JSON.stringify({ __type: fault.code, message: fault.message }),
          requestId,
        );
      }
      return;
    }

    const { action, version, params } = parseQuery(body);
    const injected = faults.pick(action, 'Throttling');
    const entry: LoggedRequest = {
      action,
      params,
      time: new Date(clock.now()).toISOString(),
      arrivedMs: performance.now(),
      fault: injected?.code,
      injected: injected !== undefined && !injected.applied,
    };
    faults.log.push(entry);
    const latency = faults.latencyFor(action);
    if (latency > 0) await sleep(latency);
    try {
      if (injected !== undefined && !injected.applied)
        throw new QueryFault(injected.code, injected.message, injected.status);
      if (action === '') {
        throw new QueryFault('MissingAction', 'The request must contain the parameter Action');
      }
      if (version === SNS_VERSION && action === 'Publish') {
        const { MessageId } = sinks.publish(params, clock.now());
        const xml = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/${SNS_VERSION}/"><PublishResult><MessageId>${MessageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`;
        send(response, 200, 'text/xml', xml, requestId);
        return;
      }
      if (version !== API_VERSION)
        throw new QueryFault(
          'InvalidParameterValue',
          `Unsupported Version ${version ?? '(none)'}; use ${API_VERSION}`,
        );
      if (!isKnownAction(action))
        throw new QueryFault('InvalidAction', `The action ${action} is not valid for this web service.`);
      const result = await model.handle(action, params);
      if (injected?.applied === true) {
        // The change is made; its answer is lost on the way back.
        entry.fault = injected.code;
        if (injected.status === 0) {
          request.socket.destroy();
          return;
        }
        throw new QueryFault(injected.code, injected.message, injected.status);
      }
      send(response, 200, 'text/xml', resultXml(action, result, requestId), requestId);
    } catch (error) {
      const fault =
        error instanceof QueryFault ? error : new QueryFault('InternalFailure', String(error), 500);
      entry.fault = fault.code;
      send(response, fault.status, 'text/xml', errorXml(fault, requestId), requestId);
    }
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    model,
    clock,
    faults,
    sinks,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
