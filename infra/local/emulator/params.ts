/**
 * Reading Query parameters as the API does (a missing required one is `MissingParameter`, a
 * malformed one `InvalidParameterValue` naming it), and the opaque pagination markers.
 */
import { type Params, type ParamValue, QueryFault } from './protocol.js';

export function text(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new QueryFault('InvalidParameterValue', `${name} must be a single value`);
  return value;
}

export function required(params: Params, name: string): string {
  const value = text(params, name);
  if (value === undefined || value === '') {
    throw new QueryFault('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

export function bool(params: Params, name: string): boolean | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new QueryFault('InvalidParameterValue', `Invalid boolean value for ${name}: ${value}`);
  }
  return value === 'true';
}

export function int(params: Params, name: string, min: number, max: number): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for ${name}: ${value}. Must be between ${min} and ${max}.`,
    );
  }
  return number;
}

export function oneOf<T extends string>(params: Params, name: string, values: readonly T[]): T | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for ${name}: ${value}. Valid values: ${values.join(', ')}`,
    );
  }
  return value as T;
}

/** An `Engine` value (any case): valkey or redis. */
export function engineOf(value: string): 'valkey' | 'redis' {
  const engine = value.toLowerCase();
  if (engine !== 'valkey' && engine !== 'redis') {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for Engine: ${engine}. Valid values: valkey, redis`,
    );
  }
  return engine;
}

export function list(params: Params, name: string): ParamValue[] {
  const value = params[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new QueryFault('InvalidParameterValue', `${name} must be a list`);
  return value.filter((item) => item !== undefined);
}

/** The `Tags` list as key-value pairs. */
export function tagsOf(params: Params): [string, string][] {
  return list(params, 'Tags').map((tag) => {
    if (typeof tag !== 'object' || Array.isArray(tag) || typeof tag.Key !== 'string') {
      throw new QueryFault('InvalidParameterValue', 'Each tag needs a Key');
    }
    return [tag.Key, typeof tag.Value === 'string' ? tag.Value : ''];
  });
}

export function timestamp(params: Params, name: string): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new QueryFault('InvalidParameterValue', `Invalid value for ${name}: ${value}`);
  return time;
}

/**
 * A pagination marker: `kind` and a position, base64url-encoded. Opaque to clients like AWS's;
 * anything that does not decode to this emulator's own marker of that kind is refused.
 */
export function encodeMarker(kind: string, position: string): string {
  return Buffer.from(`${kind}:${position}`).toString('base64url');
}

export function decodeMarker(kind: string, marker: string, name: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString() : '';
  const valid =
    Buffer.from(decoded).toString('base64url') === marker &&
    decoded.startsWith(`${kind}:`) &&
    decoded.length > kind.length + 1;
  if (!valid) throw new QueryFault('InvalidParameterValue', `Invalid value for ${name}: ${marker}`);
  return decoded.slice(kind.length + 1);
}

/** Page through sorted ids: the marker is the last id served, so each item is visited once. */
export function page<T>(
  ids: readonly string[],
  lookup: (id: string) => T,
  marker: string | undefined,
  size: number,
  name = 'Marker',
) {
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker('id', marker, name);
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((ids[middle] ?? '') <= after) low = middle + 1;
      else high = middle;
    }
    start = low;
  }
  const slice = ids.slice(start, start + size);
  const last = slice[slice.length - 1];
  const more = start + size < ids.length && last !== undefined;
  return { items: slice.map(lookup), marker: more ? encodeMarker('id', last) : undefined };
}
