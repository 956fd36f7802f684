import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../../shared/domain/policy/schema.js';
import { schemaFields } from './schema-fields.js';

const reference = readFileSync(new URL('../../../docs/policy-reference.md', import.meta.url), 'utf8');
/** The reference's table row of `path`: the line whose first cell is that field. */
const rowOf = (path: string) =>
  reference
    .split('\n')
    .map((line) => line.split(/ +\| +/).map((cell) => cell.replace(/^\| /, '').trim()))
    .find((cells) => cells[0] === `\`${path}\``);
/** A default as the reference writes it: a scalar as is, a list or object as YAML flow. */
const written = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(written).join(', ')}]`
    : typeof value === 'object' && value !== null
      ? `{ ${Object.entries(value)
          .map(([key, inner]) => `${key}: ${written(inner)}`)
          .join(', ')} }`
      : String(value);

describe('docs/policy-reference.md', () => {
  const fields = schemaFields(policySchema);

  it('has a row for every field of the policy schema', () => {
    expect(fields.length).toBeGreaterThan(40);
    expect(fields.filter((field) => rowOf(field.path) === undefined).map((field) => field.path)).toEqual([]);
  });

  it("gives each field's default as the schema does", () => {
    const wrong = fields
      .filter((field) => field.default !== undefined && typeof field.default !== 'object')
      .concat(fields.filter((field) => Array.isArray(field.default)))
      .filter((field) => !rowOf(field.path)?.[3]?.includes(`\`${written(field.default)}\``));
    expect(wrong.map((field) => `${field.path}: ${written(field.default)}`)).toEqual([]);
  });

  it('documents no field the schema does not have', () => {
    const known = new Set(fields.map((field) => field.path));
    const documented = [...reference.matchAll(/^\| `([a-zA-Z[\].]+)` +\|/gm)].map(
      ([, path]) => path as string,
    );
    expect(documented.filter((path) => !known.has(path))).toEqual([]);
  });
});
