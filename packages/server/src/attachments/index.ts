import { join } from 'node:path';
import type { AttachmentPolicy } from '@helpline/core';
import type { Hub, Subject } from '@helpline/core/hub';
import type { ServerConfig } from '../config/config';
import { createTokenBuckets } from '../limits/rate-limit';
import type { SqlStorage, StorageTarget } from '../storage/sql.storage';
import { createFileBytes, createMemoryBytes, createSqlBytes } from './attachments.bytes';
import { strictestPolicy } from './attachments.config';
import { type AttachmentRoutes, createAttachmentRoutes } from './attachments.routes';
import type { ShareLinks } from './attachments.share';
import { createAttachmentStore } from './attachments.store';
import type { AttachmentBytes, AttachmentScanner, AttachmentStore } from './attachments.types';

export { createFileBytes, createMemoryBytes, createSqlBytes } from './attachments.bytes';
export {
  adoptChannelFiles,
  type ChannelFile,
  type KeptChannelFiles,
  keepChannelFiles,
  refusedFileNote,
} from './attachments.channel';
export { attachmentPolicySchema, strictestPolicy } from './attachments.config';
export { contentDisposition, downloadHeaders } from './attachments.http';
export type { AttachmentRequest, AttachmentRoutes, AttachmentRoutesDeps } from './attachments.routes';
export { createAttachmentRoutes } from './attachments.routes';
export {
  openS3Bytes,
  type S3Bytes,
  S3BytesError,
  type S3BytesOptions,
  type S3BytesProblem,
  s3BytesOptionsFromEnv,
} from './attachments.s3';
export { createShareLinks, type ShareLinks, type ShareLinksOptions, sharePath } from './attachments.share';
export { type AttachmentStoreOptions, createAttachmentStore } from './attachments.store';
export type {
  AttachmentBytes,
  AttachmentInput,
  AttachmentRecord,
  AttachmentScanner,
  AttachmentStore,
  AttachmentVerdict,
  ScannedFile,
} from './attachments.types';

/**
 * The handler's `attachments` option: where the bytes go and the scanner hook. Every field is optional; `false`
 * switches attachments off (a message with attachments is then refused with `attachment/disabled`).
 */
export interface AttachmentOptions {
  /**
   * Where the bytes live: `files` (under {@link AttachmentOptions.dir}), `database` (bytea rows beside the records,
   * for PostgreSQL and cluster mode), or an {@link AttachmentBytes} of yours: an S3-compatible bucket
   * (`await openS3Bytes(…)`) or another store. Default: `files` under the data directory for PGlite, `database` for
   * PostgreSQL (every instance of a cluster must read them). The handler closes it when it closes.
   */
  readonly bytes?: 'files' | 'database' | AttachmentBytes | undefined;
  /** The folder for `files`. Default `<data dir>/attachments`. */
  readonly dir?: string | undefined;
  /** The virus-scanner hook (see {@link AttachmentScanner}): refuses a completed upload before anyone can use it. */
  readonly scan?: AttachmentScanner | undefined;
  /** How long an upload that no message sent is kept, ms. Default one day. */
  readonly keepUnsentMs?: number | undefined;
}

/** The attachment store and routes of one handler. */
export interface ServerAttachments {
  readonly store: AttachmentStore;
  /** The bytes port the store writes to (call recordings keep their bytes there too). */
  readonly bytes: AttachmentBytes;
  /**
   * The allow-list of files that arrive on a channel (email, messaging apps), which belong to no site: only what
   * every site allows, as for staff who name no site.
   */
  readonly channelPolicy: AttachmentPolicy;
  /** The routes, once the hub exists; `shares` serves signed links (outbound media for Vonage). */
  routes(deps: {
    readonly hub: Pick<Hub, 'execute'>;
    readonly authenticate: (token: string) => Promise<Subject>;
    readonly siteOfVisitor: (token: string) => Promise<string | undefined>;
    readonly shares?: ShareLinks | undefined;
  }): AttachmentRoutes;
  /** Forgets uploads nobody sent (housekeeping). */
  prune(now: number): Promise<number>;
}

/** Picks the bytes port for a storage target, as {@link AttachmentOptions.bytes} describes. */
function bytesFor(
  options: AttachmentOptions,
  target: StorageTarget | undefined,
  storage: SqlStorage,
): AttachmentBytes {
  const choice = options.bytes;
  if (choice !== undefined && typeof choice !== 'string') return choice;
  const dataDir = target?.kind === 'pglite' ? target.dataDir : undefined;
  const dir = options.dir ?? (dataDir && !dataDir.includes('://') ? join(dataDir, 'attachments') : undefined);
  if (choice === 'files' || (choice === undefined && target?.kind === 'pglite')) {
    // A `memory://` database keeps nothing on disk: nor do its attachments.
    if (dir) return createFileBytes(dir);
    if (choice === undefined) return createMemoryBytes();
    throw new TypeError('attachments: bytes "files" needs a dir (or a PGlite data directory on disk)');
  }
  return createSqlBytes(storage.sql);
}

/**
 * Opens the attachments of a handler: the store on its database and the chosen bytes, and the routes to mount.
 * Undefined when `options` is `false`.
 *
 * @example
 * ```ts
 * const attachments = openAttachments({ scan }, { kind: 'pglite', dataDir }, storage, config);
 * const hub = createHub({ …, attachments: attachments?.store.claims });
 * ```
 */
export function openAttachments(
  options: AttachmentOptions | false | undefined,
  target: StorageTarget | undefined,
  storage: SqlStorage,
  config: ServerConfig,
  now: () => number = Date.now,
): ServerAttachments | undefined {
  if (options === false) return undefined;
  const settings = options ?? {};
  const bytes = bytesFor(settings, target, storage);
  const store = createAttachmentStore({
    db: storage.sql,
    bytes,
    scan: settings.scan,
    now,
  });
  const uploadBuckets = createTokenBuckets(config.file.limits.uploads, now);
  return {
    store,
    bytes,
    channelPolicy: strictestPolicy([...config.sites.values()].map((site) => site.attachments)),
    routes: ({ hub, authenticate, siteOfVisitor, shares }) =>
      createAttachmentRoutes({
        store,
        hub,
        storage,
        config,
        authenticate,
        siteOfVisitor,
        uploadBuckets,
        shares,
      }),
    prune: (at) => {
      uploadBuckets.prune();
      return store.prune(at - (settings.keepUnsentMs ?? 86_400_000));
    },
  };
}
