/**
 * The AWS Query protocol of ElastiCache, driven by the SDK's own service schemas: request
 * bodies (`Action=…&Version=2015-02-02`, lists as `Name.<member>.N`) become plain objects,
 * and results become XML with every list element named as the service names it, so any
 * Query client (the SDK, the AWS CLI, boto) reads the emulator's answers unchanged.
 */
import * as elasticache from '@aws-sdk/client-elasticache';

export const XML_NAMESPACE = 'http://elasticache.amazonaws.com/doc/2015-02-02/';
export const API_VERSION = '2015-02-02';

/** A request parameter tree: strings at the leaves, arrays for lists, objects for structures. */
export type Params = { [key: string]: ParamValue };
export type ParamValue = string | Params | ParamValue[];

/**
 * Turn flat Query parameters into a tree. `A.member.1.B=x` and `A.Tag.1.Key=x` are lists
 * (the segment before an index is the list's member name, whatever it is).
 */
export function parseQuery(body: string): { action: string; version: string | undefined; params: Params } {
  const flat = new URLSearchParams(body);
  const params: Params = {};
  for (const [key, value] of flat) {
    if (key === 'Action' || key === 'Version') continue;
    const segments = key.split('.');
    let node: Params | ParamValue[] = params;
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index] ?? '';
      const next = segments[index + 1];
      const last = index === segments.length - 1;
      const nextIsListMember =
        next !== undefined && /^\d+$/.test(segments[index + 2] ?? '') && !/^\d+$/.test(next);
      const slot: string | number = Array.isArray(node) ? Number(segment) - 1 : segment;
      if (last) {
        (node as Record<string | number, ParamValue>)[slot] = value;
        break;
      }
      const container = node as Record<string | number, ParamValue>;
      if (nextIsListMember) {
        container[slot] ??= [];
        node = container[slot] as ParamValue[];
        index += 1; // skip the member name
      } else {
        container[slot] ??= {};
        node = container[slot] as Params;
      }
    }
  }
  return { action: flat.get('Action') ?? '', version: flat.get('Version') ?? undefined, params };
}

// --- Schemas -------------------------------------------------------------------------

type SchemaRef = number | (() => Schema) | [number | (() => Schema), unknown];
type Schema = readonly unknown[];

const LIST = 1;
const STRUCTURE = 3;
const OPERATION = 9;
const ERROR = -3;
const LIST_MODIFIER = 64;
const BOOLEAN = 2;
const TIMESTAMPS = new Set([4, 5, 6, 7]);

const exports = elasticache as unknown as Record<string, unknown>;

function schemaOf(name: string): Schema | undefined {
  const value = exports[`${name}$`];
  return Array.isArray(value) ? value : undefined;
}

function resolve(ref: SchemaRef): { schema: Schema | number; traits: unknown } {
  const [target, traits] = Array.isArray(ref) ? ref : [ref, undefined];
  return { schema: typeof target === 'function' ? target() : target, traits };
}

function xmlNameOf(traits: unknown): string | undefined {
  if (typeof traits !== 'object' || traits === null) return undefined;
  const name = (traits as Record<string, unknown>).xmlName;
  return typeof name === 'string' ? name : undefined;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function scalar(value: unknown, type: number): string {
  if (value instanceof Date) return value.toISOString();
  if (TIMESTAMPS.has(type) && typeof value === 'string') return value;
  if (type === BOOLEAN) return value ? 'true' : 'false';
  return escapeXml(String(value));
}

function serialize(value: unknown, ref: SchemaRef, out: string[]): void {
  const { schema } = resolve(ref);
  if (typeof schema === 'number') {
    if (schema & LIST_MODIFIER) {
      for (const item of value as unknown[])
        out.push(`<member>${scalar(item, schema & ~LIST_MODIFIER)}</member>`);
    } else out.push(scalar(value, schema));
    return;
  }
  if (schema[0] === LIST) {
    const member = schema[4] as SchemaRef;
    const name = xmlNameOf(Array.isArray(member) ? member[1] : undefined) ?? 'member';
    for (const item of value as unknown[]) {
      out.push(`<${name}>`);
      serialize(item, member, out);
      out.push(`</${name}>`);
    }
    return;
  }
  if (schema[0] === STRUCTURE || schema[0] === ERROR) {
    const names = schema[4] as string[];
    const refs = schema[5] as SchemaRef[];
    const record = value as Record<string, unknown>;
    names.forEach((name, index) => {
      const member = record[name];
      const memberRef = refs[index];
      if (member === undefined || member === null || memberRef === undefined) return;
      const tag = xmlNameOf(Array.isArray(memberRef) ? memberRef[1] : undefined) ?? name;
      out.push(`<${tag}>`);
      serialize(member, memberRef, out);
      out.push(`</${tag}>`);
    });
  }
}

/** The XML answer of a successful action; `result` has the output shape's member names. */
export function resultXml(action: string, result: object, requestId: string): string {
  const operation = schemaOf(action);
  if (operation === undefined || operation[0] !== OPERATION)
    throw new Error(`no schema for action ${action}`);
  const out: string[] = [`<${action}Response xmlns="${XML_NAMESPACE}"><${action}Result>`];
  serialize(result, operation[5] as SchemaRef, out);
  out.push(
    `</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
  return out.join('');
}

/** Whether the service defines this action at all. */
export function isKnownAction(action: string): boolean {
  return schemaOf(action)?.[0] === OPERATION;
}

/** HTTP status of each modelled fault code (from the SDK's error schemas); others are 400. */
const FAULT_STATUS = new Map<string, number>();
for (const value of Object.values(exports)) {
  if (!Array.isArray(value) || value[0] !== ERROR) continue;
  const traits = value[3] as { awsQueryError?: [string, number]; httpError?: number };
  const code = traits.awsQueryError?.[0] ?? String(value[2]);
  FAULT_STATUS.set(code, traits.awsQueryError?.[1] ?? traits.httpError ?? 400);
}

/** A fault the emulator answers with, as AWS does: code, message, HTTP status, sender or receiver. */
export class QueryFault extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'QueryFault';
    this.code = code;
    this.status = status ?? FAULT_STATUS.get(code) ?? 400;
  }
}

export function errorXml(fault: QueryFault, requestId: string): string {
  const type = fault.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
