/**
 * The HTML report: one self-contained file (no network, no external script or font) with a
 * header saying what was scanned (accounts, regions, policy and its hash, time, version), the
 * counts per status, a summary per account, a chart of compliance by rule, and the findings
 * grouped by account and region (html-groups.ts), violations first, in tables that sort on a
 * click of a header and filter by text and by status.
 */
import type { Summary } from '../shared/domain/evaluate.js';
import { FINDING_STATUSES, type Finding } from '../shared/domain/finding.js';
import { ruleCell, STATUS_ORDER } from './format.js';
import { accountGroups, accountsTable, COLORS, escapeHtml, groupByLocation } from './html-groups.js';

/** Readable column titles, in table order. */
export const HTML_COLUMNS = [
  'Resource',
  'Rule',
  'Status',
  'Expected',
  'Observed',
  'Action',
  'Reason',
] as const;

/** What the page's header says about the scan besides the findings. */
export interface HtmlReportContext {
  /** When the scan evaluated the fleet. */
  scannedAt: Date;
  /** The CLI's version. */
  version?: string;
  /** The policy file as given and the SHA-256 of its bytes (hex). */
  policy?: { path: string; sha256: string };
}

/** Accounts and regions, sorted and distinct, read from the findings' ARNs. */
export interface ReportScope {
  accounts: string[];
  regions: string[];
}

const ARN = /^arn:[^:]+:elasticache:([^:]*):([^:]*):/;

/**
 * The accounts and regions a report covers, from `arn:aws:elasticache:<region>:<account>:…`.
 *
 * @example
 * scopeOf(findings); // { accounts: ['123456789012'], regions: ['eu-west-1', 'us-east-1'] }
 */
export function scopeOf(findings: readonly Pick<Finding, 'arn'>[]): ReportScope {
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const { arn } of findings) {
    const [, region, account] = ARN.exec(arn) ?? [];
    if (region) regions.add(region);
    if (account) accounts.add(account);
  }
  return { accounts: [...accounts].sort(), regions: [...regions].sort() };
}

/** Horizontal stacked bars, one per rule, sized by count of findings per status. */
function chart(summary: Summary): string {
  const rules = Object.entries(summary.byRule);
  const width = 640;
  const label = 180;
  const bar = 22;
  const max = Math.max(
    1,
    ...rules.map(([, counts]) => Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)),
  );
  const rows = rules.map(([named, counts], index) => {
    const rule = named === '' ? 'targets not scanned' : named;
    let x = label;
    const y = 10 + index * (bar + 10);
    const segments = FINDING_STATUSES.filter((status) => (counts[status] ?? 0) > 0).map((status) => {
      const w = ((counts[status] ?? 0) / max) * (width - label - 60);
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[status]}"><title>${escapeHtml(rule)}: ${counts[status]} ${status}</title></rect>`;
      x += w;
      return rect;
    });
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    return `<text x="${label - 8}" y="${y + 16}" text-anchor="end">${escapeHtml(rule)}</text>${segments.join('')}<text x="${(x + 6).toFixed(1)}" y="${y + 16}">${total}</text>`;
  });
  const height = 20 + rules.length * (bar + 10);
  return `<svg role="img" aria-label="Compliance by rule" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg>`;
}

/** Scope, policy, time and version: what a reader needs to trust or reproduce the report. */
function header(findings: readonly Finding[], context: HtmlReportContext): string {
  const { accounts, regions } = scopeOf(findings);
  const list = (values: string[]) => (values.length === 0 ? 'none found' : values.join(', '));
  const items: [string, string][] = [
    [accounts.length === 1 ? 'Account' : 'Accounts', escapeHtml(list(accounts))],
    [regions.length === 1 ? 'Region' : 'Regions', escapeHtml(list(regions))],
  ];
  if (context.policy !== undefined)
    items.push([
      'Policy',
      `${escapeHtml(context.policy.path)} <code title="SHA-256 ${escapeHtml(context.policy.sha256)}">sha256:${escapeHtml(context.policy.sha256.slice(0, 12))}</code>`,
    ]);
  items.push([
    'Scanned',
    `<time datetime="${context.scannedAt.toISOString()}">${context.scannedAt.toISOString()}</time>`,
  ]);
  if (context.version !== undefined) items.push(['guardrails', escapeHtml(context.version)]);
  return `<dl class="meta">${items.map(([term, value]) => `<div><dt>${term}</dt><dd>${value}</dd></div>`).join('')}</dl>`;
}

/** One checkbox per status, labelled with its count: the counts without hovering, and the status filter. */
function toggles(summary: Summary): string {
  return STATUS_ORDER.map(
    (status) =>
      `<label class="key"><input type="checkbox" data-status="${status}" checked><i style="background:${COLORS[status]}"></i>${status} <b>${summary.byStatus[status]}</b></label>`,
  ).join('');
}

/** A finding's row (its account and region are its group's). */
function row(finding: Finding): string {
  const reason =
    finding.notes !== undefined && finding.notes.length > 0
      ? `${finding.reason} (${finding.notes.join('; ')})`
      : finding.reason;
  const cells = [
    `${escapeHtml(finding.resourceId)}<br><small>${escapeHtml(finding.resourceType)}</small>`,
    `${escapeHtml(ruleCell(finding.rule))}<br><small>${escapeHtml(finding.check)}</small>`,
    escapeHtml(finding.status),
    escapeHtml(finding.expected),
    escapeHtml(finding.observed),
    escapeHtml(finding.action ?? ''),
    escapeHtml(reason),
  ];
  return `<tr data-status="${finding.status}">${cells.map((cell, index) => `<td${index === 2 ? ' class="status"' : ''}>${cell}</td>`).join('')}</tr>`;
}

/** One group's findings table, violations first. */
function findingsTable(findings: readonly Finding[]): string {
  const rank = (finding: Finding) => STATUS_ORDER.indexOf(finding.status);
  const rows = [...findings].sort((a, b) => rank(a) - rank(b)).map(row);
  return `<table class="findings"><thead><tr>${HTML_COLUMNS.map((column) => `<th>${column}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

// A click on a column's header sorts every group's table by that column.
const SORT_SCRIPT = `const collator = new Intl.Collator(undefined, { numeric: true });
const tables = [...document.querySelectorAll('table.findings')];
document.querySelectorAll('table.findings th').forEach((th) => th.addEventListener('click', () => {
  const column = th.cellIndex;
  const ascending = th.dataset.sort !== 'asc';
  for (const table of tables) {
    for (const other of table.tHead.rows[0].cells) {
      if (other.cellIndex === column) other.dataset.sort = ascending ? 'asc' : 'desc';
      else delete other.dataset.sort;
    }
    const body = table.tBodies[0];
    body.append(...[...body.rows].sort((a, b) => collator.compare(a.cells[column].textContent, b.cells[column].textContent) * (ascending ? 1 : -1)));
  }
}));
document.querySelectorAll('#accounts a').forEach((link) => link.addEventListener('click', () => {
  const group = document.getElementById(link.hash.slice(1));
  if (group) group.open = true;
}));`;

// The URL fragment (#filter=orders&hide=compliant,exempt) sets the filters on load, so a
// filtered view can be linked to, and tested in a browser without clicks. Each row's text (with
// its account and region) is read once; a group with no row shown is hidden, a group with rows
// that match the text filter opens, and each group's heading says how many of its rows show.
const FILTER_SCRIPT = `const rows = [...document.querySelectorAll('table.findings tbody tr')];
const groups = [...document.querySelectorAll('#groups details')];
const owners = rows.map((row) => [row.closest('details.region'), row.closest('details.account')]);
const texts = rows.map((row, index) => [owners[index][1].dataset.account, owners[index][0].dataset.region, row.textContent].join(' ').toLowerCase());
const filter = document.getElementById('filter');
const toggles = [...document.querySelectorAll('input[data-status]')];
const shown = document.getElementById('shown');
const apply = () => {
  const text = filter.value.trim().toLowerCase();
  const statuses = new Set(toggles.filter((toggle) => toggle.checked).map((toggle) => toggle.dataset.status));
  const shownIn = new Map();
  let count = 0;
  rows.forEach((row, index) => {
    row.hidden = !statuses.has(row.dataset.status) || (text !== '' && !texts[index].includes(text));
    if (row.hidden) return;
    count += 1;
    for (const group of owners[index]) shownIn.set(group, (shownIn.get(group) ?? 0) + 1);
  });
  for (const group of groups) {
    const inGroup = shownIn.get(group) ?? 0;
    const total = Number(group.dataset.total);
    group.hidden = inGroup === 0;
    group.querySelector(':scope > summary .shown').textContent = inGroup < total ? inGroup + ' of ' + total + ' shown' : '';
    if (text !== '' && inGroup > 0) group.open = true;
  }
  shown.textContent = count + ' of ' + rows.length + ' findings shown';
};
const initial = new URLSearchParams(location.hash.slice(1));
filter.value = initial.get('filter') ?? '';
const hide = (initial.get('hide') ?? '').split(',');
for (const toggle of toggles) {
  toggle.checked = !hide.includes(toggle.dataset.status);
  toggle.addEventListener('change', apply);
}
filter.addEventListener('input', apply);
apply();`;

const STYLE = `
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px}svg text{font-size:12px}
.meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0 0 8px}.meta div{display:flex;gap:6px}.meta dt{color:#666}.meta dd{margin:0}
.key{margin-right:16px;white-space:nowrap}.key i{display:inline-block;width:12px;height:12px;margin:0 4px;vertical-align:middle}
.filters{margin:8px 0}#filter{width:320px;margin-right:16px}#shown,.shown{color:#666}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}table.findings th{cursor:pointer;user-select:none}th[data-sort=asc]::after{content:" \\25B2"}th[data-sort=desc]::after{content:" \\25BC"}
#accounts{width:auto}#accounts td.n{text-align:right}
details{margin:4px 0}details.region{margin-left:20px;content-visibility:auto;contain-intrinsic-size:auto 120px}
summary{cursor:pointer;padding:4px 0}.counts{margin-left:8px;color:#444}.failed{color:${COLORS.error};font-weight:600}
small{color:#666}tr[data-status=violation] td.status{color:${COLORS.violation};font-weight:600}tr[data-status=compliant] td.status{color:${COLORS.compliant}}
${STATUS_ORDER.map((status) => `[data-status=${status}].n{color:${COLORS[status]}}`).join('')}
`;

/**
 * Render a scan report as one HTML page.
 *
 * @example
 * await writeFile('report.html', renderHtmlReport({ summary, findings }, { scannedAt, version, policy }));
 */
export function renderHtmlReport(
  report: { summary: Summary; findings: Finding[]; targets?: { line: string } },
  context: HtmlReportContext,
): string {
  const located = report.targets !== undefined;
  const groups = groupByLocation(report.findings);
  const { byStatus, total } = report.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>elasticache-guardrails report</title>
<style>${STYLE}</style></head><body>
<h1>ElastiCache guardrails: ${total} findings, ${byStatus.violation} violations</h1>
${header(report.findings, context)}${located ? `\n<p class="targets">${escapeHtml(report.targets?.line ?? '')}</p>` : ''}
<p class="counts">${toggles(report.summary)}</p>
<h2>${groups.length === 1 ? 'Account' : `${groups.length} accounts`}</h2>
${accountsTable(groups)}
<h2>Compliance by rule</h2>
${chart(report.summary)}
<h2>Findings by account and region</h2>
<p class="filters"><input id="filter" type="search" placeholder="Filter rows (account, region, resource, rule, reason…)" aria-label="Filter rows"><span id="shown"></span></p>
${accountGroups(groups, findingsTable)}
<script>${SORT_SCRIPT}
${FILTER_SCRIPT}</script>
</body></html>
`;
}

/**
 * Any command's rows as a self-contained page: a title, a caption (the summary line), the
 * command's figures (plan: each group's write load) and one escaped table. Scan reports have their
 * own page (renderHtmlReport).
 *
 * @example
 * renderHtmlTable('guardrails plan', rows, ['resourceId', 'verdict'], '4 group plans');
 */
export function renderHtmlTable(
  title: string,
  rows: readonly Record<string, string>[],
  columns: readonly string[],
  caption = '',
  figures: readonly { caption: string; svg: string; table?: string }[] = [],
): string {
  const drawn = figures
    .map(
      ({ caption: said, svg, table }) =>
        `<figure><figcaption>${escapeHtml(said)}</figcaption>${svg}${table ?? ''}</figure>`,
    )
    .join('\n');
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${columns.map((column) => `<td>${escapeHtml(row[column] ?? '')}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}figure{display:inline-block;vertical-align:top;margin:0 2em 1em 0}svg{display:block}svg text{font-size:12px}figure table{font-size:12px;margin-top:4px}figure td{white-space:nowrap}caption{text-align:left;color:#666}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${caption.split('\n').map(escapeHtml).join('<br>')}</p>
${drawn}
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></body></html>
`;
}
