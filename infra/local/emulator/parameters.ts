/**
 * SSM Parameter Store (JSON 1.1, `AmazonSSM.*`): PutParameter and GetParameter, one store per
 * account and region. A SecureString's value comes back in plain only with `WithDecryption`;
 * without it the answer holds a stand-in for the ciphertext, never the value.
 */
import { createHash } from 'node:crypto';
import type { Caller } from './accounts.js';
import type { Clock } from './clock.js';
import { QueryFault } from './protocol.js';

export const SSM_PREFIX = 'AmazonSSM.';
const TYPES = new Set(['String', 'StringList', 'SecureString']);
/** The AWS managed key SSM encrypts a SecureString with when PutParameter names none. */
const DEFAULT_KEY = 'alias/aws/ssm';

interface StoredParameter {
  name: string;
  type: string;
  value: string;
  keyId?: string;
  version: number;
  modified: Date;
}

const text = (input: Record<string, unknown>, field: string, required = true): string | undefined => {
  const value = input[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new QueryFault('ValidationException', `1 validation error detected: ${field} must be a string`);
  return value;
};

/** The parameters of every account and region the emulator serves. */
export class ParameterStore {
  readonly #byPair = new Map<string, Map<string, StoredParameter>>();

  constructor(readonly clock: Clock) {}

  #of(caller: Caller): Map<string, StoredParameter> {
    const key = `${caller.account}/${caller.region}`;
    const found = this.#byPair.get(key) ?? new Map<string, StoredParameter>();
    this.#byPair.set(key, found);
    return found;
  }

  /** Answer the JSON action `action` (the target without {@link SSM_PREFIX}) for `caller`. */
  handle(action: string, input: Record<string, unknown>, caller: Caller): unknown {
    if (action === 'PutParameter') return this.#put(input, caller);
    if (action === 'GetParameter') return this.#get(input, caller);
    throw new QueryFault('UnknownOperationException', `Unsupported target ${SSM_PREFIX}${action}`);
  }

  #put(input: Record<string, unknown>, caller: Caller) {
    const name = text(input, 'Name') ?? '';
    const value = text(input, 'Value') ?? '';
    const store = this.#of(caller);
    const existing = store.get(name);
    if (existing !== undefined && input.Overwrite !== true)
      throw new QueryFault('ParameterAlreadyExists', 'The parameter already exists.');
    const type = text(input, 'Type', existing === undefined) ?? existing?.type ?? 'String';
    if (!TYPES.has(type))
      throw new QueryFault('ValidationException', `1 validation error detected: Value '${type}' at 'type'`);
    const keyId = type === 'SecureString' ? (text(input, 'KeyId', false) ?? DEFAULT_KEY) : undefined;
    const version = (existing?.version ?? 0) + 1;
    store.set(name, { name, type, value, keyId, version, modified: new Date(this.clock.now()) });
    return { Version: version, Tier: 'Standard' };
  }

  #get(input: Record<string, unknown>, caller: Caller) {
    const name = text(input, 'Name') ?? '';
    const found = this.#of(caller).get(name);
    if (found === undefined) throw new QueryFault('ParameterNotFound', '');
    const hidden = found.type === 'SecureString' && input.WithDecryption !== true;
    return {
      Parameter: {
        Name: found.name,
        Type: found.type,
        // A stand-in for the ciphertext: a digest, so the value cannot be read back from it.
        Value: hidden ? createHash('sha256').update(found.value).digest('base64') : found.value,
        Version: found.version,
        LastModifiedDate: found.modified.getTime() / 1000,
        ARN: `arn:aws:ssm:${caller.region}:${caller.account}:parameter/${name.replace(/^\//, '')}`,
        DataType: 'text',
      },
    };
  }
}
