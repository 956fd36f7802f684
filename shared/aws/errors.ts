import { GuardrailsError } from '../runtime/errors.js';
import { isRetryable } from '../runtime/retryable.js';

/** An AWS API call that failed after the SDK's own retries; names the call and the fault. */
export class AwsCallError extends GuardrailsError {
  readonly call: string;
  readonly fault: string;

  constructor(call: string, cause: unknown) {
    const fault = cause instanceof Error ? cause.name : 'UnknownError';
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${call} failed: ${fault}: ${detail}`, { cause, retryable: isRetryable(cause) });
    this.name = 'AwsCallError';
    this.call = call;
    this.fault = fault;
  }
}

/** Run one AWS call (or a paginated read) and name it in any failure. */
export async function awsCall<T>(call: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AwsCallError) throw error;
    throw new AwsCallError(call, error);
  }
}
