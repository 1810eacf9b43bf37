// The stale-epoch probe of the cluster scenarios: did any instance commit a write of the hub's state while another
// instance held the lease? The fence is meant to make that impossible; this checks it from the database's side, with
// nothing of the fence's own code, so a broken or bypassed fence shows.
//
// - An audit, installed on the fresh database before any instance starts (the harness's `prepare`): triggers record
//   which instance's session won each epoch of the `engine` lease, which instance each session belongs to, and, for
//   every row written to the tables the leader writes under the fence, the session that wrote it and the epoch
//   current at that moment. Rows of a transaction that rolled back (a write the fence refused) vanish with it, so
//   what the audit holds was committed. A write is stale when the epoch current as it was made was won by another
//   instance. With the fence working, the epoch cannot move under a fenced transaction (the fence holds the lease
//   row), so every committed write is its writer's own epoch's.
// - A writer that makes sure a former leader tries to write: a staff client connected straight to the leader's port
//   (not through the balancer, so it stays there) that keeps sending `presence.set` — each one a write of
//   `presence_history` — while the leader is frozen or cut off, and after. A frozen process finds the commands in
//   its socket when it wakes, before it knows another instance leads.
import type { ServerFrame } from '@helpline/core';
import { openPostgres } from '../../packages/server/src/storage/sql.client';
import { openStorage } from '../../packages/server/src/storage/sql.storage';
import type { Cluster } from '../../packages/server/src/testing/cluster.harness';
import { TestClient } from '../../packages/server/src/testing/harness';

/** The agent the writer signs in as: in the scenarios' configuration, never available, so never offered work. */
export const STALE_WRITER_AGENT = 'probe';

/** The tables the leader writes under the fence, and the writes audited on each. */
const AUDITED: readonly (readonly [table: string, ops: string])[] = [
  ['interactions', 'INSERT OR UPDATE'],
  ['events', 'INSERT'],
  ['conversation_heads', 'INSERT OR UPDATE'],
  ['start_requests', 'INSERT'],
  ['presence_history', 'INSERT'],
  ['resume_tokens', 'INSERT'],
];

const AUDIT_SQL = `
CREATE TABLE stale_probe_instances (id text PRIMARY KEY, app text NOT NULL);
CREATE TABLE stale_probe_epochs (name text NOT NULL, epoch bigint NOT NULL, app text NOT NULL,
  PRIMARY KEY (name, epoch));
CREATE TABLE stale_probe_writes (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  tbl text NOT NULL,
  app text NOT NULL,
  epoch bigint
);
-- An instance's row is inserted by its pool, whose sessions carry the harness's application_name (helpline-<index>).
CREATE FUNCTION stale_probe_instance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stale_probe_instances VALUES (NEW.id, current_setting('application_name')) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER stale_probe_instance AFTER INSERT ON instances
  FOR EACH ROW EXECUTE FUNCTION stale_probe_instance();
-- An epoch is raised by the winner's lease session: helpline-<index> (the harness's URL names it), or else named
-- by the lease itself, "helpline lease <lease> <instance id>".
CREATE FUNCTION stale_probe_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stale_probe_epochs VALUES (NEW.name, NEW.epoch, current_setting('application_name'))
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER stale_probe_epoch AFTER INSERT OR UPDATE ON helpline_leases
  FOR EACH ROW EXECUTE FUNCTION stale_probe_epoch();
-- Row triggers, not statement ones: a statement that wrote nothing (a write refused inside its own statement) leaves
-- no row.
CREATE FUNCTION stale_probe_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stale_probe_writes (tbl, app, epoch) VALUES (TG_TABLE_NAME, current_setting('application_name'),
    (SELECT epoch FROM helpline_leases WHERE name = 'engine'));
  RETURN NULL;
END $$;
${AUDITED.map(
  ([table, ops]) =>
    `CREATE TRIGGER stale_probe_write AFTER ${ops} ON ${table} FOR EACH ROW EXECUTE FUNCTION stale_probe_write();`,
).join('\n')}
`;

/** The harness's `prepare`: migrates the new database, then installs the audit. */
export async function installStaleEpochAudit(databaseUrl: string): Promise<void> {
  await (await openStorage({ kind: 'postgres', url: databaseUrl })).close();
  const sql = await openPostgres(databaseUrl, { maxConnections: 1 });
  try {
    await sql.exec(AUDIT_SQL);
  } finally {
    await sql.close();
  }
}

/** What the stale-epoch writer saw of its commands. */
export interface StaleWriterRecord {
  /** The leader it wrote to. */
  readonly instance: number;
  sent: number;
  acked: number;
  /** Refusals by error code (the fence's: `unavailable`). */
  readonly refused: Record<string, number>;
  /** Why its socket closed, if it did (a leader that stepped down: 1012). */
  closed?: string;
}

/** A running stale-epoch writer. */
export interface StaleWriter {
  readonly record: StaleWriterRecord;
  /** Stops sending; resolves once the commands sent had a moment to be answered. */
  stop(): Promise<void>;
}

/**
 * Connects the writer straight to instance `index` (the leader) and sends `presence.set` every `everyMs` until
 * stopped, alternating `away` and `offline` so that each is a change the hub records.
 */
export async function startStaleWriter(
  cluster: Cluster,
  index: number,
  token: string,
  everyMs = 200,
): Promise<StaleWriter> {
  const port = cluster.instances[index]?.port;
  if (port === undefined) throw new Error(`instance ${index} has no process to write to`);
  const socket = await TestClient.open(`ws://127.0.0.1:${port}/v1/ws`, { site: '', origin: null });
  socket.sendFrame({ t: 'hello', v: 1, token });
  await socket.waitFor((f) => f.t === 'welcome', 'welcome');
  const record: StaleWriterRecord = { instance: index, sent: 0, acked: 0, refused: {} };
  socket.onFrame = (frame: ServerFrame) => {
    if (frame.t === 'ack') record.acked++;
    else if (frame.t === 'nack')
      record.refused[frame.error.code] = (record.refused[frame.error.code] ?? 0) + 1;
  };
  socket.onClose = ({ code }) => {
    record.closed = String(code);
  };
  const timer = setInterval(() => {
    if (socket.closed) return;
    socket.sendFrame({
      t: 'cmd',
      id: `probe.${record.sent}`,
      op: 'presence.set',
      args: record.sent % 2 === 0 ? { status: 'away', reason: 'probe' } : { status: 'offline' },
    });
    record.sent++;
  }, everyMs);
  return {
    record,
    async stop() {
      clearInterval(timer);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      socket.close();
    },
  };
}

/**
 * Whether writes by a leader whose epoch was no longer current were accepted, from the audit: `accepted` counts the
 * committed rows, `refused` the refusals the instances logged (the fence working), `evidence` names the stale
 * writes, a few lines.
 */
export interface StaleEpochReading {
  readonly accepted: number;
  readonly refused: number;
  readonly note: string;
  readonly evidence: readonly string[];
}

/** Reads the audit after a run (and what the writers saw, for the note). */
export async function readStaleEpochAudit(
  cluster: Cluster,
  logLines: readonly string[],
  writers: readonly StaleWriterRecord[],
): Promise<StaleEpochReading> {
  const refused = logLines.filter((line) => line.includes('cluster.fenced')).length;
  const rows = await cluster.query<{
    app: string;
    epoch: string | null;
    holder: string | null;
    tbl: string;
    n: string;
    first: Date;
    last: Date;
  }>(
    `SELECT w.app, w.epoch::text, COALESCE(i.app, e.app) AS holder, w.tbl, count(*)::text AS n,
            min(w.at) AS first, max(w.at) AS last
       FROM stale_probe_writes w
       LEFT JOIN stale_probe_epochs e ON e.name = 'engine' AND e.epoch = w.epoch
       LEFT JOIN stale_probe_instances i
         ON e.app LIKE 'helpline lease %' AND i.id = regexp_replace(e.app, '^.* ', '')
      GROUP BY 1, 2, 3, 4
      ORDER BY min(w.at)`,
  );
  const audited = rows.reduce((sum, row) => sum + Number(row.n), 0);
  const stale = rows.filter((row) => row.holder !== row.app);
  const [epochs] = await cluster.query<{ n: string }>('SELECT count(*)::text AS n FROM stale_probe_epochs');
  const tried = writers
    .map(
      (w) =>
        `the writer on instance ${w.instance} sent ${w.sent} presence changes: ${w.acked} acknowledged, refused ${JSON.stringify(w.refused)}${w.closed ? `, closed ${w.closed}` : ''}`,
    )
    .join('; ');
  return {
    accepted: stale.reduce((sum, row) => sum + Number(row.n), 0),
    refused,
    note: `${audited} rows audited over ${epochs?.n ?? 0} epochs${tried ? `; ${tried}` : ''}`,
    evidence: stale.map(
      (row) =>
        `${row.n} ${row.tbl} rows by ${row.app} under epoch ${row.epoch ?? 'none'} (won by ${row.holder ?? 'nobody known'}), ${row.first.toISOString()}–${row.last.toISOString()}`,
    ),
  };
}
