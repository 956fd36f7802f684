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
