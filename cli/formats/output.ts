/**
 * What a command hands to `--format`: its output, of one of three kinds, and the shape of a
 * format module, which declares the kinds it can write by the writers it has.
 */
import type { Report } from '../format.js';
import type { HtmlReportContext } from '../html.js';

/** Rows of any shape (in `columns` order): what most commands print. */
export interface RowsOutput {
  kind: 'rows';
  rows: Record<string, string>[];
  columns: string[];
  /** Columns a narrow terminal's table cuts last, with the first column and the resource id. */
  keep?: string[];
  /** The line under a table or an html page's caption (a count, a targets line). */
  footer?: string;
  /** An html page's title. */
  title?: string;
  /** What `json` writes instead of the rows, when the command has more to say to a script. */
  data?: unknown;
  /**
   * Figures an html page shows above its table: inline SVG this app drew (its text escaped), and
   * the numbers it draws as a table this app built, for a screen reader or a reader without SVG.
   */
  figures?: readonly { caption: string; svg: string; table?: string }[];
}

/** A report of findings (scan): rows, and findings a security tool imports. */
export interface ReportOutput {
  kind: 'report';
  report: Report;
  /** What the html page's header says about the scan (its time, version and policy). */
  page?: HtmlReportContext;
}

/** Lines for a person, and the same facts as one value for a script (`policy explain`). */
export interface DocumentOutput {
  kind: 'document';
  text: string;
  data: unknown;
}

export type Output = RowsOutput | ReportOutput | DocumentOutput;
export type OutputKind = Output['kind'];

/** How to write: `width` cuts a table to a terminal's columns; `now` dates a page or a finding. */
export interface View {
  width?: number;
  now?: Date;
}

/** A writer for each kind of output a format can write: the kinds it needs, by their absence the ones it cannot. */
export type Writers = {
  [Kind in OutputKind]?: (output: Extract<Output, { kind: Kind }>, view: View) => string;
};

/** One `--format`: its name, what it is, and the kinds of output it writes. */
export interface OutputFormat<Name extends string = string> {
  name: Name;
  writes: Writers;
}
