import { describe, expect, it } from 'vitest';
import { HTML_COLUMNS, renderHtmlReport, scopeOf } from '../../../cli/html.js';
import { summarize } from '../../../shared/domain/evaluate.js';
import type { Finding, FindingStatus } from '../../../shared/domain/finding.js';

const finding = (id: string, status: FindingStatus, arn?: string): Finding => ({
  resourceType: 'replication-group',
  resourceId: id,
  arn: arn ?? `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`,
  rule: 'prod-durability',
  check: 'durability',
  status,
  expected: 'sync',
  observed: 'disabled',
  reason: `${id} is ${status}`,
  action: status === 'violation' ? 'modify-requested' : null,
});

const SHA = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const render = (findings: Finding[]) =>
  renderHtmlReport(
    { summary: summarize(findings), findings },
    {
      scannedAt: new Date('2026-11-25T09:00:00Z'),
      version: '0.1.0',
      policy: { path: 'policies/prod.yaml', sha256: SHA },
    },
  );
/** The text of the header's entry for a term, tags removed. */
const entry = (html: string, term: string) =>
  html
    .match(new RegExp(`<dt>${term}</dt><dd>(.*?)</dd>`))?.[1]
    ?.replace(/<[^>]+>/g, '')
    .trim();

describe('Function: scopeOf', () => {
  it('reads distinct, sorted accounts and regions from the ARNs', () => {
    // Act
    const scope = scopeOf([
      finding('a', 'compliant', 'arn:aws:elasticache:us-east-1:222222222222:replicationgroup:a'),
      finding('b', 'compliant', 'arn:aws:elasticache:eu-west-1:111111111111:serverlesscache:b'),
      finding('c', 'compliant', 'arn:aws:elasticache:us-east-1:111111111111:replicationgroup:c'),
    ]);

    // Assess
    expect(scope).toEqual({
      accounts: ['111111111111', '222222222222'],
      regions: ['eu-west-1', 'us-east-1'],
    });
  });

  it('skips what is not an ElastiCache ARN', () => {
    expect(scopeOf([finding('a', 'unknown', 'not-an-arn')])).toEqual({ accounts: [], regions: [] });
  });
});

describe('Function: renderHtmlReport', () => {
  it('names the account, region, policy with its short hash, scan time and version', () => {
    // Act
    const html = render([finding('a', 'compliant'), finding('b', 'violation')]);

    // Assess
    expect(entry(html, 'Account')).toBe('123456789012');
    expect(entry(html, 'Region')).toBe('us-east-1');
    expect(entry(html, 'Policy')).toBe('policies/prod.yaml sha256:a3f1c2d4e5b6');
    expect(html).toContain(`title="SHA-256 ${SHA}"`);
    expect(entry(html, 'Scanned')).toBe('2026-11-25T09:00:00.000Z');
    expect(entry(html, 'guardrails')).toBe('0.1.0');
  });

  it('lists every account and region when there are several', () => {
    // Act
    const html = render([
      finding('a', 'compliant', 'arn:aws:elasticache:us-east-1:222222222222:replicationgroup:a'),
      finding('b', 'compliant', 'arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:b'),
    ]);

    // Assess
    expect(entry(html, 'Accounts')).toBe('111111111111, 222222222222');
    expect(entry(html, 'Regions')).toBe('eu-west-1, us-east-1');
  });

  it('shows the count of each status beside its toggle', () => {
    // Act
    const html = render([finding('a', 'compliant'), finding('b', 'violation'), finding('c', 'violation')]);

    // Assess
    expect(html).toMatch(/<input type="checkbox" data-status="violation" checked>.*?violation <b>2<\/b>/);
    expect(html).toMatch(/data-status="compliant" checked>.*?compliant <b>1<\/b>/);
    expect(html).toMatch(/data-status="error" checked>.*?error <b>0<\/b>/);
  });

  it('puts violations first, then errors and unknowns, compliant last', () => {
    // Act
    const html = render([
      finding('ok', 'compliant'),
      finding('why', 'unknown'),
      finding('bad', 'violation'),
      finding('broke', 'error'),
    ]);

    // Assess
    const order = [...html.matchAll(/<tr data-status="(\w+)">/g)].map((match) => match[1]);
    expect(order).toEqual(['violation', 'error', 'unknown', 'compliant']);
  });

  it('has readable column titles, the action column and no external resource', () => {
    // Act
    const html = render([finding('bad', 'violation')]);

    // Assess
    const findingsTable = html.slice(html.indexOf('<table class="findings">'));
    const head = findingsTable.slice(0, findingsTable.indexOf('</thead>'));
    const titles = [...head.matchAll(/<th>([^<]*)<\/th>/g)].map((match) => match[1]);
    expect(titles).toEqual([...HTML_COLUMNS]);
    expect(titles).toContain('Action');
    expect(html).toContain('<td>modify-requested</td>');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('escapes what comes from the fleet', () => {
    // Act
    const html = render([{ ...finding('x', 'violation'), reason: '<script>alert(1)</script>' }]);

    // Assess
    expect(html).not.toContain('<script>alert');
  });
});
