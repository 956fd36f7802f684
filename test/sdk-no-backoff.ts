/**
 * Every SDK client a test builds in its own process retries without waiting between attempts.
 * The SDK waits twice: the backoff before a retry (jittered, from a 50 ms base for transient
 * errors and a 1 s base for throttling, doubling per attempt up to 20 s), whose base delays it
 * reads from `Retry` of `@smithy/core/retry`; and, in adaptive mode, the rate limiter's token
 * bucket, which after throttling holds each request of the client for up to 2 s. With both at
 * zero a client makes exactly the attempts it would make (maxAttempts and retry capacity
 * unchanged; the rate limiter still measures, it only stops holding requests), back to back, so
 * a test of retries against the sandbox no longer sleeps through seconds of backoff.
 * Only the test setup loads this file: deployed code and the sandbox keep the SDK's waits.
 */
import { createRequire } from 'node:module';

interface RetryModule {
  Retry: { delay(): number; throttlingDelay(): number };
  DefaultRateLimiter: { prototype: { getSendToken(): Promise<void> } };
}

/**
 * Zero the SDK's backoff in this process. The clients load the CommonJS build of
 * `@smithy/core` (the `@aws-sdk/client-*` packages have no ESM entry for Node, and no test or
 * package under test imports `@smithy/core` itself), so that build is the one patched: loading
 * the ESM build as well cost every test process about 60 ms of CPU for a module nothing used.
 */
export function retryWithoutBackoff(): void {
  const retry = createRequire(import.meta.url)('@smithy/core/retry') as RetryModule;
  retry.Retry.delay = () => 0;
  retry.Retry.throttlingDelay = () => 0;
  retry.DefaultRateLimiter.prototype.getSendToken = async () => {};
}
