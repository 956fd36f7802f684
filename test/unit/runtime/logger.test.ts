import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_LOG_LINE_BYTES } from '../../../shared/runtime/log-size.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { REDACTED } from '../../../shared/runtime/redact.js';

describe('Function: createLogger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function captureLines(): string[] {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter((line) => line !== ''),
        );
        return true;
      });
    return lines;
  }

  /** A CloudTrail event of about 300 KB: a response listing 1 500 cache nodes. */
  function hugeEvent() {
    const nodes = Array.from({ length: 1500 }, (_, index) => ({
      cacheClusterId: `orders-prod-1-${String(index).padStart(4, '0')}`,
      cacheNodeId: '0001',
      readEndpoint: { address: `orders-prod-1-${index}.abc123.use1.cache.amazonaws.com`, port: 6379 },
      preferredAvailabilityZone: 'us-east-1a',
      currentRole: index % 3 === 0 ? 'primary' : 'replica',
    }));
    return {
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.elasticache',
      detail: {
        eventName: 'ModifyReplicationGroup',
        requestParameters: { replicationGroupId: 'orders-prod-1', authToken: 'plant-huge-authtoken-Qx9' },
        responseElements: { replicationGroupId: 'orders-prod-1', nodeGroups: [{ nodeGroupMembers: nodes }] },
        userAgent: 'x'.repeat(20_000),
      },
    };
  }

  it('writes a 300 KB event as one line of at most 8 KB that keeps its first part and says what was left out', () => {
    // Prepare
    const lines = captureLines();
    const logger = createLogger('durability-react');
    const event = hugeEvent();
    expect(JSON.stringify(event).length).toBeGreaterThan(300_000);

    // Act
    logger.info('group checked', { event, status: 'violation' });
    logger.error('failed, not retryable', { error: new Error(`bad event ${JSON.stringify(event)}`) });

    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(lines.join('\n')).not.toContain('plant-huge-authtoken-Qx9');
    const [checked, failed] = lines.map((line) => JSON.parse(line));
    expect(checked).toMatchObject({
      level: 'INFO',
      message: 'group checked',
      service: 'elasticache-guardrails',
      component: 'durability-react',
      status: 'violation',
      event: {
        'detail-type': 'AWS API Call via CloudTrail',
        detail: {
          eventName: 'ModifyReplicationGroup',
          requestParameters: { replicationGroupId: 'orders-prod-1' },
        },
      },
    });
    const members = checked.event.detail.responseElements.nodeGroups[0].nodeGroupMembers as unknown[];
    expect(members.at(-1)).toMatch(/^… \d+ more items \(\d+ bytes\)$/);
    expect(checked.event.detail.userAgent).toMatch(/^x+… \[\d+ more bytes\]$/);
    expect(failed).toMatchObject({ level: 'ERROR', error: { name: 'Error' } });
    expect(failed.error.message).toMatch(/^bad event \{.*… \[\d+ more bytes\]$/);
  });

  it('keeps a line with thousands of keys within 8 KB and says how many bytes it had', () => {
    // Prepare
    const lines = captureLines();
    const logger = createLogger('test');
    const wide = Object.fromEntries(
      Array.from({ length: 5000 }, (_, index) => [`key${index}`, `value${index}`]),
    );

    // Act
    logger.warn('wide', wide);

    // Assess
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0] ?? '', 'utf8')).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'WARN',
      message: 'wide',
      key0: 'value0',
      '…': expect.stringMatching(/^line cut to 8192 bytes from \d+$/),
    });
  });

  it('writes a small record unchanged', () => {
    // Prepare
    const lines = captureLines();
    const logger = createLogger('test');

    // Act
    logger.info('scan finished', { findings: 12, groups: ['orders-1', 'orders-2'] });

    // Assess
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      message: 'scan finished',
      findings: 12,
      groups: ['orders-1', 'orders-2'],
    });
    expect(lines[0]).not.toContain('…');
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
