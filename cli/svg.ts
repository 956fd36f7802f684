/**
 * What the operator CLI's inline SVG charts (the soak chart, the workload chart) draw alike: the
 * red of a hard limit and a horizontal reference line labelled at its right end.
 */
import { escapeHtml } from './html-groups.js';

/** The colour of a hard limit in every chart: the lag at which writes are rejected, the MiB/s a durable primary takes. */
export const LIMIT_COLOUR = '#c62828';

/** A horizontal reference line across a chart's plot. */
export interface ReferenceLine {
  /** Where the line starts and ends; its label starts 4 px past the end. */
  from: number;
  to: number;
  /** Its height in the chart (the label's baseline is 4 px lower, so the text sits centred on it). */
  y: number;
  colour: string;
  label: string;
  /** Dashed (6 on, 4 off) rather than solid. */
  dashed?: boolean;
  /** Drawn on whole pixels (`shape-rendering="crispEdges"`). */
  crisp?: boolean;
}

/**
 * A 2 px horizontal line with its label at its right end.
 *
 * @example
 * referenceLine({ from: 48, to: 488, y: 52, colour: LIMIT_COLOUR, label: '10 s: writes rejected' });
 */
export function referenceLine({ from, to, y, colour, label, dashed = false, crisp = false }: ReferenceLine) {
  const at = y.toFixed(1);
  const style = `${crisp ? ' shape-rendering="crispEdges"' : ''}${dashed ? ' stroke-dasharray="6 4"' : ''}`;
  return `<line x1="${from}" x2="${to}" y1="${at}" y2="${at}" stroke="${colour}" stroke-width="2"${style}/><text x="${to + 4}" y="${(y + 4).toFixed(1)}">${escapeHtml(label)}</text>`;
}
