/**
 * Base of every error this app raises on purpose. `retryable` tells the handler stack
 * whether a redelivery could succeed (throttling, 5xx) or would only repeat the failure
 * (bad input, policy error, a final API refusal).
 */
export class GuardrailsError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: ErrorOptions & { retryable?: boolean } = {}) {
    super(message, options);
    this.name = 'GuardrailsError';
    this.retryable = options.retryable ?? false;
  }
}

/** Input that can never succeed as given: an event, a state-machine input, a CLI flag. */
export class InputValidationError extends GuardrailsError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'InputValidationError';
  }
}

/** The environment the function runs in is not set up right. */
export class ConfigError extends GuardrailsError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'ConfigError';
  }
}

/** Throttling error names the AWS SDKs and the sandbox use; retrying them later succeeds. */
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
]);

/** Network errors of Node's sockets: the service was not reached, so trying later may work. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface SdkErrorShape {
  code?: unknown;
  name?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether AWS turned the call away for its rate (it was not carried out). */
export function isThrottlingError(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as SdkErrorShape).name : undefined;
  return typeof name === 'string' && THROTTLING_NAMES.has(name);
}

/**
 * Whether a redelivery of the same work could succeed: our own errors say so themselves;
 * AWS SDK errors are retryable when throttled, when the service failed (5xx) or was not reached.
 *
 * @example
 * if (!isRetryable(error)) logger.warn('dropping event', { reason: error.message });
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GuardrailsError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  const sdk = error as SdkErrorShape;
  if (isThrottlingError(error)) return true;
  if (sdk.$retryable !== undefined && sdk.$retryable !== null) return true;
  if (sdk.$fault === 'server') return true;
  if (typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code)) return true;
  const status = sdk.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
