import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';

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
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** The shared part of every client's configuration: adaptive retries, optional endpoint and region. */
export function clientConfig(options: AwsClientOptions = {}) {
  return {
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
}

/** The clients the fleet reader needs. */
export interface FleetClients {
  elasticache: ElastiCacheClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

export function createFleetClients(options: AwsClientOptions = {}): FleetClients {
  const config = clientConfig(options);
  return { elasticache: new ElastiCacheClient(config), tagging: new ResourceGroupsTaggingAPIClient(config) };
}
