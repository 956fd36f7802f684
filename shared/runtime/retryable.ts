/**
 * Whether a failure may succeed when tried again, as the AWS SDK's own retry strategy
 * classifies its errors. Kept apart from errors.ts so that the domain, which raises those
 * errors, bundles nothing of the SDK.
 */
import {
  isThrottlingError as isSdkThrottlingError,
  isServerError,
  isTransientError,
} from '@smithy/core/retry';

import { GuardrailsError } from './errors.js';

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
