/**
 * Planted secrets for the redaction tests: each secret string is unique, so a test can look
 * for it anywhere in a sink's output. `key` entries plant the secret under a key of an
 * object; `text` entries plant it in free text, in the shape it is found in the wild.
 */

export type PlantedSecret =
  | { kind: 'key'; name: string; key: string; value: string; secret: string }
  | { kind: 'text'; name: string; text: string; secret: string };

const key = (keyName: string, secret: string, shape = (value: string) => value): PlantedSecret => ({
  kind: 'key',
  name: `key ${keyName}`,
  key: keyName,
  value: shape(secret),
  secret,
});
const text = (name: string, secret: string, shape: (secret: string) => string): PlantedSecret => ({
  kind: 'text',
  name,
  text: shape(secret),
  secret,
});

export const SECRET_CORPUS: readonly PlantedSecret[] = [
  key('token', 'plant01-token-Vq8rXk'),
  key('apiKey', 'plant02-apikey-Lm3Wd'),
  key('api_key', 'plant03-apikey-Zt6Qe'),
  key('API-Key', 'plant04-apikey-Hn2Ys'),
  key('privateKey', 'plant05-privkey-Rb7Uc'),
  key('accessKeyId', 'plant06-akid-Pd4Ng'),
  key('secretAccessKey', 'plant07-sak-Jw9Te/Kq+Xv'),
  key('x-amz-security-token', 'plant08-stsToken-Fo5Ma'),
  key('sessionToken', 'plant09-session-Cy1Lb'),
  key('authToken', 'plant10-authtoken-Ge6Rz'),
  key('AuthToken', 'plant11-AuthToken-Ui3Sw'),
  key('password', 'plant12-password-Ek8Hv'),
  key('passwd', 'plant13-passwd-Ox2Jn'),
  key('pwd', 'plant14-pwd-Ya7Fq'),
  key('passphrase', 'plant15-passphrase-Ib4Dk'),
  key('cookie', 'plant16-cookie-Wm9Ct'),
  key('set-cookie', 'plant17-setcookie-Sl5Ap'),
  key('auth', 'plant18-auth-Nh1Ex'),
  key('authorization', 'plant19-authorization-Qg6Zr', (s) => `Bearer ${s}`),
  key('credentials', 'plant20-credentials-Tf3Ko'),
  key('clientSecret', 'plant21-clientsecret-Bu8Pw'),
  key('taskToken', 'AQCEAAAAKgAAAAMAAAAAAAAAAplant22TaskTokenXy'),
  text('Bearer header', 'plant23-bearer-eyJhbGc.eyJzdWI.Sfl', (s) => `GET /health with Bearer ${s}`),
  text('Redis AUTH with user', 'plant24-redisauth-Dv2Mi', (s) => `sent AUTH default ${s} to the source`),
  text('Redis AUTH password only', 'plant25-redisauth-Kc7Ol', (s) => `replayed AUTH ${s}`),
  text(
    'user:pw@host without scheme',
    'plant26-bare-userinfo-Ja4Wu',
    (s) => `connect admin:${s}@10.0.0.5:6379`,
  ),
  text(
    'redis:// URL with user and password',
    'plant27-redisurl-Ps9Ry',
    (s) => `source redis://app:${s}@orders-prod-1.abc123.use1.cache.amazonaws.com:6379/0 refused`,
  ),
  text(
    'rediss:// URL with password only',
    'plant28-redissurl-Lz5Hd',
    (s) => `tried rediss://:${s}@10.0.0.9:6380`,
  ),
  text(
    'token= in a query string',
    'plant29-querytoken-Xe1Gb',
    (s) => `callback https://hooks.example.com/in?token=${s}&channel=ops failed`,
  ),
  text('password= fragment', 'plant30-kvpassword-Mt6Vc', (s) => `config: host=10.0.0.5 password=${s} db=0`),
  text('AWS access key id (AKIA)', 'AKIAPLANT31ZQWXRT5NB', (s) => `signed with ${s} in us-east-1`),
  text('AWS access key id (ASIA)', 'ASIAPLANT32ZQWXRT5NB', (s) => `temporary key ${s} expired`),
  text(
    'aws_secret_access_key in a credentials file',
    'plant33wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPL',
    (s) => `[default]\naws_secret_access_key = ${s}\nregion = us-east-1`,
  ),
  text('JSON inside a string', 'plant34-jsonpassword-Uo3Yi', (s) => JSON.stringify({ password: s })),
  text(
    'JSON inside an error message',
    'plant35-jsonapikey-Rn8Ta',
    (s) => `request failed: ${JSON.stringify({ user: 'bob', apiKey: s })}`,
  ),
  text(
    'escaped JSON inside a string',
    'plant36-escapedjson-Hq4Sl',
    (s) => `body was "{\\"sessionToken\\":\\"${s}\\"}"`,
  ),
  text(
    'PEM private key block',
    'plant37PemBodyMIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    (s) =>
      `loaded key:\n-----BEGIN RSA PRIVATE KEY-----\n${s}\nAbCdEf0123456789\n-----END RSA PRIVATE KEY-----\ndone`,
  ),
  text(
    'X-Amz-Security-Token in a presigned URL',
    'plant38-presigned-FwoGZXIvYXdzEJr',
    (s) =>
      `https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=${s}&X-Amz-Expires=60`,
  ),
  text('Cookie header line', 'plant39-cookieheader-Ad7Nf', (s) => `Cookie: theme=dark; sid=${s}`),
  text('redis-cli -a password', 'plant40-redisclipw-Ws2Ug', (s) => `ran redis-cli -h 10.0.0.5 -a ${s} ping`),
  text('Authorization header line', 'plant41-authheader-Ik5Ob', (s) => `Authorization: Basic ${s}`),
  text('auth_token: in YAML', 'plant42-yamlauth-Ce9Xm', (s) => `auth_token: ${s}`),
  // Members that hold secrets in the AWS APIs the app calls or sits beside (SDK models: STS
  // Credentials, KMS Decrypt, ElastiCache CreateUser/ModifyReplicationGroup, SSM, EventBridge
  // connections), in every key style, and secret shapes on their own in free text.
  key('Plaintext', 'plant43-kmsPlaintext-Hw4Jq'),
  key('SecretAccessKey', 'plant44-SecretAccessKey-Ob2Lt'),
  key('SessionToken', 'plant45-SessionToken-Xa8Pe'),
  key('Passwords', 'plant46-elasticachePasswords-Mv3Ck'),
  key('SAMLAssertion', 'plant47-samlassertion-PHNhbWxwOlJlc3'),
  key('sk', 'plant48-sk-Tq5Wn'),
  key('aws_sk', 'plant49-awssk-Ry7Bd'),
  key('secret_key', 'plant50-secretkey-Fz1Gv'),
  key('SECRET-ACCESS-KEY', 'plant51-kebabsak-Ln6Qs'),
  key('PASS_PHRASE', 'plant52-passphrase-Dc9Mh'),
  key('otp', 'plant53-otp-Yk2Rz'),
  key('ConnectionString', 'plant54-connstring-Ug4Ea'),
  key('ClientSecret', 'plant55-ClientSecret-Sb7Tk'),
  key('ApiKeyValue', 'plant56-ApiKeyValue-Iw3Nf'),
  key('auth-token', 'plant57-kebabauthtoken-Eo6Xp'),
  text(
    'AWS secret access key on its own',
    'pLant58wJalrXUtnFEMIK7MDENGbPxRfiCYzQ0Ex',
    (s) => `rotated the key; the new one is ${s}, keep it safe`,
  ),
  text(
    'STS session token on its own',
    'IQoJb3JpZ2luX2VjEplant59SessionTokenBase64AbCdEfGhIjKlMnOp',
    (s) => `assumed role with ${s} until 12:00`,
  ),
  text(
    'older STS session token on its own',
    'FwoGZXIvYXdzEplant60LegacyTokenBase64QrStUvWx',
    (s) => `cached credentials ${s} expired`,
  ),
  text(
    'JSON web token without Bearer',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudDYxIn0.plant61Sig',
    (s) => `id token ${s} rejected`,
  ),
  text('Stripe secret key', 'sk_live_plant62StripeKeyAbCd', (s) => `webhook signed with ${s}`),
  text('GitHub token', 'ghp_plant63GitHubTokenAbCdEfGhIjKl', (s) => `cloned with ${s}`),
  text('Slack token', 'xoxb-plant64-SlackBotToken', (s) => `posted with ${s}`),
  text(
    'KMS Plaintext in a JSON answer',
    'plant65-jsonPlaintext-Nd8Vy',
    (s) => `kms answered {"KeyId":"alias/cache","Plaintext":"${s}"}`,
  ),
  text('sk= in a query string', 'plant66-querysk-Qb5Hm', (s) => `https://hooks.example.com/in?sk=${s}`),
  text(
    'aws --auth-token on a command line',
    'plant67-cliauthtoken-Wr2Ka',
    (s) => `ran aws elasticache modify-replication-group --auth-token ${s} --apply-immediately`,
  ),
  text(
    'AWS4 Authorization header',
    'plant68sigv4signatureAbCdEf0123456789',
    (s) =>
      `Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=${s}`,
  ),
  text(
    'aws_session_token in a credentials file',
    'plant69-credfilesession-Zx4Pl',
    (s) => `[prod]\naws_session_token=${s}`,
  ),
  text(
    'rediss:// URL with user and password',
    'plant70-redissurl-Ga6Ts',
    (s) => `REDIS_URL=rediss://default:${s}@orders-prod-1.abc123.use1.cache.amazonaws.com:6379`,
  ),
];

/** Context that is not secret and must survive every sink, so findings stay useful. */
export const KEPT_CONTEXT = {
  resourceId: 'orders-prod-1',
  arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders-prod-1',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-auth-AbCdEf',
  endpoint: 'orders-prod-1.abc123.use1.cache.amazonaws.com:6379',
  rule: 'prod-durability',
} as const;

/** The whole corpus as one object: each key secret under its key, each text under its own field. */
export function corpusObject(): Record<string, string> {
  const entries = SECRET_CORPUS.map((planted, index) =>
    planted.kind === 'key' ? [planted.key, planted.value] : [`note${index}`, planted.text],
  );
  return { ...Object.fromEntries(entries), ...KEPT_CONTEXT };
}

/** The whole corpus as free text: texts as they are, key secrets as `key=value` and as embedded JSON. */
export function corpusText(): string {
  const lines = SECRET_CORPUS.map((planted) =>
    planted.kind === 'key' ? `${planted.key}=${planted.value}` : planted.text,
  );
  const asJson = Object.fromEntries(
    SECRET_CORPUS.flatMap((planted) => (planted.kind === 'key' ? [[planted.key, planted.value]] : [])),
  );
  return [
    `resource ${KEPT_CONTEXT.resourceId} (${KEPT_CONTEXT.arn}) at ${KEPT_CONTEXT.endpoint}, rule ${KEPT_CONTEXT.rule}, secret ${KEPT_CONTEXT.secretArn}`,
    ...lines,
    `payload ${JSON.stringify(asJson)}`,
  ].join('\n');
}

/** The planted secrets found in a sink's output (none, when redaction works). */
export function leakedSecrets(output: string): string[] {
  return SECRET_CORPUS.filter((planted) => output.includes(planted.secret)).map((planted) => planted.name);
}
