import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../shared/runtime/logger.js';
import { REDACTED } from '../../../shared/runtime/redact.js';

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
