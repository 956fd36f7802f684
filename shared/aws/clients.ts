import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { AwsCredentialIdentityProvider, MiddlewareStack } from '@smithy/types';
import { guardMutations, nameEndpointOnNetworkErrors } from './mutation.js';

/** The SDK's ElastiCache client, named here so that jobs take it without importing the SDK. */
export type { ElastiCacheClient };

/**
 * How every SDK client of this app is built. Endpoint and region come from the SDK's own
 * settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_REGION`) unless given:
 * that is how the sandbox, tests and emulators plug in; no host is ever written here.
 */
export interface AwsClientOptions {
  region?: string;
  endpoint?: string;
  /** Attempts per call including the first; throttling and 5xx are retried with backoff and jitter. */
  maxAttempts?: number;
  profile?: string;
  /**
   * `adaptive` (default) also slows the client down after throttling, which suits AWS's
   * rate-based throttling; `standard` only backs off per call (for faults that are not
   * rate-based, such as an emulator's random ones).
   */
  retryMode?: 'adaptive' | 'standard';
  /** Credentials other than the default chain's (a member account's, from AssumeRole). */
  credentials?: AwsCredentialIdentityProvider;
  /** Per-attempt limits, so an endpoint that accepts and never answers cannot hang a run. */
  timeouts?: Partial<HttpTimeouts>;
}

export interface HttpTimeouts {
  /** Time to establish the connection (ms). */
  connectMs: number;
  /** Time one attempt may take from sending to the end of the answer (ms). */
  requestMs: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** Generous for AWS (answers in well under a second), short enough that a stalled endpoint fails a call. */
export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 3_000, requestMs: 10_000 };

/** The shared part of every client's configuration: adaptive retries, timeouts, optional endpoint and region. */
export function clientConfig(options: AwsClientOptions = {}) {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  return {
    retryMode: options.retryMode ?? 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      // Without it the handler only logs a warning when a request runs over its time.
      throwOnRequestTimeout: true,
    },
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
}

type ClientWithStack = { middlewareStack: MiddlewareStack<object, object> };

/**
 * Build an SDK client the way every client of this app is built: {@link clientConfig}, and
 * network failures and timeouts that name the endpoint they could not reach.
 *
 * @example
 * const sns = createClient(SNSClient, { region: 'eu-west-1' });
 */
export function createClient<Client extends object>(
  Ctor: new (config: ReturnType<typeof clientConfig>) => Client,
  options: AwsClientOptions = {},
): Client {
  const client = new Ctor(clientConfig(options));
  nameEndpointOnNetworkErrors((client as unknown as ClientWithStack).middlewareStack);
  return client;
}

/** The clients the fleet reader needs. */
export interface FleetClients {
  elasticache: ElastiCacheClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

/**
 * The ElastiCache and tagging clients. ElastiCache calls that change something are never
 * retried blindly by the SDK: a lost answer surfaces as `OutcomeUnknownError`, and the
 * adapter reads the resource back (see `shared/aws/mutation.ts`).
 */
export function createFleetClients(options: AwsClientOptions = {}): FleetClients {
  return {
    elasticache: createElastiCacheClient(options),
    tagging: createClient(ResourceGroupsTaggingAPIClient, options),
  };
}

/** The ElastiCache client alone (mutations guarded as in {@link createFleetClients}), for jobs that read no tags through the tagging API. */
export function createElastiCacheClient(options: AwsClientOptions = {}): ElastiCacheClient {
  const elasticache = createClient(ElastiCacheClient, options);
  guardMutations(elasticache.middlewareStack as unknown as MiddlewareStack<object, object>);
  return elasticache;
}
