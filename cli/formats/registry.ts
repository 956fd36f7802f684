/**
 * Every `--format`, in the order `--help` lists them. A new format is one module in this folder
 * plus one line here; a command offers exactly the formats that write its kind of output.
 */
import { InputValidationError } from '../../shared/runtime/errors.js';
import { redact } from '../../shared/runtime/redact.js';
import { csvFormat } from './csv.js';
import { htmlFormat } from './html.js';
import { jsonFormat } from './json.js';
import { markdownFormat } from './markdown.js';
import type { Output, OutputFormat, OutputKind, View } from './output.js';
import { asffFormat, ocsfFormat } from './security-findings.js';
import { tableFormat } from './table.js';

export const FORMATS = [
  tableFormat,
  jsonFormat,
  csvFormat,
  markdownFormat,
  htmlFormat,
  asffFormat,
  ocsfFormat,
] as const satisfies readonly OutputFormat[];

export type Format = (typeof FORMATS)[number]['name'];

/**
 * The formats that write `kind`, in registry order: what a command with that output offers.
 *
 * @example
 * formatsFor('rows'); // ['table', 'json', 'csv', 'markdown', 'html']
 */
export function formatsFor(kind: OutputKind): Format[] {
  return FORMATS.filter((format) => kind in format.writes).map((format) => format.name);
}

/** The writer of `format` for `output`, when the format writes that kind. */
function write(format: OutputFormat, output: Output, view: View): string | undefined {
  switch (output.kind) {
    case 'rows':
      return format.writes.rows?.(output, view);
    case 'report':
      return format.writes.report?.(output, view);
    case 'document':
      return format.writes.document?.(output, view);
  }
}

/**
 * Write a command's output in one format. The option parser only offers the formats that write
 * its kind ({@link formatsFor}), so a refusal here is a command wired to the wrong kind. What
 * every format writes goes through the app's one redaction first: no secret in any output.
 *
 * @example
 * io.stdout(render({ kind: 'rows', rows, columns }, 'csv'));
 */
export function render(output: Output, name: Format, view: View = {}): string {
  const format: OutputFormat | undefined = FORMATS.find((each) => each.name === name);
  const written = format === undefined ? undefined : write(format, redact(output) as Output, view);
  if (written === undefined)
    throw new InputValidationError(
      `--format ${name} does not write ${output.kind}: use one of ${formatsFor(output.kind).join(', ')}`,
    );
  return written;
}
