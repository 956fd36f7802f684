/**
 * The size limits of the project's source (every .ts file git tracks or would track, outside
 * test/): a file is at most 400 lines, a function (anything with a body that TypeScript calls
 * function-like: declarations, expressions, arrows, methods, accessors, constructors) at most 80
 * lines from its first to its last line, and a Lambda entry point (functions/<name>/handler.ts)
 * at most 40 lines (STYLE.md: handlers are thin). A failure lists every offender as
 * `file:line  length`, so one run shows all there is to split.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const MAX_HANDLER_LINES = 40;
const HANDLER = /^functions\/[^/]+\/handler\.ts$/;

/** Tracked and untracked-but-not-ignored .ts files outside test/, as paths from the root. */
function sourceFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return [...new Set(listed.split('\n'))]
    .filter((file) => file !== '' && !file.startsWith('test/'))
    .filter((file) => existsSync(`${ROOT}${file}`))
    .sort();
}

/** Lines of a text, a final newline not counting as the start of another. */
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

interface Measured {
  /** `file:line` of the first line (leading comments not counted). */
  where: string;
  lines: number;
}

/** Every function-like node with a body, its first to its last line. */
function functionsOf(file: string, text: string): Measured[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const found: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = lineOf(node.getStart(source));
      found.push({ where: `${file}:${first + 1}`, lines: lineOf(node.getEnd()) - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const over = (limit: number, measured: readonly Measured[]) =>
  measured.filter((entry) => entry.lines > limit).map((entry) => `${entry.where}  ${entry.lines} lines`);

describe('Source size limits', () => {
  const files = sourceFiles().map((file) => ({ file, text: readFileSync(`${ROOT}${file}`, 'utf8') }));

  it('reads the project source (shared, functions, cli, infra, bench)', () => {
    // Assess
    for (const folder of ['shared/', 'functions/', 'cli/', 'infra/', 'bench/'])
      expect(files.some(({ file }) => file.startsWith(folder))).toBe(true);
    expect(files.some(({ file }) => file.startsWith('test/'))).toBe(false);
  });

  it(`keeps every file at ${MAX_FILE_LINES} lines or fewer`, () => {
    // Act
    const offenders = over(
      MAX_FILE_LINES,
      files.map(({ file, text }) => ({ where: file, lines: lineCount(text) })),
    );

    // Assess
    expect(offenders, `files over ${MAX_FILE_LINES} lines:\n${offenders.join('\n')}`).toEqual([]);
  });

  it(`keeps every function at ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    // Act
    const offenders = over(
      MAX_FUNCTION_LINES,
      files.flatMap(({ file, text }) => functionsOf(file, text)),
    );

    // Assess
    expect(offenders, `functions over ${MAX_FUNCTION_LINES} lines:\n${offenders.join('\n')}`).toEqual([]);
  });

  it(`keeps every functions/<name>/handler.ts at ${MAX_HANDLER_LINES} lines or fewer`, () => {
    // Act
    const handlers = files.filter(({ file }) => HANDLER.test(file));
    const offenders = over(
      MAX_HANDLER_LINES,
      handlers.map(({ file, text }) => ({ where: file, lines: lineCount(text) })),
    );

    // Assess
    expect(handlers.length).toBeGreaterThan(5);
    expect(offenders, `handlers over ${MAX_HANDLER_LINES} lines:\n${offenders.join('\n')}`).toEqual([]);
  });

  it('measures a function from its first line to its last, each kind, nested ones too', () => {
    // Prepare
    const body = (lines: number) =>
      Array.from({ length: lines - 2 }, (_, index) => `  x${index}();`).join('\n');
    const text = [
      '/** a comment above is not counted */',
      `function declared() {\n${body(5)}\n}`,
      `const arrow = () => {\n${body(4)}\n};`,
      `class C {\n  method() {\n${body(3)}\n  }\n}`,
      'declare function signature(): void;',
    ].join('\n');

    // Act
    const measured = functionsOf('fixture.ts', text);

    // Assess
    expect(measured).toEqual([
      { where: 'fixture.ts:2', lines: 5 },
      { where: 'fixture.ts:7', lines: 4 },
      { where: 'fixture.ts:12', lines: 3 },
    ]);
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
  });
});
