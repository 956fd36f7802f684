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
import { answerImport, SECURITY_HUB_IMPORT_PATH, SecurityHubFindings } from './security-hub.js';
import { CaptureSinks, JSON_TARGETS, SNS_VERSION } from './sinks.js';
import { getResources } from './tags.js';

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
  securityHub: SecurityHubFindings;
  close(): Promise<void>;
}

const TAGGING_TARGET = 'ResourceGroupsTaggingAPI_20170126.GetResources';

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

/** What the request handlers share: the model and the instruments around it. */
interface Parts {
  model: ElastiCacheModel;
  clock: Clock;
  faults: FaultInjector;
  sinks: CaptureSinks;
}

type ControlInput = Record<string, unknown>;

/** The `/_control/*` endpoints (JSON): time, faults, the legacy durability rule, the request log. */
const CONTROLS: Record<string, (parts: Parts, input: ControlInput) => unknown> = {
  '/_control/clock': ({ clock, model }, input) => {
    if (typeof input.advanceMs === 'number') clock.advance(input.advanceMs);
    if (input.freeze === true) clock.freeze();
    model.tick();
    return { now: new Date(clock.now()).toISOString() };
  },
  '/_control/faults': ({ faults }, input) => {
    faults.configure(input as FaultSettings);
    return faults.settings;
  },
  '/_control/fail-next': ({ faults }, input) => {
    faults.failNext(input as unknown as ScriptedFault);
    return { ok: true };
  },
  '/_control/legacy-durability-rule': ({ model }, input) => {
    model.legacyDurabilityRule = input.enabled === true;
    return { legacyDurabilityRule: model.legacyDurabilityRule };
  },
  '/_control/requests': ({ faults }) => faults.log,
  '/_control/reset': ({ faults }) => {
    faults.reset();
    return { ok: true };
  },
};

function serveControl(parts: Parts, url: string, body: string, response: ServerResponse, requestId: string) {
  const path = url.split('?')[0] ?? url;
  try {
    const input = body === '' ? {} : (JSON.parse(body) as ControlInput);
    const control = Object.hasOwn(CONTROLS, path) ? CONTROLS[path] : undefined;
    if (control === undefined) throw new QueryFault('NotFound', `no control endpoint ${path}`, 404);
    send(response, 200, 'application/json', JSON.stringify(control(parts, input)), requestId);
  } catch (error) {
    send(response, 400, 'application/json', JSON.stringify({ error: (error as Error).message }), requestId);
  }
}

/** The JSON targets: the Tagging API's GetResources and the capture sinks. */
function jsonResult(parts: Parts, target: string, input: Record<string, unknown>): unknown {
  const now = parts.clock.now();
  if (target === TAGGING_TARGET) return getResources(parts.model, input);
  if (target === JSON_TARGETS.putEvents) return parts.sinks.putEvents(input, now);
  if (target === JSON_TARGETS.getMetricData) return parts.sinks.getMetricData(input, now);
  if (target === JSON_TARGETS.sendMessage) return parts.sinks.sendMessage(input, now);
  if (target === JSON_TARGETS.startExecution) return parts.sinks.startExecution(input, now);
  throw new QueryFault('UnknownOperationException', `Unsupported target ${target}`);
}

async function serveJson(
  parts: Parts,
  target: string,
  body: string,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const { clock, faults } = parts;
  const action = target.split('.').pop() ?? '';
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
  } catch {
    const malformed = { __type: 'InvalidParameterException', message: 'Malformed JSON' };
    send(response, 400, 'application/x-amz-json-1.1', JSON.stringify(malformed), requestId);
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
    const answer = { __type: injected.code, message: injected.message };
    send(response, injected.status, 'application/x-amz-json-1.1', JSON.stringify(answer), requestId);
    return;
  }
  const contentType = /^(Granite|AmazonSQS|AWSStepFunctions)/.test(target)
    ? 'application/x-amz-json-1.0'
    : 'application/x-amz-json-1.1';
  try {
    parts.model.tick();
    send(response, 200, contentType, JSON.stringify(jsonResult(parts, target, input)), requestId);
  } catch (error) {
    const fault =
      error instanceof QueryFault ? error : new QueryFault('InternalServiceException', String(error), 500);
    const answer = { __type: fault.code, message: fault.message };
    send(response, fault.status, contentType, JSON.stringify(answer), requestId);
  }
}

/** The Query protocol: ElastiCache actions through the model's action table, and SNS Publish. */
async function serveQuery(
  parts: Parts,
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const { clock, faults, model, sinks } = parts;
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
    const fault = error instanceof QueryFault ? error : new QueryFault('InternalFailure', String(error), 500);
    entry.fault = fault.code;
    send(response, fault.status, 'text/xml', errorXml(fault, requestId), requestId);
  }
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
  const securityHub = new SecurityHubFindings(options.captureDir);
  const faults = new FaultInjector();
  if (options.faults !== undefined) faults.configure(options.faults);

  const parts: Parts = { model, clock, faults, sinks };

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
    const body = await readBody(request);
    const url = request.url ?? '/';
    const target = request.headers['x-amz-target'];
    if (url.startsWith('/_control/')) serveControl(parts, url, body, response, requestId);
    else if (request.method === 'POST' && url === SECURITY_HUB_IMPORT_PATH) {
      // Until callers are told apart by their credentials: the central account, in us-east-1.
      const answer = answerImport(
        securityHub,
        { account: '123456789012', region: 'us-east-1' },
        body,
        clock.now(),
      );
      send(response, answer.status, 'application/json', answer.body, requestId);
    } else if (target !== undefined) await serveJson(parts, String(target), body, response, requestId);
    else await serveQuery(parts, request, body, response, requestId);
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
    securityHub,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
