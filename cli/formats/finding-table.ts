/**
 * A scan's findings as a terminal table that fits the terminal: the reason is the one thing the
 * operator needs, so it gets the room. Piped (no width) the table keeps every column in full.
 */
import { cutToWidth, GAP, table } from '../format.js';

/** The least of a reason a row shows beside its cells; with less room it goes on lines of its own. */
export const REASON_ROOM = 40;

/** How a reason on lines of its own is set off from the row it belongs to. */
const INDENT = '    ';

/** Resource types as a terminal shows them. */
const SHORT_TYPES: Readonly<Record<string, string>> = {
  'replication-group': 'group',
  'serverless-cache': 'serverless',
};

/** The columns never dropped for being the same on every row: they name the row or are the point. */
const NAMING = ['resourceId', 'reason'];

/**
 * `text` in lines of at most `width` characters, broken between words (a word longer than a
 * line is broken inside).
 *
 * @example
 * wrap('EffectiveDurability is async', 12); // ['EffectiveDur', 'ability is', 'async']
 */
export function wrap(text: string, columns: number): string[] {
  // A terminal that reports no width (0) still gets every character.
  const width = Math.max(1, columns);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((each) => each !== '')) {
    let rest = word;
    if (line !== '' && line.length + 1 + rest.length <= width) {
      line = `${line} ${rest}`;
      continue;
    }
    if (line !== '') lines.push(line);
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  if (line !== '') lines.push(line);
  return lines.length === 0 ? [''] : lines;
}

/** Columns the same on every one of several rows: said once above the table instead. */
function constantColumns(header: readonly string[], rows: readonly string[][]): number[] {
  if (rows.length < 2) return [];
  return header.flatMap((name, column) =>
    !NAMING.includes(name) && rows.every((row) => row[column] === rows[0]?.[column]) ? [column] : [],
  );
}

const widthsOf = (rows: readonly string[][]) =>
  rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];

const lineWidth = (widths: readonly number[]) =>
  widths.reduce((sum, each) => sum + each, 0) + GAP * Math.max(0, widths.length - 1);

/**
 * Findings' cells (`header` names the columns, `reason` last) as a table of lines of at most
 * `width` characters: resource types abbreviated; when the whole table does not fit, columns the
 * same on every row said once above it; the reason beside the cells, wrapped in its column, when
 * it has {@link REASON_ROOM} characters there, else on lines of its own under its row (the other
 * cells cut with `…` if they still do not fit). A reason is never cut.
 *
 * @example
 * findingTable(['resourceType', 'resourceId', 'reason'], rows, 120);
 */
export function findingTable(header: readonly string[], rows: readonly string[][], width?: number): string {
  if (width === undefined) return table([[...header], ...rows]);
  const typeColumn = header.indexOf('resourceType');
  const short = rows.map((row) =>
    row.map((cell, column) => (column === typeColumn ? (SHORT_TYPES[cell] ?? cell) : cell)),
  );
  const names = header.map((name) => (name === 'resourceType' ? 'type' : name));
  if (lineWidth(widthsOf([names, ...short])) <= width) return table([names, ...short]);
  const constant = constantColumns(header, short);
  const said = constant.map((column) => `${names[column]} ${short[0]?.[column] ?? ''}`);
  const kept = names.map((_, column) => column).filter((column) => !constant.includes(column));
  const pick = (row: readonly string[]) => kept.map((column) => row[column] ?? '');
  const above = said.length === 0 ? [] : wrap(`every row: ${said.join(', ')}`, width);
  return [...above, reasonLayout(pick(names), short.map(pick), width)].join('\n');
}

/** The narrowest a long value (a KMS key ARN, an action) is cut to so that a reason fits beside it. */
const VALUE_FLOOR = 16;

/** The columns that name a row: cut last, and never to make room for a reason beside them. */
const NAMED = ['type', 'resourceId', 'rule', 'status', 'account', 'region'];

/**
 * Widths for `cells` in at most `width` characters as far as cutting values (not the columns
 * that name the row) down to {@link VALUE_FLOOR} goes.
 */
function besideWidths(header: readonly string[], cells: readonly string[][], width: number): number[] {
  const widths = widthsOf(cells);
  let excess = lineWidth(widths) - width;
  const values = header.flatMap((name, column) => (NAMED.includes(name) ? [] : [column]));
  while (excess > 0) {
    const widest = values.reduce(
      (best, column) => ((widths[column] ?? 0) > (widths[best] ?? 0) ? column : best),
      values[0] ?? -1,
    );
    if ((widths[widest] ?? 0) <= VALUE_FLOOR) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return widths;
}

/** `row`'s cells cut to `widths` (a cut cell ends with `…`) and padded to them. */
const fitRow = (widths: readonly number[]) => (row: readonly string[]) =>
  row.map((cell, column) => {
    const room = widths[column] ?? cell.length;
    return (cell.length > room ? `${cell.slice(0, room - 1)}…` : cell).padEnd(room);
  });

/** The rows with the reason (the last column) beside the cells or under them; see {@link findingTable}. */
function reasonLayout(header: string[], rows: string[][], width: number): string {
  const cells = [header, ...rows].map((row) => row.slice(0, -1));
  const reasons = [header, ...rows].map((row) => row.at(-1) ?? '');
  const longest = Math.max(...reasons.map((reason) => reason.length));
  const beside = besideWidths(header, cells, width - GAP - longest);
  const room = width - lineWidth(beside) - GAP;
  if (room >= Math.min(REASON_ROOM, longest)) {
    const blank = beside.map((each) => ' '.repeat(each));
    return cells
      .map(fitRow(beside))
      .flatMap((row, index) =>
        wrap(reasons[index] ?? '', room).map((part, line) =>
          [...(line === 0 ? row : blank), part].join('  ').trimEnd(),
        ),
      )
      .join('\n');
  }
  const keep = NAMED.map((name) => header.indexOf(name)).filter((at) => at >= 0);
  const aligned = table(cutToWidth(cells, { width, keep })).split('\n');
  return aligned
    .flatMap((line, index) =>
      index === 0
        ? [line]
        : [line, ...wrap(reasons[index] ?? '', width - INDENT.length).map((part) => `${INDENT}${part}`)],
    )
    .join('\n');
}
