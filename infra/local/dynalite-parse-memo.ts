/**
 * dynalite parses every expression of every request (ConditionExpression, UpdateExpression,
 * KeyConditionExpression, FilterExpression, ProjectionExpression) with its PEG.js parsers, in
 * full; the parse was the largest part of dynalite's CPU in the sandbox's scale scenarios, which
 * send the same few expressions thousands of times (the organisation scan: 6 458 parses, 1 086
 * distinct). This memo, put around the three parsers' `parse` when the sandbox starts a dynalite,
 * keeps each successful parse keyed on everything the parse reads: the parser, the expression,
 * whether it is a key condition, and the request's ExpressionAttributeNames and
 * ExpressionAttributeValues (their JSON: the parse resolves names and values into the tree and
 * checks their types). A hit answers a copy of the tree (dynalite writes into it while applying an
 * update) and marks the same names and values used as the parse would; a parse that fails is not
 * kept (its error comes from the parser each time). DynamoDB's answers are unchanged: only the
 * repeated work goes.
 */
import { createRequire } from 'node:module';

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, unknown>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
}

interface Parser {
  parse(expression: string, options: { context: ParseContext }): unknown;
}

interface Parsed {
  tree: unknown;
  /** The names and values the expression uses (the parse removes them from the unused sets). */
  names: string[];
  values: string[];
}

/** Beyond this many distinct parses the memo starts again (a long-running sandbox stays bounded). */
const MAX_ENTRIES = 10_000;
const PARSERS = ['conditionParser', 'updateParser', 'projectionParser'] as const;
const memoised = new WeakSet<Parser>();

function allUnused(map: Record<string, unknown> | undefined): Record<string, boolean> {
  return Object.fromEntries(Object.keys(map ?? {}).map((key) => [key, true]));
}

/**
 * A deep copy of a parse tree: arrays and objects, each object keeping its prototype (the tree's
 * path sets are `Object.create(null)` maps, which a `'constructor' in` lookup must not see through).
 */
function copyTree<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyTree) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const [key, field] of Object.entries(value)) copy[key] = copyTree(field);
  return copy as T;
}

function markUsed(context: ParseContext, names: string[], values: string[]): void {
  for (const used of names) delete context.unusedAttrNames?.[used];
  for (const used of values) delete context.unusedAttrVals?.[used];
}

function memoise(name: string, parser: Parser): void {
  const parse = parser.parse.bind(parser);
  const memo = new Map<string, Parsed>();
  parser.parse = (expression, options) => {
    const { context } = options;
    const key = JSON.stringify([
      name,
      context.isKeyCondition === true,
      expression,
      context.attrNames,
      context.attrVals,
    ]);
    const parsed = memo.get(key);
    if (parsed === undefined) {
      // Parse against sets of all names and values, so what it removes is exactly what it uses.
      const unusedAttrNames = allUnused(context.attrNames);
      const unusedAttrVals = allUnused(context.attrVals);
      const tree = parse(expression, { context: { ...context, unusedAttrNames, unusedAttrVals } });
      const names = Object.keys(context.attrNames ?? {}).filter((key) => !(key in unusedAttrNames));
      const values = Object.keys(context.attrVals ?? {}).filter((key) => !(key in unusedAttrVals));
      if (memo.size >= MAX_ENTRIES) memo.clear();
      memo.set(key, { tree: copyTree(tree), names, values });
      markUsed(context, names, values);
      return tree;
    }
    markUsed(context, parsed.names, parsed.values);
    return copyTree(parsed.tree);
  };
}

/** Put the memo around dynalite's expression parsers (once per process; the modules are shared). */
export function memoiseDynaliteParsers(): void {
  const require = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  for (const name of PARSERS) {
    const parser = require(`./db/${name}`) as Parser;
    if (memoised.has(parser)) continue;
    memoised.add(parser);
    memoise(name, parser);
  }
}
