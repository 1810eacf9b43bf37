import type { SqlQueryable } from '../storage/sql.client';

/*
 * A generated history for the reports' tests and bench: a deterministic year of interactions, written as the storage
 * writes them (the record as jsonb beside its columns).
 */

/** The fields of a stored interaction that reports read, as a test generates them. */
export interface HistoryRow {
  readonly id: string;
  readonly channel: 'chat' | 'voice' | 'email' | 'whatsapp';
  readonly queueId: string;
  readonly customerId: string;
  readonly agentId?: string | undefined;
  readonly topic?: string | undefined;
  readonly disposition?: string | undefined;
  readonly endReason?: string | undefined;
  readonly csat?: number | undefined;
  readonly outbound: boolean;
  readonly open: boolean;
  readonly createdAt: number;
  readonly queuedAt?: number | undefined;
  readonly answeredAt?: number | undefined;
  readonly endedAt?: number | undefined;
  readonly wrapUpEndedAt?: number | undefined;
}

/** mulberry32: a small seeded generator, so every run sees the same history. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const HISTORY_QUEUES = ['support', 'sales', 'billing'] as const;
const CHANNELS = ['chat', 'voice', 'email', 'whatsapp'] as const;
const AGENTS = ['alice', 'bob', 'carol', 'dave'] as const;
const TOPICS = ['login', 'billing', 'delivery', 'refund', 'outage'] as const;
const DISPOSITIONS = ['fixed', 'follow-up', 'spam', 'escalated'] as const;

/** `count` interactions created uniformly in `[from, to)`, from `seed`. */
export function generateHistory(count: number, from: number, to: number, seed: number): HistoryRow[] {
  const random = seeded(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const rows: HistoryRow[] = [];
  for (let n = 0; n < count; n++) {
    const createdAt = from + int(to - from);
    const channel = pick(CHANNELS);
    const base = {
      id: `h${n}`,
      channel,
      queueId: pick(HISTORY_QUEUES),
      customerId: `cust${int(400)}`,
      ...(random() < 0.8 ? { topic: pick(TOPICS) } : {}),
      createdAt,
    };
    if (channel === 'voice' && random() < 0.1) {
      const answeredAt = random() < 0.7 ? createdAt + 5_000 + int(25_000) : undefined;
      const endedAt = (answeredAt ?? createdAt) + 10_000 + int(300_000);
      rows.push({
        ...base,
        outbound: true,
        open: false,
        agentId: pick(AGENTS),
        ...(answeredAt ? { answeredAt } : {}),
        endedAt,
        endReason: answeredAt ? 'completed' : 'missed',
      });
      continue;
    }
    const queuedAt = createdAt + int(2_000);
    const roll = random();
    if (roll < 0.03) {
      rows.push({ ...base, outbound: false, open: true, queuedAt });
    } else if (roll < 0.2) {
      rows.push({
        ...base,
        outbound: false,
        open: false,
        queuedAt,
        endedAt: queuedAt + 1_000 + int(90_000),
        endReason: random() < 0.8 ? 'abandoned' : 'timeout',
      });
    } else {
      const answeredAt = queuedAt + int(60_000);
      const endedAt = answeredAt + 10_000 + int(600_000);
      const wrapped = random() < 0.8;
      rows.push({
        ...base,
        outbound: false,
        open: false,
        agentId: pick(AGENTS),
        queuedAt,
        answeredAt,
        endedAt,
        endReason: 'completed',
        ...(wrapped ? { wrapUpEndedAt: endedAt + int(60_000) } : {}),
        ...(wrapped && random() < 0.85 ? { disposition: pick(DISPOSITIONS) } : {}),
        ...(random() < 0.3 ? { csat: 1 + int(5) } : {}),
      });
    }
  }
  return rows;
}

/** The interaction record a row stands for, as far as reports read it. */
function recordOf(row: HistoryRow): Record<string, unknown> {
  return {
    id: row.id,
    channel: row.channel,
    state: row.open ? 'queued' : 'ended',
    queueId: row.queueId,
    ...(row.topic ? { topic: row.topic } : {}),
    customer: { id: row.customerId },
    participants: row.agentId ? [{ id: row.agentId, role: 'agent' }] : [],
    ...(row.agentId ? { agentId: row.agentId } : {}),
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: {
      createdAt: row.createdAt,
      ...(row.queuedAt === undefined ? {} : { queuedAt: row.queuedAt }),
      ...(row.answeredAt === undefined ? {} : { answeredAt: row.answeredAt }),
      ...(row.endedAt === undefined ? {} : { endedAt: row.endedAt }),
      ...(row.wrapUpEndedAt === undefined ? {} : { wrapUpEndedAt: row.wrapUpEndedAt }),
    },
    ...(row.endReason ? { endReason: row.endReason } : {}),
    ...(row.disposition ? { disposition: row.disposition } : {}),
    ...(row.csat ? { csat: { score: row.csat } } : {}),
  };
}

/** Writes `rows` into `interactions`, a few thousand per statement. */
export async function insertHistory(sql: SqlQueryable, rows: readonly HistoryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 2_000) {
    const batch = rows.slice(start, start + 2_000).map((row) => ({
      id: row.id,
      channel: row.channel,
      state: row.open ? 'queued' : 'ended',
      is_open: row.open,
      customer_id: row.customerId,
      queue_id: row.queueId,
      agent_id: row.agentId ?? null,
      csat_score: row.csat ?? null,
      interaction: recordOf(row),
      created_at: row.createdAt,
      updated_at: row.endedAt ?? row.createdAt,
    }));
    await sql.query(
      `INSERT INTO interactions (id, channel, state, is_open, customer_id, queue_id, agent_id, csat_score, interaction,
                                 snapshot, created_at, updated_at)
       SELECT id, channel, state, is_open, customer_id, queue_id, agent_id, csat_score, interaction, '{}', created_at,
              updated_at
       FROM jsonb_to_recordset($1::jsonb) AS r (id text, channel text, state text, is_open boolean, customer_id text,
         queue_id text, agent_id text, csat_score smallint, interaction jsonb, created_at bigint, updated_at bigint)`,
      [JSON.stringify(batch)],
    );
  }
}

/** One presence change of an agent, as `presence_history` keeps it. */
export interface PresenceRow {
  readonly agentId: string;
  readonly status: 'available' | 'away' | 'offline';
  readonly at: number;
}

/**
 * Presence changes of the history's agents in `[from, to)` from `seed`: each agent changes every half hour to ten
 * hours, available most often, so occupancy has staffed time, breaks and nights to clip.
 */
export function generatePresence(from: number, to: number, seed: number): PresenceRow[] {
  const random = seeded(seed);
  const rows: PresenceRow[] = [];
  for (const agentId of AGENTS) {
    let at = from + Math.floor(random() * 3_600_000);
    while (at < to) {
      const roll = random();
      rows.push({ agentId, status: roll < 0.6 ? 'available' : roll < 0.8 ? 'away' : 'offline', at });
      at += 1_800_000 + Math.floor(random() * 34_200_000);
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

/** Writes `rows` into `presence_history`, a few thousand per statement. */
export async function insertPresence(sql: SqlQueryable, rows: readonly PresenceRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 2_000) {
    const batch = rows.slice(start, start + 2_000).map((row) => ({
      agent_id: row.agentId,
      status: row.status,
      at: row.at,
    }));
    await sql.query(
      `INSERT INTO presence_history (agent_id, status, at)
       SELECT agent_id, status, at FROM jsonb_to_recordset($1::jsonb) AS r (agent_id text, status text, at bigint)
       ORDER BY at`,
      [JSON.stringify(batch)],
    );
  }
}
