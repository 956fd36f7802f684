/**
 * The emulator's HTTP front: AWS Query for ElastiCache, STS and SNS; JSON 1.x for the
 * Resource Groups Tagging API, Organizations, SSM and the capture sinks; REST-JSON for the routes
 * in REST_ROUTES; REST-XML for S3 (requests signed for `s3`, s3.ts); and `/_control/*` (JSON) for tests, the demo and benchmarks. Each request
 * acts in the account and region its SigV4 credentials name (identity.ts). Binds 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AccessSettings, Accounts, type Caller, CENTRAL_ACCOUNT, type Targets } from './accounts.js';
import { Clock } from './clock.js';
import { controlAnswer } from './controls.js';
import { FaultInjector, type FaultSettings } from './faults.js';
import { type Parts, type RestRoute, refuseUnpermitted, resolveCaller, signingScope } from './identity.js';
import { type Call, intake } from './intake.js';
import { type MigrationBackend, simulatedMigration } from './migration.js';
import type { ElastiCacheModel } from './model.js';
import { ORGANIZATIONS_PREFIX, Organization, type OrganizationSettings } from './organizations.js';
import { ParameterStore, SSM_PREFIX } from './parameters.js';
import { API_VERSION, errorXml, isKnownAction, parseQuery, QueryFault, resultXml } from './protocol.js';
import { listRegions } from './regions.js';
import { serveS3 } from './s3.js';
import { S3Store } from './s3-store.js';
import {
  importFindings,
  notSubscribed,
  SECURITY_HUB_IMPORT_PATH,
  SecurityHubFindings,
} from './security-hub.js';
import { CaptureSinks, JSON_TARGETS, SNS_VERSION } from './sinks.js';
import { STS_VERSION, stsAnswer } from './sts.js';
import { getResources } from './tags.js';

export type { Caller } from './accounts.js';
export { CENTRAL_ACCOUNT } from './accounts.js';
export type { Parts, RestRoute } from './identity.js';
export { resolveCaller } from './identity.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: Clock;
  /** The central account's default region (unsigned requests act there); `us-east-1` unless set. */
  region?: string;
  /** The account × region pairs served, each with its own fleet; default: the central account in `region`. */
  targets?: Targets;
  /** What STS refuses and which regions accounts have disabled (also `/_control/accounts`). */
  access?: AccessSettings;
  /** Organizational units and the accounts' State (also `/_control/organization`). */
  organization?: OrganizationSettings;
  legacyDurabilityRule?: boolean;
  migrationBackend?: MigrationBackend;
  faults?: FaultSettings;
  /** Where captured SNS messages and EventBridge events are appended as JSONL. */
  captureDir?: string;
}

/** The running emulator: its address, and the stores and instruments its handlers share ({@link Parts}). */
export interface Emulator extends Parts {
  endpoint: string;
  port: number;
  /** The fleet of one served account × region pair (an Error for a pair not served). */
  fleetOf(account: string, region: string): ElastiCacheModel;
  close(): Promise<void>;
}

// --- REST-JSON routes: one line per operation -------------------------------------------
/** `POST <path>` operations (REST-JSON), by path. Add a route here; its service and action name go in REST_NAMES. */
export const REST_ROUTES: Record<string, RestRoute> = {
  '/listRegions': listRegions,
  [SECURITY_HUB_IMPORT_PATH]: async (parts, caller, input) => {
    if (!parts.accounts.securityHubEnabled(caller.account, caller.region))
      throw notSubscribed(caller.account);
    await parts.securityHub.admit();
    return importFindings(parts.securityHub, caller, input, parts.clock.now());
  },
};
/** The service and action each REST path is logged under (others: the signing service and the path). */
const REST_NAMES: Record<string, [service: string, action: string]> = {
  '/listRegions': ['account', 'ListRegions'],
  '/findings/import': ['securityhub', 'BatchImportFindings'],
};
// ----------------------------------------------------------------------------------------

const TAGGING_TARGET = 'ResourceGroupsTaggingAPI_20170126.GetResources';
/** The service of each Query API version and JSON target prefix, as the request log names it. */
const QUERY_SERVICES: Record<string, string> = {
  [API_VERSION]: 'elasticache',
  [STS_VERSION]: 'sts',
  [SNS_VERSION]: 'sns',
};
const JSON_SERVICES: Record<string, string> = {
  ResourceGroupsTaggingAPI_20170126: 'tagging',
  AWSOrganizationsV20161128: 'organizations',
  AWSEvents: 'events',
  GraniteServiceVersion20100801: 'cloudwatch',
  AmazonSQS: 'sqs',
  AWSStepFunctions: 'stepfunctions',
  AmazonSSM: 'ssm',
};

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, type: string, body: string, requestId: string): void {
  response.writeHead(status, {
    'content-type': type,
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** A JSON-protocol fault: `__type` in the body (JSON 1.x) and `x-amzn-errortype` (REST-JSON). */
function sendJsonFault(response: ServerResponse, fault: QueryFault, type: string, requestId: string): void {
  response.setHeader('x-amzn-errortype', fault.code);
  send(
    response,
    fault.status,
    type,
    JSON.stringify({ __type: fault.code, message: fault.message }),
    requestId,
  );
}

/** The JSON targets: the Tagging API, Organizations, SSM, and the capture sinks (central outputs). */
function jsonResult(parts: Parts, caller: Caller, target: string, input: Record<string, unknown>): unknown {
  const now = parts.clock.now();
  if (target === TAGGING_TARGET) {
    const fleet = parts.accounts.fleetOf(caller.account, caller.region);
    fleet.tick();
    return getResources(fleet, input);
  }
  if (target.startsWith(ORGANIZATIONS_PREFIX))
    return parts.organization.handle(target.slice(ORGANIZATIONS_PREFIX.length), input, caller);
  if (target.startsWith(SSM_PREFIX))
    return parts.parameters.handle(target.slice(SSM_PREFIX.length), input, caller);
  parts.model.tick();
  if (target === JSON_TARGETS.putEvents) return parts.sinks.putEvents(input, now);
  if (target === JSON_TARGETS.getMetricData) return parts.sinks.getMetricData(input, now);
  if (target === JSON_TARGETS.sendMessage) return parts.sinks.sendMessage(input, now);
  if (target === JSON_TARGETS.startExecution) return parts.sinks.startExecution(input, now);
  throw new QueryFault('UnknownOperationException', `Unsupported target ${target}`);
}

/** JSON 1.x (`x-amz-target`) and REST-JSON (`POST <path>` of REST_ROUTES): a JSON body in, a JSON answer out. */
async function serveJson(
  parts: Parts,
  call: Omit<Call, 'params' | 'service' | 'action' | 'protocol'>,
  route: { target: string } | { path: string },
  body: string,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const [service, action] =
    'target' in route
      ? [JSON_SERVICES[route.target.split('.')[0] ?? ''] ?? 'unknown', route.target.split('.').pop() ?? '']
      : (REST_NAMES[route.path] ?? [
          signingScope(call.request.headers.authorization)?.service ?? 'unknown',
          route.path,
        ]);
  const contentType =
    'path' in route
      ? 'application/json'
      : /^(Granite|AmazonSQS|AWSStepFunctions)/.test(route.target)
        ? 'application/x-amz-json-1.0'
        : 'application/x-amz-json-1.1';
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
  } catch {
    const fault = new QueryFault('InvalidParameterException', 'Malformed JSON', 400);
    sendJsonFault(response, fault, contentType, requestId);
    return;
  }
  const throttleCode = service === 'organizations' ? 'TooManyRequestsException' : 'ThrottlingException';
  const { entry, refusal, injected } = await intake(
    parts,
    { ...call, service, action, params: input, protocol: 'json' },
    throttleCode,
  );
  try {
    if (refusal !== undefined) throw refusal;
    if (injected !== undefined) throw new QueryFault(injected.code, injected.message, injected.status);
    // A route may answer with a promise.
    const result = await ('target' in route
      ? jsonResult(parts, call.caller, route.target, input)
      : REST_ROUTES[route.path]?.(parts, call.caller, input));
    send(response, 200, contentType, JSON.stringify(result ?? {}), requestId);
  } catch (error) {
    const fault =
      error instanceof QueryFault ? error : new QueryFault('InternalServiceException', String(error), 500);
    entry.fault = fault.code;
    sendJsonFault(response, fault, contentType, requestId);
  }
}

/** The XML answer of a Query action other than SNS and STS: ElastiCache, in the caller's pair. */
async function elastiCacheAnswer(
  parts: Parts,
  caller: Caller,
  action: string,
  version: string | undefined,
  params: ReturnType<typeof parseQuery>['params'],
) {
  if (version !== API_VERSION)
    throw new QueryFault(
      'InvalidParameterValue',
      `Unsupported Version ${version ?? '(none)'}; use ${API_VERSION}`,
    );
  if (!isKnownAction(action))
    throw new QueryFault('InvalidAction', `The action ${action} is not valid for this web service.`);
  refuseUnpermitted(parts.accounts, caller, action, params);
  return parts.accounts.fleetOf(caller.account, caller.region).handle(action, params);
}

/** The Query protocol: ElastiCache actions through the caller's fleet, STS, and SNS Publish. */
async function serveQuery(
  parts: Parts,
  call: Omit<Call, 'params' | 'service' | 'action' | 'protocol'>,
  body: string,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const { clock, sinks } = parts;
  const { action, version, params } = parseQuery(body);
  const service = QUERY_SERVICES[version ?? ''] ?? 'elasticache';
  const { entry, refusal, injected } = await intake(
    parts,
    { ...call, service, action, params, protocol: 'query' },
    'Throttling',
  );
  try {
    if (refusal !== undefined) throw refusal;
    if (injected !== undefined && !injected.applied)
      throw new QueryFault(injected.code, injected.message, injected.status);
    if (action === '') throw new QueryFault('MissingAction', 'The request must contain the parameter Action');
    if (version === SNS_VERSION && action === 'Publish') {
      const { MessageId } = sinks.publish(params, clock.now());
      const xml = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/${SNS_VERSION}/"><PublishResult><MessageId>${MessageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`;
      send(response, 200, 'text/xml', xml, requestId);
      return;
    }
    if (version === STS_VERSION) {
      const xml = stsAnswer(action, params, call.caller, parts.accounts, clock.now(), requestId);
      send(response, 200, 'text/xml', xml, requestId);
      return;
    }
    const result = await elastiCacheAnswer(parts, call.caller, action, version, params);
    if (injected?.applied === true) {
      // The change is made; its answer is lost on the way back.
      entry.fault = injected.code;
      if (injected.status === 0) {
        call.request.socket.destroy();
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
 * const emulator = await startEmulator({ targets: { accounts: ['100000000001'], regions: ['us-east-1', 'eu-west-1'] } });
 * const client = new ElastiCacheClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? new Clock();
  const defaultRegion = options.region ?? options.targets?.regions[0] ?? 'us-east-1';
  const accounts = new Accounts(
    options.targets ?? { accounts: [CENTRAL_ACCOUNT], regions: [defaultRegion] },
    {
      clock,
      migration: options.migrationBackend ?? simulatedMigration,
      defaultRegion,
    },
  );
  if (options.access !== undefined) accounts.configure(options.access);
  for (const { model } of accounts.pairs())
    model.legacyDurabilityRule = options.legacyDurabilityRule ?? false;
  const organization = new Organization(accounts.accounts, options.organization);
  const model = accounts.fleetOf(CENTRAL_ACCOUNT, defaultRegion);
  const sinks = new CaptureSinks(options.captureDir);
  const securityHub = new SecurityHubFindings(options.captureDir);
  const faults = new FaultInjector();
  if (options.faults !== undefined) faults.configure(options.faults);

  const s3 = new S3Store(() => clock.now());
  const parameters = new ParameterStore(clock);
  const parts: Parts = { model, accounts, organization, clock, faults, sinks, securityHub, s3, parameters };

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
    const raw = await readBody(request);
    const body = raw.toString('utf8');
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? url;
    const target = request.headers['x-amz-target'];
    if (url.startsWith('/_control/')) {
      const answer = controlAnswer(parts, path, body);
      send(response, answer.status, 'application/json', answer.body, requestId);
      return;
    }
    const call = { request, caller: resolveCaller(request, accounts) };
    if (signingScope(request.headers.authorization)?.service === 's3')
      await serveS3(parts, call, raw, response, requestId);
    else if (target !== undefined)
      await serveJson(parts, call, { target: String(target) }, body, response, requestId);
    else if (Object.hasOwn(REST_ROUTES, path))
      await serveJson(parts, call, { path }, body, response, requestId);
    else await serveQuery(parts, call, body, response, requestId);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    model,
    fleetOf: (account, region) => accounts.fleetOf(account, region),
    accounts,
    organization,
    clock,
    faults,
    sinks,
    securityHub,
    s3,
    parameters,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
