/**
 * The fields of a zod schema, as the policy reference documents them: one row per leaf
 * (`rules[].durability.minimum`), with its type, whether it is required, and its default.
 */
import type * as z from 'zod';

export interface SchemaField {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** A leaf's type in words: enums and literals list their values. */
function typeOf(schema: z.ZodType): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'enum':
      return Object.values(def.entries ?? {}).join(' | ');
    case 'literal':
      return (def.values ?? []).map((value) => JSON.stringify(value)).join(' | ');
    case 'array':
      return `list of ${typeOf(def.element as z.ZodType)}`;
    case 'record':
      return `map of ${typeOf(def.valueType as z.ZodType)}`;
    case 'union':
      return (def.options ?? []).map(typeOf).join(' | ');
    case 'optional':
    case 'default':
    case 'nullable':
      return typeOf(def.innerType as z.ZodType);
    case 'pipe':
      return typeOf(def.in as z.ZodType);
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

/**
 * Every documented field of `schema` under `path`: an object's keys (recursively, through
 * optional, default, pipe and arrays of objects), each leaf once. An unknown wrapper is an
 * error, never a silently skipped field.
 */
export function schemaFields(
  schema: z.ZodType,
  path = '',
  required = true,
  defaultValue: unknown = undefined,
): SchemaField[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
      return schemaFields(def.innerType as z.ZodType, path, false, defaultValue);
    case 'default':
      return schemaFields(def.innerType as z.ZodType, path, false, def.defaultValue);
    case 'pipe':
      return schemaFields(def.in as z.ZodType, path, required, defaultValue);
    case 'object': {
      const own = path === '' ? [] : [{ path, type: 'object', required, default: defaultValue }];
      return [
        ...own,
        ...Object.entries(def.shape ?? {}).flatMap(([key, value]) =>
          schemaFields(value, path === '' ? key : `${path}.${key}`),
        ),
      ];
    }
    case 'array': {
      const element = defOf(def.element as z.ZodType);
      if (element.type === 'object')
        return [
          { path, type: 'list of objects', required, default: defaultValue },
          ...schemaFields(def.element as z.ZodType, `${path}[]`).filter(
            (field) => field.path !== `${path}[]`,
          ),
        ];
      return [{ path, type: typeOf(schema), required, default: defaultValue }];
    }
    case 'string':
    case 'number':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'record':
      return [{ path, type: typeOf(schema), required, default: defaultValue }];
    case 'union':
      // An object among the options (`soak: false` or an object) has its fields documented too.
      return [
        { path, type: typeOf(schema), required, default: defaultValue },
        ...(def.options ?? [])
          .filter((option) => defOf(option).type === 'object')
          .flatMap((option) => schemaFields(option, path).filter((field) => field.path !== path)),
      ];
    default:
      throw new Error(`${path}: zod type ${def.type} is not described`);
  }
}
