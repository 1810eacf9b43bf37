import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3BytesOptions } from './attachments.s3.types';

// A real S3-compatible server for the tests: s3rver on a free port with its files in a temp directory. It checks
// AWS signature v4 against its one account (access key and secret `S3RVER`).

/** What the tests use of s3rver (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;

/** s3rver's built-in credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running s3rver with one bucket, and the store options that reach it. */
export interface TestS3 {
  readonly endpoint: string;
  /** Options of a store on its bucket (path style, its credentials). */
  readonly options: S3BytesOptions;
  close(): Promise<void>;
}

/** Starts s3rver with the bucket `bucket` on a free port of 127.0.0.1. */
export async function startS3rver(bucket = 'helpline-test'): Promise<TestS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 'helpline-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    options: { bucket, endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, prefix: 'att/' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
