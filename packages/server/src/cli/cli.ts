import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  openS3Bytes,
  type S3Bytes,
  type S3BytesOptions,
  s3BytesOptionsFromEnv,
} from '../attachments/attachments.s3';
import { ConfigError, loadConfig, parseConfig, type ServerConfig } from '../config/config';
import { DEV_CONFIG } from '../config/dev.config';
import { createLogger, type LogLevel } from '../log/logger';
import { type HelplineServer, startServer } from '../server';
import type { StorageTarget } from '../storage/sql.storage';

/** Where {@link runCli} writes and what it reads; the process's streams and environment in the real CLI. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for the stop signals; returns a function that unregisters it. */
  onStop?: (stop: () => void) => () => void;
  /** Called once the server listens (tests use it to find the port). */
  onListening?: (server: HelplineServer) => void;
}

/** Exit codes of the `helpline` command (2: usage, 78: configuration, as sysexits' EX_CONFIG; 1: failure). */
export const CliExit = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

const helpText = `Usage: helpline [options]
       helpline serve [--config <file>] [--data <dir>] [--port <n>] [--host <addr>] [--dev]

The Helpline reference server's command line.

Commands:
  serve            Run the HTTP + WebSocket server

Options:
  -h, --help       Show this help and exit
  -v, --version    Print the version and exit

Options of serve:
  -c, --config <file>  JSON configuration (env HELPLINE_CONFIG); optional with --dev
  -d, --data <dir>     PGlite data directory (env HELPLINE_DATA; default ./.helpline-data);
                       ignored when HELPLINE_DATABASE_URL selects PostgreSQL
  -p, --port <n>       Port (env HELPLINE_PORT; default 8787)
      --host <addr>    Interface to bind (env HELPLINE_HOST; default 127.0.0.1)
      --dev            Development mode: built-in demo configuration when no config is given, and demo
                       tokens at POST /v1/dev/tokens. Never use it in production.

Environment:
  HELPLINE_DATABASE_URL  postgres://… to use PostgreSQL instead of the embedded PGlite; every instance on
                         one database joins one deployment (cluster mode: docs/cluster.md)
  HELPLINE_DATABASE_DIRECT_URL
                         a direct postgres://… for cluster mode's listener and lease when
                         HELPLINE_DATABASE_URL goes through PgBouncer in transaction mode
  HELPLINE_PEER_URL      cluster mode: where the other instances open direct links to this one
                         (ws://host:port/cluster/peer; default worked out from the address it listens on)
  HELPLINE_PEER_HOST     cluster mode: the host in that default, when listening on 0.0.0.0
  HELPLINE_CLUSTER_TRAFFIC_MS
                         cluster mode: how often to log what this instance sent the others
                         (cluster.traffic; default 60000)
  HELPLINE_JWT_SECRET    HS256 secret of agent and supervisor JWTs
  HELPLINE_JWKS_URL      JWKS URL of agent and supervisor JWTs (RS256, ES256)
  HELPLINE_LOG_LEVEL     debug | info | warn | error (default info)
  HELPLINE_ATTACHMENTS_S3_BUCKET
                         keep attachment bytes in this S3-compatible bucket (needs @aws-sdk/client-s3);
                         with HELPLINE_ATTACHMENTS_S3_ENDPOINT, _REGION, _PREFIX, _FORCE_PATH_STYLE,
                         _ACCESS_KEY_ID and _SECRET_ACCESS_KEY (docs/attachments.md)
`;

/**
 * Runs the `helpline` command with `args` (without `node` and the script) and resolves with its exit code.
 * `serve` resolves only when the server has stopped (SIGTERM or SIGINT).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${serverVersion()}\n`);
    return CliExit.ok;
  }
  if (values.help || positionals.length === 0) {
    io.stdout(helpText);
    return CliExit.ok;
  }
  const [command, ...rest] = positionals;
  if (command !== 'serve') return usageError(io, `Unknown command "${command}".`);
  if (rest.length > 0) return usageError(io, `Unexpected argument "${rest[0]}".`);
  return serve(values, io);
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      config: { type: 'string', short: 'c' },
      data: { type: 'string', short: 'd' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      dev: { type: 'boolean' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function serve(values: Values, io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const dev = values.dev === true;
  const portText = values.port ?? env.HELPLINE_PORT ?? '8787';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
    return usageError(io, `--port must be a port number 0–65535, not "${portText}".`);
  }
  const configPath = values.config ?? env.HELPLINE_CONFIG;
  if (!configPath && !dev) {
    return usageError(
      io,
      'serve needs a configuration: --config <file> (or HELPLINE_CONFIG), or --dev for the demo.',
    );
  }
  let config: ServerConfig;
  try {
    config = configPath ? loadConfig(resolve(configPath)) : parseConfig(DEV_CONFIG);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`helpline: ${error.message}\n`);
    return CliExit.config;
  }
  const level = (env.HELPLINE_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    return usageError(io, `HELPLINE_LOG_LEVEL must be debug, info, warn or error, not "${level}".`);
  }
  let s3: S3BytesOptions | undefined;
  try {
    s3 = s3BytesOptionsFromEnv(env);
  } catch (error) {
    io.stderr(`helpline: ${error instanceof Error ? error.message : String(error)}\n`);
    return CliExit.config;
  }
  const logger = createLogger({ level, write: io.stdout });
  const databaseUrl = env.HELPLINE_DATABASE_URL;
  const storage: StorageTarget = databaseUrl
    ? {
        kind: 'postgres',
        url: databaseUrl,
        ...(env.HELPLINE_DATABASE_SCHEMA ? { schema: env.HELPLINE_DATABASE_SCHEMA } : {}),
      }
    : { kind: 'pglite', dataDir: resolve(values.data ?? env.HELPLINE_DATA ?? './.helpline-data') };

  let server: HelplineServer;
  let bytes: S3Bytes | undefined;
  try {
    // The bucket is checked before anything listens: a wrong bucket or key stops the start, not the first upload.
    bytes = s3 ? await openS3Bytes(s3) : undefined;
    server = await startServer({
      config,
      storage,
      port: Number(portText),
      host: values.host ?? env.HELPLINE_HOST ?? '127.0.0.1',
      dev,
      logger,
      env,
      ...(env.HELPLINE_JWT_SECRET ? { jwtSecret: env.HELPLINE_JWT_SECRET } : {}),
      ...(env.HELPLINE_JWKS_URL ? { jwksUrl: env.HELPLINE_JWKS_URL } : {}),
      cluster: {
        ...(env.HELPLINE_DATABASE_DIRECT_URL ? { directUrl: env.HELPLINE_DATABASE_DIRECT_URL } : {}),
        ...(env.HELPLINE_PEER_URL ? { peerUrl: env.HELPLINE_PEER_URL } : {}),
        ...(env.HELPLINE_PEER_HOST ? { peerHost: env.HELPLINE_PEER_HOST } : {}),
        ...(Number(env.HELPLINE_CLUSTER_TRAFFIC_MS) > 0
          ? { trafficLogMs: Number(env.HELPLINE_CLUSTER_TRAFFIC_MS) }
          : {}),
      },
      ...(bytes ? { attachments: { bytes } } : {}),
    });
  } catch (error) {
    await bytes?.close();
    logger.error('start-failed', {}, error);
    return CliExit.failure;
  }
  const stopped = new Promise<void>((done) => {
    const unregister = (io.onStop ?? processIo.onStop)?.(() => {
      unregister?.();
      server.close().then(done, (error: unknown) => {
        logger.error('stop-failed', {}, error);
        done();
      });
    });
  });
  io.onListening?.(server);
  await stopped;
  return CliExit.ok;
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`helpline: ${message}\nRun "helpline --help" for usage.\n`);
  return CliExit.usage;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onStop(stop) {
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    };
  },
};

/**
 * The version of `@helpline/server`, read from its package.json. The file is looked up from this module
 * upwards because this code runs both from `src/cli/` and bundled into `dist/`.
 */
export function serverVersion(): string {
  let directory = new URL('./', import.meta.url);
  for (;;) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(new URL('package.json', directory), 'utf8'));
      if (isServerManifest(manifest)) return manifest.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = new URL('../', directory);
    if (parent.href === directory.href) throw new Error('Cannot find the package.json of @helpline/server');
    directory = parent;
  }
}

function isServerManifest(value: unknown): value is { version: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    value.name === '@helpline/server' &&
    'version' in value &&
    typeof value.version === 'string'
  );
}
