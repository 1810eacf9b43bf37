/**
 * `@helpline/server`: the Helpline reference server and its `helpline` command line.
 *
 * @packageDocumentation
 */
export {
  type AttachmentBytes,
  type AttachmentInput,
  type AttachmentOptions,
  type AttachmentRecord,
  type AttachmentScanner,
  type AttachmentStore,
  type AttachmentStoreOptions,
  type AttachmentVerdict,
  createAttachmentStore,
  createFileBytes,
  createMemoryBytes,
  createSqlBytes,
  openS3Bytes,
  type S3Bytes,
  S3BytesError,
  type S3BytesOptions,
  type S3BytesProblem,
  type ScannedFile,
  s3BytesOptionsFromEnv,
} from './attachments';
export { type Auth, type AuthOptions, createAuth, type IssuedVisitorSession } from './auth/auth';
export type { JwtPolicy } from './auth/jwt';
export { CliExit, type CliIo, runCli, serverVersion } from './cli/cli';
export { ConfigError, loadConfig, parseConfig, type ServerConfig } from './config/config';
export type { ConfigFile, ConfigInput, SiteConfig } from './config/config.schema';
export { DEV_CONFIG } from './config/dev.config';
export {
  type CrmLookup,
  type CrmRecord,
  type CrmWebhookOptions,
  type CustomerDirectoryOptions,
  createSqlCustomerDirectory,
  crmSignature,
  crmWebhook,
  normaliseIdentifier,
} from './customers';
export {
  type ClusterOptions,
  createHelplineHandler,
  type HelplineHandler,
  type HelplineHandlerOptions,
} from './handler';
export {
  createLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  type LogValue,
  silentLogger,
} from './log/logger';
export { createSqlReports, reportsOfQueues, type SqlReports, type SqlReportsOptions } from './reports';
export { type HelplineServer, type ServerOptions, startServer } from './server';
export { MIGRATIONS, type Migration, migrate } from './storage/migrations';
export {
  openPglite,
  openPostgres,
  type PostgresOptions,
  type SqlClient,
  type SqlQueryable,
  type TransactionOptions,
} from './storage/sql.client';
export {
  DatabaseError,
  type DatabaseErrorInit,
  isDatabaseError,
  isDatabaseOutage,
} from './storage/sql.errors';
export {
  openStorage,
  type PresenceRecord,
  type SqlStorage,
  type SqlStorageOptions,
  type StorageTarget,
  type VisitorSessionRecord,
} from './storage/sql.storage';
export { FENCE_SQLSTATE, type StorageFence } from './storage/storage.fence';
export { SOCKET_PATH } from './ws/sockets';
