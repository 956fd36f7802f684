/**
 * `--format` offers, for each command, exactly the formats of the registry that write its kind of
 * output; `--help` lists them, and the parser refuses any other.
 */
import { describe, expect, it } from 'vitest';
import type { OutputKind } from '../../../cli/formats/output.js';
import { FORMATS, formatsFor, render } from '../../../cli/formats/registry.js';
import { EXIT, runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';

/** What each command prints: the spec the registry's formats are chosen by. */
const OUTPUT_OF: Record<string, OutputKind> = {
  scan: 'report',
  plan: 'rows',
  drift: 'rows',
  'policy validate': 'rows',
  'policy explain': 'document',
  'snapshot create': 'rows',
  'snapshot list': 'rows',
  'snapshot cleanup': 'rows',
  'migration start': 'rows',
  'migration status': 'rows',
  'migration approve': 'rows',
  'migration reject': 'rows',
  'migration abort': 'rows',
  'upgrade start': 'rows',
  'upgrade status': 'rows',
  'upgrade approve': 'rows',
  'upgrade reject': 'rows',
  'upgrade release': 'rows',
  'upgrade abort': 'rows',
};

async function help(path: string[]): Promise<string> {
  const io = captureIo();
  const code = await runCli([...path, '--help'], io);
  expect(code).toBe(EXIT.compliant);
  return io.out();
}

/** The names under `Commands:` in a help text (`help` itself left out). */
function subcommands(text: string): string[] {
  const [, section = ''] = text.split(/^Commands:$/m);
  return [...section.matchAll(/^ {2}(\S+)/gm)].map(([, name = '']) => name).filter((name) => name !== 'help');
}

/** Every command that runs (has no subcommand), as its path of words. */
async function leaves(path: string[] = []): Promise<string[][]> {
  const names = subcommands(await help(path));
  if (names.length === 0) return [path];
  return (await Promise.all(names.map((name) => leaves([...path, name])))).flat();
}

/** The choices `--help` lists for `--format`, or undefined when the command has no `--format`. */
function formatChoices(text: string): string[] | undefined {
  const flat = text.replace(/\s+/g, ' ');
  const option = /--format <format> .*?\(choices: ([^)]*)\)/.exec(flat);
  if (option === null) return flat.includes('--format') ? [] : undefined;
  return [...(option[1] ?? '').matchAll(/"([^"]+)"/g)].map(([, name = '']) => name);
}

describe('Registry: FORMATS', () => {
  it('names every format once, and each writes at least one kind of output', () => {
    const names = FORMATS.map((format) => format.name);

    expect(new Set(names).size).toBe(names.length);
    for (const format of FORMATS) expect(Object.keys(format.writes).length).toBeGreaterThan(0);
  });

  it('writes findings only in asff and ocsf', () => {
    expect(FORMATS.filter((format) => !('rows' in format.writes)).map((format) => format.name)).toEqual([
      'asff',
      'ocsf',
    ]);
  });

  it('refuses to render a kind the format does not write, naming the ones that do', () => {
    expect(() => render({ kind: 'rows', rows: [], columns: ['id'] }, 'asff')).toThrow(
      '--format asff does not write rows: use one of table, json, csv, markdown, html',
    );
  });
});

describe('Option: --format', () => {
  it('is on every command that prints, and on no other', async () => {
    const commands = await leaves();
    const withFormat = [];
    for (const path of commands)
      if (formatChoices(await help(path)) !== undefined) withFormat.push(path.join(' '));

    expect(withFormat.sort()).toEqual(Object.keys(OUTPUT_OF).sort());
  });

  it.each(Object.entries(OUTPUT_OF))(
    '%s --help lists exactly the formats that write %s',
    async (command, kind) => {
      const listed = formatChoices(await help(command.split(' ')));

      expect(listed).toEqual(formatsFor(kind));
      expect(listed?.length).toBeGreaterThan(0);
    },
  );

  it.each(
    Object.entries(OUTPUT_OF).flatMap(([command, kind]) =>
      FORMATS.filter((format) => !formatsFor(kind).includes(format.name)).map(
        (format) => [command, format.name] as const,
      ),
    ),
  )('%s refuses --format %s in the parser, with exit 2', async (command, format) => {
    const io = captureIo();

    const code = await runCli([...command.split(' '), '--format', format], io);

    expect(code).toBe(EXIT.usage);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(
      new RegExp(`^error: option '--format <format>' argument '${format}' is invalid\\.`),
    );
  });
});
