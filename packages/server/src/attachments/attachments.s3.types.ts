import type { AttachmentBytes } from './attachments.types';

// The S3-compatible attachment store's options, its typed error and its port, apart from the code that uses the SDK:
// these are public, and their declarations must not name the SDK (an optional peer a user may not have installed).

/** Where and how the S3-compatible store connects. Credentials come from the environment, never a file in git. */
export interface S3BytesOptions {
  /** The bucket; it must exist (checked when the store opens). */
  readonly bucket: string;
  /** The region. Default `us-east-1` (what MinIO and most S3-compatible servers expect; `auto` on R2). */
  readonly region?: string | undefined;
  /** The server's URL for anything but AWS: `http://127.0.0.1:9000` (MinIO), `https://<account>.r2.cloudflarestorage.com`. */
  readonly endpoint?: string | undefined;
  /** Object keys start with this, e.g. `helpline/attachments/`. Default `''`. */
  readonly prefix?: string | undefined;
  /** Bucket in the path (`/bucket/key`) instead of the host name; most self-hosted servers (MinIO, Ceph) need it. */
  readonly forcePathStyle?: boolean | undefined;
  /**
   * Access key and secret. Default: the SDK's own chain (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, shared
   * profiles, instance and container roles).
   */
  readonly credentials?:
    | {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly sessionToken?: string | undefined;
      }
    | undefined;
  /** Size of one part of a multipart upload, bytes; at least 5 MiB (S3's minimum). Default 8 MiB. */
  readonly partBytes?: number | undefined;
}

/** Why the S3-compatible store failed; each says what to do in its message. */
export type S3BytesProblem = 'sdk-missing' | 'credentials' | 'bucket-missing' | 'unreachable' | 'failed';

/**
 * The S3-compatible attachment store could not be opened or used: the SDK is not installed, the credentials are
 * refused, the bucket does not exist, the server cannot be reached, or a request failed. The message names the
 * bucket and what to do, never a secret.
 */
export class S3BytesError extends Error {
  /** What went wrong, for code that reacts to it. */
  readonly problem: S3BytesProblem;
  constructor(problem: S3BytesProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3BytesError';
    this.problem = problem;
  }
}

/** An {@link AttachmentBytes} in an S3-compatible bucket, and a check that the bucket answers. */
export interface S3Bytes extends AttachmentBytes {
  /** Asks the bucket (HEAD): throws an {@link S3BytesError} when it is missing, the credentials are refused, or the server is away. */
  check(): Promise<void>;
  /** Closes the SDK's connections. */
  close(): Promise<void>;
}
