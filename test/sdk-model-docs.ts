/**
 * Which AWS SDK model members a body of source reads, and what the SDK's own model
 * documentation says of each: one TypeScript program, every property read (`a.B`, `a?.B`,
 * `a['B']`, `const { B } = a`) resolved by the type checker, kept when its declaration lives in
 * an `@aws-sdk/client-*` model `.d.ts`, and its doc comment searched for words that retire it.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Words by which an SDK model doc comment retires a member. */
export const RETIREMENT_WORDS =
  /\bretire[sd]?\b|\bretirement\b|\bdeprecat(?:ed|es|ion)\b|will be removed|no longer\b/i;

const MODEL_FILE = /[\\/]@aws-sdk[\\/]client-([^\\/]+)[\\/]dist-types[\\/]models[\\/]/;

/** A model member the source reads, e.g. `organizations Account.Status`. */
export interface ModelMember {
  /** `<service> <Shape>.<member>` */
  key: string;
  /** The doc comment text with its JSDoc tags (`@deprecated …`). */
  doc: string;
  /** Where the source reads it, `path:line`, relative to the root. */
  readAt: string[];
}

/** Every `.ts` file under the given directories. */
export function sourceFiles(root: string, directories: readonly string[]): string[] {
  return directories.flatMap((directory) =>
    readdirSync(join(root, directory), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => resolve(root, directory, file)),
  );
}

function compilerOptions(root: string): ts.CompilerOptions {
  const path = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(path, (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, path).options;
}

/** The property a read names: the symbol of `a.B`, `a['B']` or a `{ B }` binding element. */
function readSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  if (ts.isPropertyAccessExpression(node)) {
    const assigned =
      ts.isBinaryExpression(node.parent) &&
      node.parent.left === node &&
      node.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    return assigned ? undefined : checker.getSymbolAtLocation(node.name);
  }
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    return checker.getTypeAtLocation(node.expression).getProperty(node.argumentExpression.text);
  }
  if (
    ts.isBindingElement(node) &&
    ts.isObjectBindingPattern(node.parent) &&
    node.dotDotDotToken === undefined
  ) {
    const name = node.propertyName ?? node.name;
    if (!ts.isIdentifier(name) && !ts.isStringLiteralLike(name)) return undefined;
    return checker.getTypeAtLocation(node.parent).getProperty(name.text);
  }
  return undefined;
}

/** The property name a read names, read from the syntax alone. */
function readName(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression))
    return node.argumentExpression.text;
  if (ts.isBindingElement(node)) {
    const name = node.propertyName ?? node.name;
    return ts.isIdentifier(name) || ts.isStringLiteralLike(name) ? name.text : undefined;
  }
  return undefined;
}

/** Every member name declared by an interface or class of an SDK model file. */
function modelMemberNames(sources: readonly ts.SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (const source of sources) {
    if (!MODEL_FILE.test(source.fileName)) continue;
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement) && !ts.isClassDeclaration(statement)) continue;
      for (const member of statement.members) {
        if (member.name !== undefined && ts.isIdentifier(member.name)) names.add(member.name.text);
      }
    }
  }
  return names;
}

/** The source files a module specifier of `source` resolves to. */
function importsOf(checker: ts.TypeChecker, source: ts.SourceFile): string[] {
  return source.statements.flatMap((statement) => {
    const specifier =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)
        ? statement.moduleSpecifier
        : undefined;
    const module = specifier === undefined ? undefined : checker.getSymbolAtLocation(specifier);
    return (module?.declarations ?? []).map((declaration) => declaration.getSourceFile().fileName);
  });
}

/**
 * The wanted files that import an SDK client, directly or through other wanted files: only
 * there can a type the source reads come from a model (a type reaches a file by its imports).
 * The others are not walked, which keeps the checker off code that never sees the SDK.
 */
function reachingModels(
  checker: ts.TypeChecker,
  sources: readonly ts.SourceFile[],
  wanted: ReadonlySet<string>,
): Set<ts.SourceFile> {
  const own = sources.filter((source) => wanted.has(resolve(source.fileName)));
  const byName = new Map(own.map((source) => [resolve(source.fileName), source]));
  const edges = new Map(own.map((source) => [source, importsOf(checker, source)]));
  const reaching = new Set(
    own.filter((source) => edges.get(source)?.some((file) => /[\\/]@aws-sdk[\\/]/.test(file))),
  );
  for (let grown = true; grown; ) {
    grown = false;
    for (const source of own) {
      if (reaching.has(source)) continue;
      const imported = edges.get(source) ?? [];
      if (!imported.some((file) => reaching.has(byName.get(resolve(file)) as ts.SourceFile))) continue;
      reaching.add(source);
      grown = true;
    }
  }
  return reaching;
}

/** `<service> <Shape>.<member>` for a member declared in an SDK model file, else undefined. */
function modelKey(symbol: ts.Symbol): string | undefined {
  for (const declaration of symbol.declarations ?? []) {
    const service = MODEL_FILE.exec(declaration.getSourceFile().fileName)?.[1];
    const owner = declaration.parent;
    if (service === undefined || !(ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)))
      continue;
    return `${service} ${owner.name?.text ?? '?'}.${symbol.getName()}`;
  }
  return undefined;
}

function documentation(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker));
  const tags = symbol
    .getJsDocTags(checker)
    .map((tag) => `@${tag.name} ${ts.displayPartsToString(tag.text ?? [])}`.trim());
  return [text, ...tags].join('\n');
}

/**
 * Every SDK model member the files read, with its documentation, in one program.
 *
 * @example
 * const members = modelMembersRead(root, sourceFiles(root, ['shared', 'cli', 'functions']));
 * members.filter((member) => RETIREMENT_WORDS.test(member.doc));
 */
export function modelMembersRead(root: string, files: readonly string[]): ModelMember[] {
  const program = ts.createProgram({ rootNames: [...files], options: compilerOptions(root) });
  const checker = program.getTypeChecker();
  const members = new Map<string, ModelMember>();
  const wanted = new Set(files.map((file) => resolve(file)));
  const sources = program.getSourceFiles();
  // Only a name some model declares can be a model member: the checker is asked about those alone.
  const names = modelMemberNames(sources);
  const record = (symbol: ts.Symbol, at: string): void => {
    const key = modelKey(symbol);
    if (key === undefined) return;
    const member = members.get(key) ?? { key, doc: documentation(checker, symbol), readAt: [] };
    member.readAt.push(at);
    members.set(key, member);
  };
  const reaching = reachingModels(checker, sources, wanted);
  for (const source of sources) {
    if (!reaching.has(source)) continue;
    const visit = (node: ts.Node): void => {
      const name = readName(node);
      const symbol = name !== undefined && names.has(name) ? readSymbol(checker, node) : undefined;
      if (symbol !== undefined) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        record(symbol, `${relative(root, source.fileName)}:${line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const [symbol, at] of handWrittenShapeReads(checker, source, names)) {
      record(symbol, `${relative(root, source.fileName)}:${at + 1}`);
    }
  }
  return [...members.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** True when a type annotation declares a property some SDK model also declares. */
function mirrorsModel(annotation: ts.TypeNode | undefined, names: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertySignature(node) && ts.isIdentifier(node.name) && names.has(node.name.text)) found = true;
    if (!found) ts.forEachChild(node, visit);
  };
  if (annotation !== undefined) visit(annotation);
  return found;
}

const elementOf = (checker: ts.TypeChecker, type: ts.Type): ts.Type =>
  checker.isArrayType(type) ? (checker.getTypeArguments(type as ts.TypeReference)[0] ?? type) : type;

/** The model members of `source` that the hand-written `target` shape takes over, nested. */
function takenMembers(checker: ts.TypeChecker, source: ts.Type, target: ts.Type, depth = 0): ts.Symbol[] {
  if (depth > 4) return [];
  const from = elementOf(checker, checker.getNonNullableType(source));
  const to = elementOf(checker, checker.getNonNullableType(target));
  return to.getProperties().flatMap((property) => {
    const taken = from.getProperty(property.getName());
    // A property the shape declares with an SDK type is the SDK's: its reads are seen where they happen.
    if (taken === undefined || modelKey(property) !== undefined) return [];
    const nested = takenMembers(
      checker,
      checker.getTypeOfSymbol(taken),
      checker.getTypeOfSymbol(property),
      depth + 1,
    );
    return [taken, ...nested];
  });
}

/** The parameters of a called local function, when the callee is one (`f(x)` or `const f = (…) => …`). */
function calleeParameters(checker: ts.TypeChecker, call: ts.CallExpression) {
  if (!ts.isIdentifier(call.expression)) return undefined;
  const declaration = checker.getSymbolAtLocation(call.expression)?.valueDeclaration;
  if (declaration === undefined) return undefined;
  if (ts.isFunctionDeclaration(declaration)) return declaration.parameters;
  const value = ts.isVariableDeclaration(declaration) ? declaration.initializer : undefined;
  return value !== undefined && (ts.isArrowFunction(value) || ts.isFunctionExpression(value))
    ? value.parameters
    : undefined;
}

/**
 * Model members read through a shape the source wrote by hand: an SDK value passed to a local
 * function whose parameter type declares model member names (or assigned to a variable so
 * annotated). Every member that shape takes over counts as read, where the value enters it.
 */
function handWrittenShapeReads(
  checker: ts.TypeChecker,
  source: ts.SourceFile,
  names: ReadonlySet<string>,
): [ts.Symbol, number][] {
  const reads: [ts.Symbol, number][] = [];
  const take = (value: ts.Expression, annotated: ts.Node) => {
    const line = source.getLineAndCharacterOfPosition(value.getStart(source)).line;
    const members = takenMembers(
      checker,
      checker.getTypeAtLocation(value),
      checker.getTypeAtLocation(annotated),
    );
    for (const member of members) reads.push([member, line]);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.initializer !== undefined && mirrorsModel(node.type, names)) {
      take(node.initializer, node.name);
    }
    if (ts.isCallExpression(node)) {
      const parameters = calleeParameters(checker, node);
      node.arguments.forEach((argument, index) => {
        const parameter = parameters?.[index];
        if (parameter !== undefined && mirrorsModel(parameter.type, names)) take(argument, parameter);
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}
