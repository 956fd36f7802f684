import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, REDACTED, redactSecrets } from '../../../shared/runtime/logger.js';

describe('Function: redactSecrets', () => {
  it.each([
    ['AuthToken', 'hunter2-token'],
    ['auth_token', 'x'],
    ['password', 'p'],
    ['SecretAccessKey', 'abc'],
    ['sessionToken', 'abc'],
    ['Authorization', 'AWS4-HMAC-SHA256 ...'],
    ['taskToken', 'AQCEAAAA...'],
  ])('blanks the value of key %s', (key, value) => {
    expect(redactSecrets(key, value)).toBe(REDACTED);
  });

  it('keeps ordinary keys and values', () => {
    expect(redactSecrets('ReplicationGroupId', 'orders-1')).toBe('orders-1');
  });

  it('removes credentials embedded in a URL', () => {
    expect(redactSecrets('source', 'redis://admin:s3cret@10.0.0.5:6379/0')).toBe(
      `redis://${REDACTED}@10.0.0.5:6379/0`,
    );
  });
});

describe('Function: createLogger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes JSON with the service name and no secret, however deep it sits', () => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = createLogger('test');

    // Act
    logger.info('creating group', {
      request: { ReplicationGroupId: 'orders-1', AuthToken: 'hunter2-token' },
    });

    // Assess
    const output = lines.join('');
    expect(output).not.toContain('hunter2-token');
    const record = JSON.parse(output.trim().split('\n').pop() ?? '{}');
    expect(record).toMatchObject({
      service: 'elasticache-guardrails',
      component: 'test',
      message: 'creating group',
      request: { ReplicationGroupId: 'orders-1', AuthToken: REDACTED },
    });
  });
});
