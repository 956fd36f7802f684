/**
 * S3's REST-XML protocol over the store of s3-store.ts: the operations the sandbox's users need
 * (buckets, objects, listings, multipart uploads), path-style (`/<bucket>/<key>`, as the SDK
 * sends with `forcePathStyle` or to an IP endpoint) and virtual-host-style
 * (`<bucket>.localhost`). A request acts as the account of its SigV4 key, like every other
 * call of the emulator, and is logged and subject to injected faults the same way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from './accounts.js';
import type { Parts } from './identity.js';
import { intake } from './intake.js';
import { escapeXml, QueryFault } from './protocol.js';
import { afterToken, type ObjectListing, type S3Store, type StoredObject } from './s3-store.js';

const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

interface Address {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

/** The bucket (from the host or the first path segment), the key and the query of a request. */
function addressOf(request: IncomingMessage): Address {
  const url = new URL(request.url ?? '/', 'http://s3.local');
  const host = /^(.+)\.localhost$/.exec((request.headers.host ?? '').replace(/:\d+$/, ''))?.[1];
  const path = url.pathname.slice(1);
  const [bucket, key] =
    host === undefined
      ? [path.split('/')[0] ?? '', path.includes('/') ? path.slice(path.indexOf('/') + 1) : '']
      : [host, path];
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(key), query: url.searchParams };
}

/** The operation a request names, by method, key and query (as the S3 API reference routes them). */
function operationOf(method: string, { key, query }: Address): string {
  const onKey = key !== '';
  if (method === 'PUT') return !onKey ? 'CreateBucket' : query.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'GET' && !onKey) return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return onKey ? 'HeadObject' : 'HeadBucket';
  if (method === 'DELETE')
    return !onKey ? 'DeleteBucket' : query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'POST' && !onKey && query.has('delete')) return 'DeleteObjects';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  return `${method} ${onKey ? 'object' : 'bucket'}`;
}

/**
 * The payload of a body the SDK sent in `aws-chunked` encoding (a streamed body with a trailing
 * checksum): `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 */
function decodeBody(request: IncomingMessage, body: Buffer): Buffer {
  const chunked =
    String(request.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!chunked) return body;
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.subarray(at, end).toString('latin1').split(';')[0] ?? '', 16);
    if (end < 0 || !Number.isFinite(size))
      throw new QueryFault('IncompleteBody', 'The request body is not valid aws-chunked encoding.', 400);
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
}

/** Every `<tag>value</tag>` of an XML body, unescaped (the request bodies S3 takes are flat lists). */
function xmlValues(xml: string, tag: string): string[] {
  const unescapeXml = (text: string) =>
    text
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&');
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) =>
    unescapeXml(match[1] ?? ''),
  );
}

const element = (tag: string, value: string | number | boolean | undefined) =>
  value === undefined || value === '' ? '' : `<${tag}>${escapeXml(String(value))}</${tag}>`;

function listingXml(name: string, query: URLSearchParams, maxKeys: number, page: ObjectListing): string {
  const contents = page.contents
    .map(
      ({ key, object }) =>
        `<Contents>${element('Key', key)}${element('LastModified', new Date(object.lastModified).toISOString())}${element('ETag', object.etag)}${element('Size', object.body.length)}<StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const common = page.commonPrefixes.map(
    (prefix) => `<CommonPrefixes>${element('Prefix', prefix)}</CommonPrefixes>`,
  );
  return `<ListBucketResult xmlns="${NAMESPACE}">${element('Name', name)}<Prefix>${escapeXml(query.get('prefix') ?? '')}</Prefix>${element('Delimiter', query.get('delimiter') ?? undefined)}${element('StartAfter', query.get('start-after') ?? undefined)}${element('ContinuationToken', query.get('continuation-token') ?? undefined)}${element('NextContinuationToken', page.nextContinuationToken)}<KeyCount>${page.keyCount}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${page.isTruncated}</IsTruncated>${contents}${common.join('')}</ListBucketResult>`;
}

interface Answer {
  status: number;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
}

function objectHeaders(object: StoredObject): Record<string, string | number> {
  return {
    etag: object.etag,
    'last-modified': new Date(object.lastModified).toUTCString(),
    'content-type': object.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
  };
}

/** ListObjectsV2: `max-keys` 0 to 1 000 (1 000 by default), after `continuation-token` or `start-after`. */
function listObjects(store: S3Store, caller: Caller, { bucket, query }: Address): Answer {
  const requested = query.get('max-keys');
  const maxKeys = requested === null ? 1000 : Math.min(Number(requested), 1000);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new QueryFault('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  const continuation = query.get('continuation-token');
  const page = store.listObjects(caller.account, bucket, {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') || undefined,
    maxKeys,
    after: continuation !== null ? afterToken(continuation) : (query.get('start-after') ?? undefined),
  });
  return { status: 200, body: XML_HEAD + listingXml(bucket, query, maxKeys, page) };
}

/** The answer of one operation (a QueryFault for a refusal). */
function answerOf(
  store: S3Store,
  caller: Caller,
  request: IncomingMessage,
  operation: string,
  address: Address,
  body: Buffer,
): Answer {
  const { account, region } = caller;
  const { bucket, key, query } = address;
  const uploadId = query.get('uploadId') ?? '';
  switch (operation) {
    case 'CreateBucket':
      store.createBucket(account, region, bucket);
      return { status: 200, headers: { location: `/${bucket}` } };
    case 'HeadBucket':
      store.bucket(account, bucket);
      return { status: 200, headers: { 'x-amz-bucket-region': region } };
    case 'PutObject': {
      if (request.headers['x-amz-copy-source'] !== undefined) break;
      const contentType = request.headers['content-type'];
      const object = store.putObject(account, bucket, key, decodeBody(request, body), contentType);
      return { status: 200, headers: { etag: object.etag } };
    }
    case 'GetObject':
    case 'HeadObject': {
      const object = store.getObject(account, bucket, key);
      const headers = { ...objectHeaders(object), 'content-length': object.body.length };
      return { status: 200, headers, body: operation === 'GetObject' ? object.body : undefined };
    }
    case 'DeleteObject':
      store.deleteObject(account, bucket, key);
      return { status: 204 };
    case 'DeleteObjects': {
      const keys = xmlValues(body.toString('utf8'), 'Key');
      if (keys.length === 0 || keys.length > 1000)
        throw new QueryFault(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema.',
          400,
        );
      for (const each of keys) store.deleteObject(account, bucket, each);
      const quiet = xmlValues(body.toString('utf8'), 'Quiet')[0] === 'true';
      const deleted = quiet ? '' : keys.map((each) => `<Deleted>${element('Key', each)}</Deleted>`).join('');
      return { status: 200, body: `${XML_HEAD}<DeleteResult xmlns="${NAMESPACE}">${deleted}</DeleteResult>` };
    }
    case 'ListObjectsV2':
      return listObjects(store, caller, address);
    case 'CreateMultipartUpload': {
      const id = store.createMultipartUpload(account, bucket, key);
      return {
        status: 200,
        body: `${XML_HEAD}<InitiateMultipartUploadResult xmlns="${NAMESPACE}">${element('Bucket', bucket)}${element('Key', key)}${element('UploadId', id)}</InitiateMultipartUploadResult>`,
      };
    }
    case 'UploadPart': {
      const partNumber = Number(query.get('partNumber'));
      const etag = store.uploadPart(account, bucket, key, uploadId, partNumber, decodeBody(request, body));
      return { status: 200, headers: { etag } };
    }
    case 'CompleteMultipartUpload': {
      const xml = body.toString('utf8');
      const etags = xmlValues(xml, 'ETag');
      const parts = xmlValues(xml, 'PartNumber').map((number, index) => ({
        partNumber: Number(number),
        etag: etags[index] ?? '',
      }));
      const object = store.completeMultipartUpload(account, bucket, key, uploadId, parts);
      return {
        status: 200,
        body: `${XML_HEAD}<CompleteMultipartUploadResult xmlns="${NAMESPACE}">${element('Location', `/${bucket}/${key}`)}${element('Bucket', bucket)}${element('Key', key)}${element('ETag', object.etag)}</CompleteMultipartUploadResult>`,
      };
    }
    case 'AbortMultipartUpload':
      store.abortMultipartUpload(account, bucket, key, uploadId);
      return { status: 204 };
  }
  throw new QueryFault('NotImplemented', `${operation} is not served by the sandbox's S3.`, 501);
}

function send(response: ServerResponse, answer: Answer, requestId: string, head: boolean): void {
  const body = head ? undefined : answer.body;
  response.writeHead(answer.status, {
    'x-amz-request-id': requestId,
    ...(typeof answer.body === 'string' ? { 'content-type': 'application/xml' } : {}),
    ...answer.headers,
    ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
  });
  response.end(body);
}

/**
 * Serve one S3 request: log it (as `s3` and the operation's name), answer its injected fault
 * or refusal, else the operation's result; an error is S3's XML `<Error>` (no body for HEAD).
 */
export async function serveS3(
  parts: Parts,
  call: { request: IncomingMessage; caller: Caller },
  body: Buffer,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const method = call.request.method ?? 'GET';
  const address = addressOf(call.request);
  const action = operationOf(method, address);
  const params = {
    Bucket: address.bucket,
    ...(address.key === '' ? {} : { Key: address.key }),
    ...Object.fromEntries(address.query),
  };
  const { entry, refusal, injected } = await intake(
    parts,
    { ...call, service: 's3', action, params, protocol: 'rest-xml' },
    'SlowDown',
  );
  try {
    if (refusal !== undefined) throw refusal;
    if (injected !== undefined)
      throw new QueryFault(
        injected.code,
        injected.message,
        injected.code === 'SlowDown' ? 503 : injected.status,
      );
    send(
      response,
      answerOf(parts.s3, call.caller, call.request, action, address, body),
      requestId,
      method === 'HEAD',
    );
  } catch (error) {
    const fault = error instanceof QueryFault ? error : new QueryFault('InternalError', String(error), 500);
    entry.fault = fault.code;
    const xml = `${XML_HEAD}<Error>${element('Code', fault.code)}${element('Message', fault.message)}${element('Key', address.key)}${element('BucketName', address.bucket)}<RequestId>${requestId}</RequestId></Error>`;
    send(response, { status: fault.status, body: xml }, requestId, method === 'HEAD');
  }
}
