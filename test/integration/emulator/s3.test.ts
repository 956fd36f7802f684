/**
 * The sandbox's S3, through the real @aws-sdk/client-s3 over HTTP: what each operation answers
 * and refuses as the S3 API reference says (infra/local/README.md, "S3"), path-style and
 * virtual-host-style, per account.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import { MIN_PART_BYTES } from '../../../infra/local/emulator/s3-store.js';
import { startEmulator } from '../../../infra/local/emulator/server.js';

const [member = ''] = memberAccounts(1);
const emulator = await startEmulator({
  targets: { accounts: [CENTRAL_ACCOUNT, member], regions: ['us-east-1'] },
});
afterAll(() => emulator.close());
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' };
const client = (extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
  new S3Client({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials,
    forcePathStyle: true,
    maxAttempts: 1,
    ...extra,
  });
const s3 = client();
let bucketCount = 0;
/** A new bucket of the central account. */
async function newBucket(): Promise<string> {
  bucketCount += 1;
  const name = `guardrails-test-${bucketCount}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
const faultOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata?.httpStatusCode,
    }),
  );

describe('S3: objects', () => {
  it('stores an object and answers it with its ETag, length and type (GetObject, HeadObject)', async () => {
    // Prepare
    const bucket = await newBucket();

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'targets/run 1.jsonl',
        Body: '{"a":1}\n',
        ContentType: 'application/jsonl',
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'targets/run 1.jsonl' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'targets/run 1.jsonl' }));

    // Assess
    expect(await got.Body?.transformToString()).toBe('{"a":1}\n');
    expect(got.ETag).toBe(put.ETag);
    expect(put.ETag).toBe(`"${createHash('md5').update('{"a":1}\n').digest('hex')}"`);
    expect(head).toMatchObject({ ContentLength: 8, ContentType: 'application/jsonl', ETag: put.ETag });
  });

  it('answers NoSuchKey (404) for a missing key, NotFound for HEAD, and NoSuchBucket for a missing bucket', async () => {
    const bucket = await newBucket();
    expect(await faultOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await faultOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'absent' })))).toEqual({
      name: 'NotFound',
      status: 404,
    });
    expect(await faultOf(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })))).toEqual(
      { name: 'NoSuchBucket', status: 404 },
    );
  });

  it('deletes one object (a missing one too) and many at once (DeleteObject, DeleteObjects)', async () => {
    // Prepare
    const bucket = await newBucket();
    for (const key of ['a', 'b', 'c'])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

    // Act
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-there' }));
    const many = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }] } }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assess
    expect(many.Deleted?.map((each) => each.Key)).toEqual(['b', 'c']);
    expect(left.KeyCount).toBe(0);
    expect(left.Contents).toBeUndefined();
  });
});

describe('S3: ListObjectsV2', () => {
  it('lists keys in order under a prefix, page by page with continuation tokens, each key once', async () => {
    // Prepare
    const bucket = await newBucket();
    const keys = Array.from({ length: 25 }, (_, index) => `runs/${String(index).padStart(3, '0')}.json`);
    for (const key of [...keys].reverse())
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/x', Body: 'x' }));

    // Act
    const listed: string[] = [];
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'runs/', MaxKeys: 10, ContinuationToken: token }),
      );
      listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      pages.push(page.KeyCount ?? -1);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);

    // Assess
    expect(listed).toEqual(keys);
    expect(pages).toEqual([10, 10, 5]);
  });

  it('rolls keys into CommonPrefixes with a delimiter, and starts after StartAfter', async () => {
    const bucket = await newBucket();
    for (const key of ['a/1', 'a/2', 'b/1', 'c'])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'a/2' }));
    expect(rolled.CommonPrefixes?.map((each) => each.Prefix)).toEqual(['a/', 'b/']);
    expect(rolled.Contents?.map((each) => each.Key)).toEqual(['c']);
    expect(after.Contents?.map((each) => each.Key)).toEqual(['b/1', 'c']);
  });
});

describe('S3: multipart upload', () => {
  it('joins the parts in order into one object with a multipart ETag', async () => {
    // Prepare
    const bucket = await newBucket();
    const first = Buffer.alloc(MIN_PART_BYTES, 'a');
    const second = Buffer.from('the end');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));

    // Act
    const one = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: 1, Body: first }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: 2, Body: second }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag },
            { PartNumber: 2, ETag: two.ETag },
          ],
        },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));

    // Assess
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(head.ContentLength).toBe(MIN_PART_BYTES + second.length);
    expect(emulator.s3.read(bucket, 'big')?.endsWith('athe end')).toBe(true);
    expect(emulator.s3.openUploads).toBe(0);
  });

  it('refuses a part under 5 MiB but the last (EntityTooSmall), parts out of order, a wrong ETag, and an aborted upload', async () => {
    // Prepare
    const bucket = await newBucket();
    const start = async () =>
      (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }))).UploadId;
    const upload = async (UploadId: string | undefined, PartNumber: number, Body: Buffer) =>
      (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber, Body }))).ETag;
    const complete = (UploadId: string | undefined, Parts: { PartNumber: number; ETag?: string }[]) =>
      faultOf(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: 'k',
            UploadId,
            MultipartUpload: { Parts },
          }),
        ),
      );
    const small = await start();
    const smallParts = [
      { PartNumber: 1, ETag: await upload(small, 1, Buffer.from('tiny')) },
      { PartNumber: 2, ETag: await upload(small, 2, Buffer.from('end')) },
    ];
    const aborted = await start();
    await upload(aborted, 1, Buffer.from('x'));

    // Act
    const tooSmall = await complete(small, smallParts);
    const outOfOrder = await complete(small, [...smallParts].reverse());
    const wrongTag = await complete(small, [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId: aborted }));
    const afterAbort = await complete(aborted, [{ PartNumber: 1, ETag: '"x"' }]);

    // Assess
    expect(tooSmall).toEqual({ name: 'EntityTooSmall', status: 400 });
    expect(outOfOrder).toEqual({ name: 'InvalidPartOrder', status: 400 });
    expect(wrongTag).toEqual({ name: 'InvalidPart', status: 400 });
    expect(afterAbort).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(emulator.s3.read(bucket, 'k')).toBeUndefined();
  });
});

describe('S3: buckets and accounts', () => {
  it("keeps one namespace: another account's bucket name is BucketAlreadyExists, and its objects AccessDenied", async () => {
    // Prepare
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: 'x' }));
    const sts = new STSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${member}:role/elasticache-guardrails-member`,
        RoleSessionName: 's3-test',
      }),
    );
    const memberS3 = client({
      credentials: {
        accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
        secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
        sessionToken: assumed.Credentials?.SessionToken ?? '',
      },
    });

    // Act
    const taken = await faultOf(memberS3.send(new CreateBucketCommand({ Bucket: bucket })));
    const read = await faultOf(memberS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret' })));
    const again = await faultOf(s3.send(new CreateBucketCommand({ Bucket: bucket })));
    const invalid = await faultOf(s3.send(new CreateBucketCommand({ Bucket: 'Not_Valid' })));

    // Assess
    expect(taken).toEqual({ name: 'BucketAlreadyExists', status: 409 });
    expect(read).toEqual({ name: 'AccessDenied', status: 403 });
    expect(again).toBeUndefined(); // us-east-1 answers 200 to its owner
    expect(invalid).toEqual({ name: 'InvalidBucketName', status: 400 });
    expect(
      emulator.faults.log
        .filter((entry) => entry.service === 's3' && entry.account === member)
        .map((entry) => entry.action),
    ).toEqual(['CreateBucket', 'GetObject']);
  });

  it('serves virtual-host-style requests (<bucket>.localhost) as path-style ones', async () => {
    // Prepare
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/h.txt', Body: 'virtual' }));
    const signed = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`;

    // Act
    const body = await new Promise<string>((resolve, reject) => {
      const call = request(
        `${emulator.endpoint}/v/h.txt`,
        { headers: { host: `${bucket}.localhost:${emulator.port}`, authorization: signed } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        },
      );
      call.on('error', reject);
      call.end();
    });

    // Assess
    expect(body).toBe('virtual');
  });
});
