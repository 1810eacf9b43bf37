import { createS3Bytes, loadS3Sdk } from './attachments.s3.client';
import { type S3Bytes, S3BytesError, type S3BytesOptions } from './attachments.s3.types';

// Attachment bytes in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Ceph RGW, …): opening the store and its
// settings from the environment. The store itself is attachments.s3.client.ts, the only module that names the SDK.

export { type S3Bytes, S3BytesError, type S3BytesOptions, type S3BytesProblem } from './attachments.s3.types';

/**
 * Opens attachment bytes in an S3-compatible bucket: loads the SDK (an optional peer dependency: `npm install
 * @aws-sdk/client-s3`), checks that the bucket answers, and returns the store to give the handler as
 * `attachments.bytes`. Throws an {@link S3BytesError} when the SDK is missing, the credentials are refused or the
 * bucket does not exist, so a misconfigured server refuses to start instead of failing at the first upload.
 * Compared with `createFileBytes` and `createSqlBytes`: for clusters and large volumes, with the bucket's own
 * durability and lifecycle rules; downloads still stream through the server so its safe headers apply.
 *
 * @example
 * ```ts
 * const bytes = await openS3Bytes({
 *   bucket: 'helpline-attachments',
 *   endpoint: 'http://127.0.0.1:9000', // MinIO; leave out for AWS
 *   forcePathStyle: true,
 * });
 * const helpline = await createHelplineHandler({ config, storage, attachments: { bytes } });
 * ```
 */
export async function openS3Bytes(options: S3BytesOptions): Promise<S3Bytes> {
  const bytes = createS3Bytes(options, await loadS3Sdk());
  try {
    await bytes.check();
  } catch (error) {
    await bytes.close();
    throw error;
  }
  return bytes;
}

/** The S3 store's settings from `HELPLINE_ATTACHMENTS_S3_*` variables; undefined when no bucket is named. */
export function s3BytesOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): S3BytesOptions | undefined {
  const bucket = env.HELPLINE_ATTACHMENTS_S3_BUCKET;
  if (!bucket) return undefined;
  const accessKeyId = env.HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new S3BytesError(
      'credentials',
      'attachments: set both HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID and HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY, or neither (then the AWS SDK reads AWS_ACCESS_KEY_ID, profiles or roles)',
    );
  }
  const pathStyle = env.HELPLINE_ATTACHMENTS_S3_FORCE_PATH_STYLE;
  if (pathStyle !== undefined && !['true', 'false', '1', '0', ''].includes(pathStyle)) {
    throw new TypeError(`HELPLINE_ATTACHMENTS_S3_FORCE_PATH_STYLE must be true or false, not "${pathStyle}"`);
  }
  return {
    bucket,
    region: env.HELPLINE_ATTACHMENTS_S3_REGION || undefined,
    endpoint: env.HELPLINE_ATTACHMENTS_S3_ENDPOINT || undefined,
    prefix: env.HELPLINE_ATTACHMENTS_S3_PREFIX || undefined,
    forcePathStyle: pathStyle === 'true' || pathStyle === '1',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
}
