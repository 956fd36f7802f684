/**
 * The HTML report: one self-contained file (no network, no external script or font) with a
 * chart of compliance by rule and a findings table that sorts on a click of its header.
 */
import type { Summary } from '../domain/evaluate.js';
import { FINDING_STATUSES, type Finding, type FindingStatus } from '../domain/finding.js';

const COLORS: Record<FindingStatus, string> = {
  compliant: '#2e7d32',
  violation: '#c62828',
  exempt: '#6d4c41',
  unknown: '#f9a825',
  error: '#6a1b9a',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

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
  const rows = rules.map(([rule, counts], index) => {
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
  const legend = FINDING_STATUSES.map(
    (status) =>
      `<span class="key"><i style="background:${COLORS[status]}"></i>${status} ${summary.byStatus[status]}</span>`,
  ).join('');
  return `<svg role="img" aria-label="Compliance by rule" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg><p class="legend">${legend}</p>`;
}

const SORT_SCRIPT = `document.querySelectorAll('th').forEach((th, column) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0];
  const ascending = th.dataset.sort !== 'asc';
  document.querySelectorAll('th').forEach((other) => delete other.dataset.sort);
  th.dataset.sort = ascending ? 'asc' : 'desc';
  [...body.rows].sort((a, b) => a.cells[column].textContent.localeCompare(b.cells[column].textContent, undefined, { numeric: true }) * (ascending ? 1 : -1)).forEach((row) => body.appendChild(row));
}));`;

/**
 * Render the report as one HTML page.
 *
 * @example
 * await writeFile('report.html', renderHtml({ summary, findings }, columns, cells, new Date()));
 */
export function renderHtml(
  report: { summary: Summary; findings: Finding[] },
  columns: readonly string[],
  cells: (finding: Finding) => string[],
  generatedAt: Date,
): string {
  const rows = report.findings
    .map(
      (finding) =>
        `<tr class="${finding.status}">${cells(finding)
          .map((cell) => `<td>${escapeHtml(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>elasticache-guardrails report</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}svg text{font-size:12px}
.legend .key{margin-right:16px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f3f3f3;user-select:none}th[data-sort=asc]::after{content:" \\25B2"}th[data-sort=desc]::after{content:" \\25BC"}
tr.violation td:nth-child(5){color:${COLORS.violation};font-weight:600}tr.compliant td:nth-child(5){color:${COLORS.compliant}}
</style></head><body>
<h1>ElastiCache guardrails: ${report.summary.total} findings</h1>
<p>Generated ${generatedAt.toISOString()}. ${report.summary.byStatus.violation} violations, ${report.summary.byStatus.compliant} compliant.</p>
<h2>Compliance by rule</h2>
${chart(report.summary)}
<h2>Findings</h2>
<table><thead><tr>${columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}
