import type * as S3Sdk from '@aws-sdk/client-s3';
import { type S3Bytes, S3BytesError, type S3BytesOptions, type S3BytesProblem } from './attachments.s3.types';

// Attachment bytes in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Ceph RGW, …). The SDK is an optional
// peer dependency: it is loaded only when a bucket is configured, so the embedded default never pays for it.
//
// Layout: every append is one object, `<prefix><id>/<offset>` (the offset zero-padded, so keys sort by offset).
// An append is then all or nothing — an object appears whole or not at all — and an upload restarted on another
// instance continues from the record's offset like the file and database stores do. A piece larger than two parts
// goes up as a multipart upload (every part at least `partBytes`, S3's minimum being 5 MiB). Reads list the pieces
// and stream ranged GETs of those the range touches.
//
// Nothing can be left past the record's end but one piece at exactly that offset (a piece stored, its record not yet
// moved): the next append at that offset writes the same key and replaces it, and reads stop at the record's end.

/** S3's smallest part but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/** Digits of the offset in a piece's key: enough for any offset below 10^15 bytes. */
const OFFSET_DIGITS = 15;

type S3Module = typeof S3Sdk;

/**
 * Loads the AWS SDK's S3 client, or throws an {@link S3BytesError} (`sdk-missing`) saying to install it.
 * `load` is the import itself (tests give one that fails).
 */
export async function loadS3Sdk(
  load: () => Promise<S3Module> = () => import('@aws-sdk/client-s3'),
): Promise<S3Module> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new S3BytesError(
        'sdk-missing',
        'install @aws-sdk/client-s3 to use the S3 attachment store (npm install @aws-sdk/client-s3)',
        { cause: error },
      );
    }
    throw error;
  }
}

/** What an S3 error means for us: the SDK's error names, or the HTTP status where a HEAD has no body. */
function problemOf(error: unknown): S3BytesProblem {
  const name = (error as { name?: unknown } | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (name === 'NoSuchBucket' || (name === 'NotFound' && status === 404)) return 'bucket-missing';
  if (
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AccessDenied' ||
    name === 'CredentialsProviderError' ||
    status === 403 ||
    status === 401
  ) {
    return 'credentials';
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    code === 'EAI_AGAIN'
  ) {
    return 'unreachable';
  }
  return 'failed';
}

function describe(problem: S3BytesProblem, bucket: string, doing: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  switch (problem) {
    case 'bucket-missing':
      return `attachments: the S3 bucket "${bucket}" does not exist (create it, or set HELPLINE_ATTACHMENTS_S3_BUCKET to one that does)`;
    case 'credentials':
      if ((error as { name?: unknown } | undefined)?.name === 'CredentialsProviderError') {
        return `attachments: no S3 credentials found for bucket "${bucket}" (set HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID and HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the machine a role)`;
      }
      return `attachments: the S3 server refused the credentials for bucket "${bucket}" while ${doing} (check the access key, the secret and the bucket's policy): ${detail}`;
    case 'unreachable':
      return `attachments: the S3 server for bucket "${bucket}" cannot be reached while ${doing} (check the endpoint): ${detail}`;
    default:
      return `attachments: S3 failed while ${doing} in bucket "${bucket}": ${detail}`;
  }
}

/** The store on a loaded SDK, without the check `openS3Bytes` makes (tests, and callers that check later). */
export function createS3Bytes(options: S3BytesOptions, s3: S3Module): S3Bytes {
  const { bucket } = options;
  const prefix = options.prefix ?? '';
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isSafeInteger(partBytes) || partBytes < MIN_PART_BYTES) {
    throw new TypeError(
      `attachments: S3 partBytes must be at least ${MIN_PART_BYTES} (5 MiB), not ${partBytes}`,
    );
  }
  const client = new s3.S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Since early 2025 the SDK adds CRC checksums to every upload by default (aws-chunked bodies with trailers),
    // which MinIO before 2025, Ceph, R2 at times and most emulators refuse. Checksums only where S3 requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  /** Runs an S3 request, turning its failure into an {@link S3BytesError}. */
  async function send<T>(doing: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof S3BytesError) throw error;
      const problem = problemOf(error);
      throw new S3BytesError(problem, describe(problem, bucket, doing, error), { cause: error });
    }
  }

  const missing = (id: string, from: number, to: number) =>
    new S3BytesError(
      'failed',
      `attachments: bytes ${from}–${to} of ${id} are missing from bucket "${bucket}"`,
    );
  const folder = (id: string) => `${prefix}${storableId(id)}/`;
  const keyOf = (id: string, offset: number) => `${folder(id)}${String(offset).padStart(OFFSET_DIGITS, '0')}`;

  /** The pieces of `id`, by offset. */
  async function pieces(id: string): Promise<{ key: string; at: number; size: number }[]> {
    const found: { key: string; at: number; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await send('listing an attachment', () =>
        client.send(
          new s3.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: folder(id),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        const at = Number(item.Key?.slice(folder(id).length));
        if (item.Key && Number.isSafeInteger(at)) found.push({ key: item.Key, at, size: item.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => a.at - b.at);
  }

  /** One piece as a multipart upload: parts of `partBytes`, the last one taking the rest (so none is too small). */
  async function putMultipart(key: string, chunk: Uint8Array): Promise<void> {
    const started = await send('starting a multipart upload', () =>
      client.send(new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key })),
    );
    const uploadId = started.UploadId as string;
    try {
      const count = Math.floor(chunk.length / partBytes);
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let index = 0; index < count; index++) {
        const body = chunk.subarray(
          index * partBytes,
          index === count - 1 ? chunk.length : (index + 1) * partBytes,
        );
        const part = await send('uploading a part', () =>
          client.send(
            new s3.UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: index + 1,
              Body: body,
              ContentLength: body.length,
            }),
          ),
        );
        parts.push({ ETag: part.ETag as string, PartNumber: index + 1 });
      }
      await send('completing a multipart upload', () =>
        client.send(
          new s3.CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      // Nothing half-made stays behind (a bucket lifecycle rule catches what a crash leaves: docs/attachments.md).
      await client
        .send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => {});
      throw error;
    }
  }

  return {
    pieceBytes: partBytes,
    async check() {
      await send('checking the bucket', () => client.send(new s3.HeadBucketCommand({ Bucket: bucket })));
    },
    async append(id, offset, chunk) {
      const key = keyOf(id, offset);
      if (chunk.length >= 2 * partBytes) return putMultipart(key, chunk);
      await send('storing a piece', () =>
        client.send(
          new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: chunk, ContentLength: chunk.length }),
        ),
      );
    },
    async *read(id, start, end) {
      if (end <= start) return;
      let from = start;
      for (const piece of await pieces(id)) {
        if (from >= end) return;
        if (piece.at + piece.size <= from) continue;
        // A gap means lost bytes (an object deleted behind our back): fail rather than serve a shorter file.
        if (piece.at > from) throw missing(id, from, piece.at);
        const last = Math.min(piece.at + piece.size, end) - 1;
        const object = await send('reading an attachment', () =>
          client.send(
            new s3.GetObjectCommand({
              Bucket: bucket,
              Key: piece.key,
              Range: `bytes=${from - piece.at}-${last - piece.at}`,
            }),
          ),
        );
        for await (const bytes of object.Body as AsyncIterable<Uint8Array>) yield bytes;
        from = last + 1;
      }
      if (from < end) throw missing(id, from, end);
    },
    async remove(id) {
      for (const piece of await pieces(id)) {
        await send('deleting an attachment', () =>
          client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: piece.key })),
        );
      }
    },
    async close() {
      client.destroy();
    },
  };
}

/** Ids are opaque `[\w.:-]` strings; in a key only letters, digits, `_` and `-` are used, so a key cannot escape. */
function storableId(id: string): string {
  if (!/^[\w-]{1,64}$/.test(id)) throw new TypeError(`not a storable attachment id: ${JSON.stringify(id)}`);
  return id;
}
