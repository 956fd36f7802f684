/**
 * The one redaction every sink goes through: log lines, SNS alerts, EventBridge details,
 * migration failure causes and CLI errors. A secret is recognised by the key it sits under
 * (any case, any separator: `apiKey`, `API-Key`, `api_key`) or by its shape in free text
 * (`Bearer …`, Redis `AUTH …`, `user:pw@host`, `token=…`, AWS access key ids, PEM private
 * keys, JSON inside a string). What replaces it is the fixed marker {@link REDACTED}; resource
 * ids, ARNs and `host:port` endpoints are left as they are, so findings stay useful.
 */

/** What a secret is replaced with, everywhere. */
export const REDACTED = '[REDACTED]';
/** What replaces an object met again inside itself. */
export const CIRCULAR = '[Circular]';
/** What replaces a value nested deeper than {@link MAX_DEPTH}: it cannot be checked, so it is not shown. */
export const TRUNCATED = '[Truncated]';
/** Levels of objects, arrays, errors and JSON-in-strings looked into before cutting. */
export const MAX_DEPTH = 12;
/** Longer texts are not searched for embedded JSON (the search is quadratic at worst). */
const MAX_JSON_SCAN = 65_536;

/** Words that make a key secret wherever they sit in it, with or without a separator. */
const SECRET_KEY_WORDS =
  '(?:pass[-_.]?(?:word|wd|phrase)|pwd|secret|token|api[-_.]?key|private[-_.]?key|access[-_.]?key|credential|authorization|cookie|signature|session[-_.]?id|external[-_.]?id|plaintext|saml[-_.]?(?:assertion|response)|connection[-_.]?string)';
/**
 * Keys that are secret as a whole only (`auth`, `basic_auth`, `pass`, `sk`, `aws_sk`, `otp`), not
 * `author`, `passedAt` or `disk`.
 */
const SECRET_KEY_WHOLE = '(?:(?:[\\w-][\\w.-]*)?auth|pass|(?:[\\w-][\\w.-]*[-_.])?sk|otp)';
const SECRET_KEY_IN_NAME = new RegExp(SECRET_KEY_WORDS, 'i');
const SECRET_KEY_AS_NAME = new RegExp(`^${SECRET_KEY_WHOLE}$`, 'i');
/** An ARN names a secret without holding it (`secretArn`, `AuthTokenSecretARN`): kept. */
const ARN_KEY = /(?:^arn|Arn|ARN|[-_.]arn)$/;

/** `BEGIN … PRIVATE KEY` to its END, or to the end of a text cut short. */
const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** `scheme://user:pw@`, `scheme://:pw@`, `scheme://token@`: the whole user info goes. */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s?#"'<>]*@/gi;
/** `user:pw@host` without a scheme (an email address has no colon and is kept). */
const BARE_USER_INFO = /(^|[\s"'(<,;=[{])[^\s:@/"'<>]*:[^\s/"'<>]*@(?=[A-Za-z0-9[])/g;
/** HTTP header lines whose whole value is secret (a cookie header holds many pairs). */
const SECRET_HEADER = /\b((?:set-)?cookie|(?:proxy-)?authorization)([ \t]*:[ \t]*)[^\r\n"]+/gi;
const BEARER = /\b(Bearer|bearer|BEARER)\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/g;
/** `Basic <base64>`, but not the English word followed by another word. */
const BASIC = /\b(Basic)\s+(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}={0,2}/g;
/** The Redis `AUTH [username] password` command (a closing bracket or full stop after it is kept). */
const REDIS_AUTH = /\bAUTH(?:[ \t]+(?!\[REDACTED\])[^\s"'\\]*[^\s"'\\)\],;.]){1,2}/g;
/** `redis-cli -a pw`, `--pass pw`, `--password pw`, `aws … --auth-token pw`, `--client-secret pw`. */
const PASSWORD_FLAG =
  /(^|\s)(-a|--pass|--[\w-]*(?:password|token|secret)[\w-]*)([ \t]+)(?!\[REDACTED\])[^\s"']+/g;
/** AWS access key ids (long-term AKIA, temporary ASIA). */
const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/**
 * An AWS secret access key on its own: exactly 40 characters of base64 with upper case, lower
 * case and a digit (a SHA-1 in hex is lower case only, paths and ARNs run longer).
 */
const BASE64_RUN = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,}/g;
const MIXED_CASE_AND_DIGIT = /^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])/;
/** STS session tokens (`IQoJb3JpZ2lu…`, older `FwoGZXIvYXdz…`/`FQoGZXIvYXdz…`). */
const AWS_SESSION_TOKEN = /\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz)[A-Za-z0-9/+=]{16,}/g;
/** JSON web tokens (a bearer credential without its `Bearer`). */
const JWT = /\beyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g;
/** Provider tokens whose prefix says what they are: Stripe, GitHub, Slack, npm. */
const PREFIXED_TOKEN =
  /\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{20,})/g;
/**
 * `key=value`, `key: value`, `"key":"value"` and `\"key\":\"value\"` (escaped once or more: JSON
 * in a string in JSON) with a secret key.
 * The key may not follow `:` or `/`, so `arn:aws:secretsmanager:…:secret:name` stays whole, nor
 * start with `.`, so a path in a message (`rules[0].password: unknown key`) stays readable.
 * A URL whose user info is already redacted is kept (`includes credentials: http://[REDACTED]@host`).
 */
const SECRET_ASSIGNMENT = new RegExp(
  `(?<![\\w:/.\\]-])((?:\\\\{1,7})?["']?)((?:[\\w-][\\w.-]*)?${SECRET_KEY_WORDS}[\\w.-]*|${SECRET_KEY_WHOLE})\\1([ \\t]*[:=][ \\t]*)((?:Bearer|Basic|AWS4-HMAC-SHA256)[ \\t]+)?(?![a-z][a-z0-9+.-]*:\\/\\/\\[REDACTED\\]@)(\\[REDACTED\\]|\\\\{1,7}"(?:[^"\\\\]|\\\\+[^"\\\\])*\\\\{1,7}"|"(?:[^"\\\\]|\\\\.)*"|'[^'\\n]*'|[^\\s&,;"'{}[\\]()<>][^\\s&,;"'}\\])<>]*)`,
  'gi',
);

/**
 * An error's name, as SDKs and AWS answer them: `…Error`, `…Exception`, `…Fault`, and AWS error
 * codes of that shape (`InvalidClientTokenId`, `ExpiredToken`, `SignatureDoesNotMatch`).
 */
const ERROR_NAME =
  /(?:Error|Exception|Fault)$|^(?:Invalid|Expired|Missing|Incomplete|Unrecognized|Malformed)[A-Z]|DoesNotMatch$/;

interface Walk {
  depth: number;
  /** The objects being walked (ancestors): a repeat is a cycle, a shared sibling is not. */
  ancestors: Set<object>;
}

/**
 * Whether values under this key are secret, whatever their shape.
 *
 * @example
 * isSecretKey('x-amz-security-token'); // true
 * isSecretKey('ReplicationGroupId'); // false
 */
export function isSecretKey(key: string): boolean {
  if (ARN_KEY.test(key)) return false;
  return SECRET_KEY_IN_NAME.test(key) || SECRET_KEY_AS_NAME.test(key);
}

/** A flag (`AuthTokenEnabled: true`) tells nothing secret; any other value under a secret key goes. */
function mask(value: unknown): unknown {
  return value === undefined || value === null || typeof value === 'boolean' ? value : REDACTED;
}

function maskQuoted(value: string): string {
  const escaped = /^\\+"/.exec(value)?.[0];
  if (escaped !== undefined) return `${escaped}${REDACTED}${escaped}`;
  if (value.startsWith('"')) return `"${REDACTED}"`;
  if (value.startsWith("'")) return `'${REDACTED}'`;
  return REDACTED;
}

/** Index of the bracket closing the one at `start`, minding JSON strings; -1 if none. */
function closingBracket(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') stack.push('}');
    else if (char === '[') stack.push(']');
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

/** Each JSON object or array inside the text, parsed, redacted as data and written back. */
function redactEmbeddedJson(text: string, walk: Walk): string {
  if (text.length > MAX_JSON_SCAN || !/[{[]/.test(text)) return text;
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? '';
    const end = char === '{' || char === '[' ? closingBracket(text, index) : -1;
    if (end === -1) {
      out += char;
      index += 1;
      continue;
    }
    const fragment = text.slice(index, end + 1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fragment);
    } catch {
      out += char;
      index += 1;
      continue;
    }
    const redacted = JSON.stringify(redactValue(parsed, { ...walk, depth: walk.depth + 1 }));
    out += redacted === JSON.stringify(parsed) ? fragment : redacted;
    index = end + 1;
  }
  return out;
}

function redactString(text: string, walk: Walk): string {
  if (walk.depth >= MAX_DEPTH) return TRUNCATED;
  return redactEmbeddedJson(text, walk)
    .replace(PEM_PRIVATE_KEY, REDACTED)
    .replace(URL_USER_INFO, `$1${REDACTED}@`)
    .replace(BARE_USER_INFO, `$1${REDACTED}@`)
    .replace(SECRET_HEADER, `$1$2${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(BASIC, `$1 ${REDACTED}`)
    .replace(REDIS_AUTH, `AUTH ${REDACTED}`)
    .replace(PASSWORD_FLAG, `$1$2$3${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, redactAssignment)
    .replace(AWS_ACCESS_KEY_ID, REDACTED)
    .replace(AWS_SESSION_TOKEN, REDACTED)
    .replace(BASE64_RUN, redactSecretAccessKey)
    .replace(JWT, REDACTED)
    .replace(PREFIXED_TOKEN, REDACTED);
}

/** A run of base64 (BASE64_RUN) that is a secret access key: 40 characters, not followed by `=`. */
function redactSecretAccessKey(run: string, offset: number, text: string): string {
  const secret = run.length === 40 && text[offset + 40] !== '=' && MIXED_CASE_AND_DIGIT.test(run);
  return secret ? REDACTED : run;
}

/** One `key: value` match of SECRET_ASSIGNMENT, its value masked. */
function redactAssignment(
  _match: string,
  quote: string,
  key: string,
  separator: string,
  scheme: string | undefined,
  value: string,
): string {
  // An error's name before its message (`CredentialsProviderError: Could not …`) is no key:
  // kept, and what follows it searched on its own.
  if (ERROR_NAME.test(key))
    return `${quote}${key}${quote}${separator}${`${scheme ?? ''}${value}`.replace(SECRET_ASSIGNMENT, redactAssignment)}`;
  return `${quote}${key}${quote}${separator}${scheme ?? ''}${maskQuoted(value)}`;
}

function redactError(error: Error, walk: Walk): Record<string, unknown> {
  const inner = { ...walk, depth: walk.depth + 1 };
  const out: Record<string, unknown> = {
    name: redactString(error.name, inner),
    message: redactString(error.message, inner),
  };
  for (const [key, value] of Object.entries(error))
    out[key] = isSecretKey(key) ? mask(value) : redactValue(value, inner);
  if (error.stack !== undefined) out.stack = redactString(error.stack, inner);
  if (error.cause !== undefined) out.cause = redactValue(error.cause, inner);
  return out;
}

function redactValue(value: unknown, walk: Walk): unknown {
  if (typeof value === 'string') return redactString(value, walk);
  if (typeof value !== 'object' || value === null) return value;
  if (walk.ancestors.has(value)) return CIRCULAR;
  if (walk.depth >= MAX_DEPTH) return TRUNCATED;
  walk.ancestors.add(value);
  try {
    const inner = { ...walk, depth: walk.depth + 1 };
    if (value instanceof Error) return redactError(value, walk);
    if (Array.isArray(value)) return value.map((item) => redactValue(item, inner));
    if (value instanceof Date) return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactValue(toJSON.call(value), inner);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = isSecretKey(key) ? mask(item) : redactValue(item, inner);
    return out;
  } finally {
    walk.ancestors.delete(value);
  }
}

/**
 * A copy of `value` with every secret replaced by `[REDACTED]`: values under secret keys,
 * secret shapes inside strings (JSON inside a string is parsed and redacted as data), Error
 * objects turned into `{ name, message, stack, cause, … }`. Cycles become `[Circular]`,
 * nesting past {@link MAX_DEPTH} becomes `[Truncated]`. The input is not changed.
 *
 * @example
 * redact({ ReplicationGroupId: 'orders-1', AuthToken: 'hunter2' });
 * // { ReplicationGroupId: 'orders-1', AuthToken: '[REDACTED]' }
 */
export function redact(value: unknown): unknown {
  return redactValue(value, { depth: 0, ancestors: new Set() });
}

/**
 * Free text with every secret shape replaced by `[REDACTED]`; the rest is kept as written.
 *
 * @example
 * redactText('cannot reach redis://admin:s3cret@10.0.0.5:6379 (AUTH admin s3cret)');
 * // 'cannot reach redis://[REDACTED]@10.0.0.5:6379 (AUTH [REDACTED])'
 */
export function redactText(text: string): string {
  return redactString(text, { depth: 0, ancestors: new Set() });
}

/**
 * `JSON.stringify` replacer doing what {@link redact} does, one key at a time (the
 * Powertools logger's `jsonReplacerFn`, the CLI's JSON report).
 *
 * @example
 * JSON.stringify({ request: { AuthToken: 'hunter2' } }, redactSecrets);
 * // '{"request":{"AuthToken":"[REDACTED]"}}'
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && isSecretKey(key)) return mask(value);
  if (typeof value === 'string' || value instanceof Error) return redact(value);
  return value;
}
