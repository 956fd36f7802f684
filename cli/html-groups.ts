/**
 * The HTML report's findings by account, then by region: one collapsible group each, its
 * counts per status in its heading, and a summary table of the accounts at the top of the page.
 * Groups that need a person (a violation, an error, an unknown) start open; the others closed.
 */
import { summarize } from '../shared/domain/evaluate.js';
import type { Finding, FindingStatus } from '../shared/domain/finding.js';
import { arnLocation } from '../shared/domain/security-findings.js';
import { TARGET_CHECK } from '../shared/domain/targets.js';
import { STATUS_ORDER } from './format.js';

/** Status colours, shared by the chart, the toggles and the groups. */
export const COLORS: Record<FindingStatus, string> = {
  compliant: '#2e7d32',
  violation: '#c62828',
  degraded: '#ef6c00',
  exempt: '#6d4c41',
  unknown: '#f9a825',
  error: '#6a1b9a',
};

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The findings of one region of an account. */
export interface RegionGroup {
  region: string;
  findings: Finding[];
  counts: Record<FindingStatus, number>;
  /** Why the target (this account and region) could not be scanned, when it could not. */
  failure?: string;
}

/** The findings of one account, by region. */
export interface AccountGroup {
  account: string;
  regions: RegionGroup[];
  total: number;
  counts: Record<FindingStatus, number>;
}

/** Most violations first, then errors, then unknowns; then by name. */
function byAttention<T extends { counts: Record<FindingStatus, number> }>(name: (item: T) => string) {
  return (a: T, b: T) =>
    b.counts.violation - a.counts.violation ||
    b.counts.error - a.counts.error ||
    b.counts.unknown - a.counts.unknown ||
    name(a).localeCompare(name(b));
}

/**
 * Findings by the account and region of their ARN, in order of attention; each group's findings
 * keep the order they were given in.
 *
 * @example
 * groupByLocation(findings).map((group) => group.account); // ['222222222222', '111111111111']
 */
export function groupByLocation(findings: readonly Finding[]): AccountGroup[] {
  const accounts = new Map<string, Map<string, Finding[]>>();
  for (const finding of findings) {
    const { account, region } = arnLocation(finding.arn);
    const regions = accounts.get(account) ?? new Map<string, Finding[]>();
    accounts.set(account, regions);
    const own = regions.get(region) ?? [];
    regions.set(region, own);
    own.push(finding);
  }
  const groups = [...accounts].map(([account, regions]): AccountGroup => {
    const regionGroups = [...regions].map(([region, own]): RegionGroup => {
      const failed = own.find((finding) => finding.check === TARGET_CHECK);
      return {
        region,
        findings: own,
        counts: summarize(own).byStatus,
        ...(failed === undefined ? {} : { failure: failed.observed }),
      };
    });
    const all = regionGroups.flatMap((group) => group.findings);
    return {
      account,
      regions: regionGroups.sort(byAttention((group) => group.region)),
      total: all.length,
      counts: summarize(all).byStatus,
    };
  });
  return groups.sort(byAttention((group) => group.account));
}

const needsAPerson = (counts: Record<FindingStatus, number>) =>
  counts.violation + counts.error + counts.unknown > 0;

const label = (value: string, none: string) => escapeHtml(value === '' ? none : value);

/** `12 findings: 3 violation, 9 compliant`, each count in its status colour. */
function countsLine(total: number, counts: Record<FindingStatus, number>): string {
  const parts = STATUS_ORDER.filter((status) => counts[status] > 0).map(
    (status) => `<span class="n" data-status="${status}">${counts[status]} ${status}</span>`,
  );
  return `<span class="counts">${total} ${total === 1 ? 'finding' : 'findings'}: ${parts.join(', ')}</span>`;
}

const anchor = (account: string) => `account-${escapeHtml(account === '' ? 'none' : account)}`;

/** The summary at the top: one row per account, its regions and its counts per status. */
export function accountsTable(groups: readonly AccountGroup[]): string {
  const head = ['Account', 'Regions', 'Findings', ...STATUS_ORDER]
    .map((title) => `<th>${title}</th>`)
    .join('');
  const rows = groups.map((group) => {
    const regions = group.regions
      .map((region) => label(region.region, '(no region)'))
      .sort()
      .join(', ');
    const counts = STATUS_ORDER.map(
      (status) =>
        `<td class="n"${group.counts[status] > 0 ? ` data-status="${status}"` : ''}>${group.counts[status]}</td>`,
    );
    return `<tr data-account="${escapeHtml(group.account)}"><td><a href="#${anchor(group.account)}">${label(group.account, '(no account)')}</a></td><td>${regions}</td><td class="n">${group.total}</td>${counts.join('')}</tr>`;
  });
  return `<table id="accounts"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** One account's group, its regions inside it, each region's findings in one table. */
function accountGroup(group: AccountGroup, table: (findings: readonly Finding[]) => string): string {
  const regions = group.regions.map((region) => {
    const failure =
      region.failure === undefined
        ? ''
        : ` <span class="failed">not scanned: ${escapeHtml(region.failure)}</span>`;
    return `<details class="region" data-region="${escapeHtml(region.region)}" data-total="${region.findings.length}"${needsAPerson(region.counts) ? ' open' : ''}>
<summary><b>${label(region.region, '(no region)')}</b> ${countsLine(region.findings.length, region.counts)}${failure} <span class="shown"></span></summary>
${table(region.findings)}
</details>`;
  });
  return `<details class="account" id="${anchor(group.account)}" data-account="${escapeHtml(group.account)}" data-total="${group.total}"${needsAPerson(group.counts) ? ' open' : ''}>
<summary><b>${label(group.account, '(no account)')}</b> ${countsLine(group.total, group.counts)} <span class="shown"></span></summary>
${regions.join('\n')}
</details>`;
}

/** Every account's group, in order of attention. */
export function accountGroups(
  groups: readonly AccountGroup[],
  table: (findings: readonly Finding[]) => string,
): string {
  return `<div id="groups">\n${groups.map((group) => accountGroup(group, table)).join('\n')}\n</div>`;
}
