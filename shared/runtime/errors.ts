import {
  isThrottlingError as isSdkThrottlingError,
  isServerError,
  isTransientError,
} from '@smithy/core/retry';

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

/** An error as the AWS SDK raises it: classified by the SDK's own rules (`@smithy/core/retry`). */
type SdkError = Parameters<typeof isServerError>[0];

const asSdkError = (error: unknown): SdkError | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as SdkError)
    : undefined;

/**
 * Whether AWS turned the call away for its rate (it was not carried out), as the SDK's own
 * retry strategy decides it: a throttling error name, HTTP 429, or a throttling trait.
 */
export function isThrottlingError(error: unknown): boolean {
  const sdk = asSdkError(error);
  return sdk !== undefined && isSdkThrottlingError(sdk);
}

/**
 * Whether a redelivery of the same work could succeed: our own errors say so themselves; AWS
 * SDK errors as the SDK classifies them (throttling, transient: timeouts, network failures,
 * 500/502/503/504, a retryable trait; or any other server-side fault).
 *
 * @example
 * if (!isRetryable(error)) logger.warn('dropping event', { reason: error.message });
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GuardrailsError) return error.retryable;
  const sdk = asSdkError(error);
  if (sdk === undefined) return false;
  return (
    isSdkThrottlingError(sdk) ||
    isTransientError(sdk) ||
    isServerError(sdk) ||
    (sdk as { $fault?: unknown }).$fault === 'server'
  );
}
