import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../shared/runtime/errors.js';
import { isRetryable, isThrottlingError } from '../../../shared/runtime/retryable.js';

/** An error shaped as the AWS SDK raises it. */
const sdkError = (name: string, extra: object = {}) =>
  Object.assign(new Error(name), { name, $fault: 'client', $metadata: {}, ...extra });

describe('Function: isThrottlingError', () => {
  it.each([
    ['a throttling name', sdkError('ThrottlingException'), true],
    ['DynamoDB over its throughput', sdkError('ProvisionedThroughputExceededException'), true],
    ['HTTP 429 under any name', sdkError('SomethingElse', { $metadata: { httpStatusCode: 429 } }), true],
    ['a throttling trait', sdkError('Custom', { $retryable: { throttling: true } }), true],
    ['a refusal', sdkError('InvalidParameterValueException', { $metadata: { httpStatusCode: 400 } }), false],
    ['not an error', 'ThrottlingException', false],
  ])('says %s is %s', (_name, error, expected) => {
    expect(isThrottlingError(error)).toBe(expected);
  });
});

describe('Function: isRetryable', () => {
  it.each([
    ['throttling', sdkError('Throttling'), true],
    ['a 503', sdkError('ServiceUnavailable', { $fault: 'server', $metadata: { httpStatusCode: 503 } }), true],
    ['a 501', sdkError('NotImplemented', { $metadata: { httpStatusCode: 501 } }), true],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      true,
    ],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), true],
    ['a request timeout', sdkError('TimeoutError'), true],
    [
      'a refusal',
      sdkError('InvalidParameterCombinationException', { $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    ['a not-found', sdkError('ReplicationGroupNotFoundFault', { $metadata: { httpStatusCode: 404 } }), false],
    ['our own bad input', new InputValidationError('bad'), false],
    ['a bug', new TypeError('x is undefined'), false],
  ])('says %s is %s', (_name, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });
});
