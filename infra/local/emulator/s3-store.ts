/**
 * The emulator's S3: buckets (one global namespace, each owned by the account that created it,
 * in the region it was created in), objects, and multipart uploads, in memory. The operations
 * here are the rules of the S3 API reference; s3.ts speaks the REST-XML protocol around them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { QueryFault } from './protocol.js';

export interface StoredObject {
  body: Buffer;
  /** The quoted ETag S3 answers: the MD5 of the body, or `<md5 of part MD5s>-<parts>` after a multipart upload. */
  etag: string;
  lastModified: number;
  contentType?: string;
}

interface Upload {
  key: string;
  parts: Map<number, { body: Buffer; etag: string }>;
}

interface Bucket {
  name: string;
  owner: string;
  region: string;
  objects: Map<string, StoredObject>;
  uploads: Map<string, Upload>;
}

/** One page of ListObjectsV2. */
export interface ObjectListing {
  contents: { key: string; object: StoredObject }[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
  keyCount: number;
}

/** 5 MiB: the smallest part of a multipart upload but its last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const md5 = (data: Buffer) => createHash('md5').update(data).digest();

/** The in-memory S3 of the sandbox, shared by every account (bucket names are global, as in AWS). */
export class S3Store {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number) {}

  /** CreateBucket; in us-east-1 a bucket the caller already owns answers 200 (AWS's legacy behaviour). */
  createBucket(owner: string, region: string, name: string): void {
    if (!BUCKET_NAME.test(name) || name.includes('..'))
      throw new QueryFault('InvalidBucketName', 'The specified bucket is not valid.', 400);
    const existing = this.#buckets.get(name);
    if (existing !== undefined && existing.owner !== owner)
      throw new QueryFault(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        409,
      );
    if (existing !== undefined && region !== 'us-east-1')
      throw new QueryFault(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    if (existing === undefined)
      this.#buckets.set(name, { name, owner, region, objects: new Map(), uploads: new Map() });
  }

  /** The caller's bucket: NoSuchBucket when there is none, AccessDenied when another account owns it. */
  bucket(caller: string, name: string): Bucket {
    const bucket = this.#buckets.get(name);
    if (bucket === undefined)
      throw new QueryFault('NoSuchBucket', 'The specified bucket does not exist', 404);
    if (bucket.owner !== caller) throw new QueryFault('AccessDenied', 'Access Denied', 403);
    return bucket;
  }

  putObject(caller: string, bucket: string, key: string, body: Buffer, contentType?: string): StoredObject {
    const object = {
      body,
      etag: `"${md5(body).toString('hex')}"`,
      lastModified: this.now(),
      contentType,
    };
    this.bucket(caller, bucket).objects.set(key, object);
    return object;
  }

  getObject(caller: string, bucket: string, key: string): StoredObject {
    const object = this.bucket(caller, bucket).objects.get(key);
    if (object === undefined) throw new QueryFault('NoSuchKey', 'The specified key does not exist.', 404);
    return object;
  }

  /** DeleteObject: deleting a key that does not exist succeeds too. */
  deleteObject(caller: string, bucket: string, key: string): void {
    this.bucket(caller, bucket).objects.delete(key);
  }

  /** ListObjectsV2: keys in UTF-8 binary order, after StartAfter or the continuation token. */
  listObjects(
    caller: string,
    name: string,
    options: { prefix: string; delimiter?: string; maxKeys: number; after?: string },
  ): ObjectListing {
    const bucket = this.bucket(caller, name);
    const utf8 = (key: string) => Buffer.from(key, 'utf8');
    const after = options.after === undefined ? undefined : utf8(options.after);
    const keys = [...bucket.objects.keys()]
      .filter(
        (key) =>
          key.startsWith(options.prefix) && (after === undefined || Buffer.compare(utf8(key), after) > 0),
      )
      .sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
    const contents: ObjectListing['contents'] = [];
    const commonPrefixes: string[] = [];
    const page = () => ({ contents, commonPrefixes, keyCount: contents.length + commonPrefixes.length });
    let last: string | undefined;
    for (const key of keys) {
      const cut = options.delimiter ? key.indexOf(options.delimiter, options.prefix.length) : -1;
      const common = cut < 0 ? undefined : key.slice(0, cut + (options.delimiter?.length ?? 0));
      // The rest of the keys under a common prefix are rolled into it.
      if (common !== undefined && commonPrefixes.at(-1) === common) continue;
      if (page().keyCount >= options.maxKeys)
        return { ...page(), isTruncated: true, nextContinuationToken: token(last) };
      if (common !== undefined) {
        commonPrefixes.push(common);
        last = `${common}\u{10FFFF}`;
      } else {
        contents.push({ key, object: bucket.objects.get(key) as StoredObject });
        last = key;
      }
    }
    return { ...page(), isTruncated: false };
  }

  createMultipartUpload(caller: string, bucket: string, key: string): string {
    const uploadId = randomUUID().replaceAll('-', '');
    this.bucket(caller, bucket).uploads.set(uploadId, { key, parts: new Map() });
    return uploadId;
  }

  /** UploadPart: part numbers 1 to 10 000; a part uploaded again replaces the earlier one. */
  uploadPart(
    caller: string,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
  ): string {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
      throw new QueryFault(
        'InvalidArgument',
        'Part number must be an integer between 1 and 10000, inclusive',
        400,
      );
    const etag = `"${md5(body).toString('hex')}"`;
    this.#upload(caller, bucket, key, uploadId).parts.set(partNumber, { body, etag });
    return etag;
  }

  /**
   * CompleteMultipartUpload: the parts listed in ascending order, each one uploaded with that
   * ETag, all but the last at least 5 MiB; the object is their concatenation.
   */
  completeMultipartUpload(
    caller: string,
    bucket: string,
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): StoredObject {
    const upload = this.#upload(caller, bucket, key, uploadId);
    if (parts.length === 0)
      throw new QueryFault(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
        400,
      );
    if (parts.some((part, index) => index > 0 && part.partNumber <= (parts[index - 1]?.partNumber ?? 0)))
      throw new QueryFault(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        400,
      );
    const bodies: Buffer[] = [];
    parts.forEach((part, index) => {
      const stored = upload.parts.get(part.partNumber);
      if (stored === undefined || stored.etag.replaceAll('"', '') !== part.etag.replaceAll('"', ''))
        throw new QueryFault(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          400,
        );
      if (index < parts.length - 1 && stored.body.length < MIN_PART_BYTES)
        throw new QueryFault(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size.',
          400,
        );
      bodies.push(stored.body);
    });
    const digests = Buffer.concat(
      parts.map((part) =>
        Buffer.from(upload.parts.get(part.partNumber)?.etag.replaceAll('"', '') ?? '', 'hex'),
      ),
    );
    const object = this.putObject(caller, bucket, key, Buffer.concat(bodies));
    object.etag = `"${md5(digests).toString('hex')}-${parts.length}"`;
    this.bucket(caller, bucket).uploads.delete(uploadId);
    return object;
  }

  abortMultipartUpload(caller: string, bucket: string, key: string, uploadId: string): void {
    this.#upload(caller, bucket, key, uploadId);
    this.bucket(caller, bucket).uploads.delete(uploadId);
  }

  /** Multipart uploads begun and neither completed nor aborted, in every bucket. */
  get openUploads(): number {
    return [...this.#buckets.values()].reduce((sum, bucket) => sum + bucket.uploads.size, 0);
  }

  /**
   * An object's body as text, whoever owns the bucket (for tests and benchmarks); undefined when absent.
   *
   * @example
   * const manifest = JSON.parse(emulator.s3.read('results', 'runs/manifest.json') ?? 'null');
   */
  read(bucket: string, key: string): string | undefined {
    return this.#buckets.get(bucket)?.objects.get(key)?.body.toString('utf8');
  }

  #upload(caller: string, bucket: string, key: string, uploadId: string): Upload {
    const upload = this.bucket(caller, bucket).uploads.get(uploadId);
    if (upload === undefined || upload.key !== key)
      throw new QueryFault(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
      );
    return upload;
  }
}

/** The opaque continuation token of a listing that stopped after `key`. */
function token(key: string | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(key, 'utf8').toString('base64url');
}

/** The key a continuation token stands for (a token this store did not issue is InvalidArgument). */
export function afterToken(value: string): string {
  const key = Buffer.from(value, 'base64url').toString('utf8');
  if (value === '' || token(key) !== value)
    throw new QueryFault('InvalidArgument', 'The continuation token provided is incorrect', 400);
  return key;
}
