import { describe, expect, it } from 'vitest';
import {
  CIRCULAR,
  isSecretKey,
  MAX_DEPTH,
  REDACTED,
  redact,
  redactSecrets,
  redactText,
  TRUNCATED,
} from '../../../shared/runtime/redact.js';
import { corpusObject, corpusText, KEPT_CONTEXT, leakedSecrets, SECRET_CORPUS } from './secret-corpus.js';

describe('Function: isSecretKey', () => {
  it.each([
    'token',
    'apiKey',
    'api_key',
    'API-Key',
    'privateKey',
    'accessKeyId',
    'secretAccessKey',
    'aws_secret_access_key',
    'x-amz-security-token',
    'sessionToken',
    'authToken',
    'AuthToken',
    'taskToken',
    'password',
    'passwd',
    'pwd',
    'passphrase',
    'pass',
    'cookie',
    'set-cookie',
    'auth',
    'basic_auth',
    'authorization',
    'credentials',
    'clientSecret',
    'externalId',
    'MEMBER_EXTERNAL_ID',
    'ExternalId',
    'Plaintext',
    'SecretAccessKey',
    'SECRET-ACCESS-KEY',
    'secret_key',
    'SessionToken',
    'Passwords',
    'PASS_PHRASE',
    'SAMLAssertion',
    'ConnectionString',
    'ApiKeyValue',
    'sk',
    'SK',
    'aws_sk',
    'otp',
  ])('takes %s for a secret key', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'ReplicationGroupId',
    'arn',
    'secretArn',
    'AuthTokenSecretARN',
    'endpoint',
    'rule',
    'author',
    'passedAt',
    'message',
    'KmsKeyId',
    'CiphertextBlob',
    'disk',
    'task',
    'risk',
    'Description',
  ])('keeps %s', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('Function: redactText', () => {
  const texts = SECRET_CORPUS.flatMap((planted) => (planted.kind === 'text' ? [planted] : []));

  it.each(texts)('removes the secret of: $name', (planted) => {
    // Act
    const redacted = redactText(planted.text);

    // Assess
    expect(redacted).not.toContain(planted.secret);
    expect(redacted).toContain(REDACTED);
  });

  it('removes a secret of JSON in a string in JSON, however often its quotes are escaped', () => {
    // Prepare: the CLI echoes a refused value as JSON, so a value holding \"key\":\"…\" doubles its escapes.
    const once = 'body was "{\\"sessionToken\\":\\"s3cr3t-once\\"}"';
    const twice = JSON.stringify(JSON.stringify({ sessionToken: 's3cr3t-twice', id: 'g-1' }));

    // Act
    const redacted = [redactText(once), redactText(twice), redactText(JSON.stringify(once))];

    // Assess
    expect(redacted.join(' ')).not.toMatch(/s3cr3t/);
    expect(redacted[1]).toContain('g-1');
  });

  it('keeps an error name before its message (a key-like word that is no key)', () => {
    const message =
      'GetResources failed: CredentialsProviderError: Could not load credentials from any providers';

    expect(redactText(message)).toBe(message);
    expect(redactText('TokenExpiredException: token=abc123')).toBe(
      `TokenExpiredException: token=${REDACTED}`,
    );
  });

  it.each([
    'region eu-south-2 is not enabled: InvalidClientTokenId: The security token included in the request is invalid.',
    'ExpiredToken: The security token included in the request is expired',
    'SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.',
  ])('keeps the message after an AWS error code that reads like a key: %s', (message) => {
    expect(redactText(message)).toBe(message);
    expect(redactText(`${message} token=abc123`)).toBe(`${message} token=${REDACTED}`);
  });

  it.each([
    ['redis://admin:s3cret@10.0.0.5:6379/0', `redis://${REDACTED}@10.0.0.5:6379/0`],
    ['rediss://:s3cret@10.0.0.5:6380', `rediss://${REDACTED}@10.0.0.5:6380`],
    ['connect admin:s3cret@10.0.0.5:6379', `connect ${REDACTED}@10.0.0.5:6379`],
    ['sent AUTH admin s3cret (refused)', `sent AUTH ${REDACTED} (refused)`],
    ['Authorization: Bearer abc.def', `Authorization: ${REDACTED}`],
    ['?token=abc&channel=ops', `?token=${REDACTED}&channel=ops`],
    ['AWS_SAK=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok', `AWS_SAK=${REDACTED} ok`],
    [
      'data=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5MA==',
      'data=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5MA==',
    ],
    ['{"user":"bob","password":"x y"}', `{"user":"bob","password":"${REDACTED}"}`],
  ])('writes %s as %s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it.each([
    KEPT_CONTEXT.arn,
    KEPT_CONTEXT.secretArn,
    KEPT_CONTEXT.endpoint,
    'mail bob@example.com',
    'source 10.0.0.5:6379 requires AUTH, which online migration does not support',
    'NOAUTH Authentication required.',
    'p.yaml:4 rules[0].password: unknown key "password"',
    'Basic setup of orders-prod-1',
    'passedAt=2026-11-25T10:00:00Z author=bob',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b (a SHA-1 in hex)',
    'policy sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d08c1bf2c59a3',
    'request 1-5759e988-bd862e3fe1be46a994272793 in 8f2c4e1a-77b3-4c1e-9d55-2f1a3b4c5d6e',
    'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:ordersProd1AbCdEfGhIjKlMnOpQrStUvWx12',
    'risk=low disk=80% task=scan',
  ])('keeps %s as it is', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('leaves text it has redacted as it is', () => {
    // Prepare
    const once = redactText(corpusText());

    // Act
    const twice = redactText(once);

    // Assess
    expect(twice).toBe(once);
  });
});

describe('Function: redact', () => {
  it('removes every planted secret and keeps the context', () => {
    // Act
    const output = JSON.stringify(redact(corpusObject()));

    // Assess
    expect(leakedSecrets(output)).toEqual([]);
    for (const kept of Object.values(KEPT_CONTEXT)) expect(output).toContain(kept);
  });

  it('blanks secrets in nested objects and arrays, keeps flags and the input unchanged', () => {
    // Prepare
    const input = {
      group: { ReplicationGroupId: 'orders-1', AuthTokenEnabled: true, AuthToken: 'hunter2' },
      sources: [{ address: '10.0.0.5', port: 6379, credentials: { user: 'a', pass: 'b' } }],
    };

    // Act
    const output = redact(input);

    // Assess
    expect(output).toEqual({
      group: { ReplicationGroupId: 'orders-1', AuthTokenEnabled: true, AuthToken: REDACTED },
      sources: [{ address: '10.0.0.5', port: 6379, credentials: REDACTED }],
    });
    expect(input.group.AuthToken).toBe('hunter2');
  });

  it('parses JSON inside a string and redacts it as data', () => {
    expect(redact({ body: '{"password":"x","nested":"{\\"token\\":\\"y\\"}"}' })).toEqual({
      body: `{"password":"${REDACTED}","nested":"{\\"token\\":\\"${REDACTED}\\"}"}`,
    });
  });

  it('turns an Error into a plain object with message, stack and cause redacted', () => {
    // Prepare
    const error = Object.assign(
      new Error('connect redis://admin:pw-one@10.0.0.5:6379 failed', {
        cause: new Error('AUTH admin pw-two'),
      }),
      { code: 'ECONNREFUSED', password: 'pw-three' },
    );

    // Act
    const output = redact(error);

    // Assess
    expect(JSON.stringify(output)).not.toMatch(/pw-one|pw-two|pw-three/);
    expect(output).toMatchObject({
      name: 'Error',
      message: `connect redis://${REDACTED}@10.0.0.5:6379 failed`,
      code: 'ECONNREFUSED',
      password: REDACTED,
      cause: { message: `AUTH ${REDACTED}` },
    });
  });

  it('writes a cycle as [Circular] and keeps an object met twice side by side', () => {
    // Prepare
    const shared = { id: 'orders-1' };
    const looped: Record<string, unknown> = { shared, again: shared };
    looped.self = looped;

    // Act
    const output = redact(looped);

    // Assess
    expect(output).toEqual({ shared, again: shared, self: CIRCULAR });
  });

  it(`cuts nesting deeper than ${MAX_DEPTH} levels`, () => {
    // Prepare
    let nested: unknown = 'password=deep-secret';
    for (let level = 0; level < MAX_DEPTH + 5; level += 1) nested = { level: nested };

    // Act
    const output = JSON.stringify(redact(nested));

    // Assess
    expect(output).toContain(TRUNCATED);
    expect(output).not.toContain('deep-secret');
  });
});

describe('Function: redactSecrets', () => {
  it.each([
    ['AuthToken', 'hunter2-token'],
    ['auth_token', 'x'],
    ['password', 'p'],
    ['SecretAccessKey', 'abc'],
    ['sessionToken', 'abc'],
    ['Authorization', 'AWS4-HMAC-SHA256 ...'],
    ['taskToken', 'AQCEAAAA...'],
  ])('blanks the value of key %s', (key, value) => {
    expect(redactSecrets(key, value)).toBe(REDACTED);
  });

  it('keeps ordinary keys and values', () => {
    expect(redactSecrets('ReplicationGroupId', 'orders-1')).toBe('orders-1');
  });

  it('removes credentials embedded in a URL', () => {
    expect(redactSecrets('source', 'redis://admin:s3cret@10.0.0.5:6379/0')).toBe(
      `redis://${REDACTED}@10.0.0.5:6379/0`,
    );
  });

  it('redacts a whole object when JSON.stringify walks it', () => {
    // Act
    const output = JSON.stringify(corpusObject(), redactSecrets);

    // Assess
    expect(leakedSecrets(output)).toEqual([]);
    expect(output).toContain(KEPT_CONTEXT.arn);
  });
});
