import type * as v from 'valibot';
import type {
  supervisionAuditEntrySchema,
  supervisionLegSchema,
  supervisionNoteSchema,
} from '../protocol/protocol.supervision';
import type { SupervisionMode } from './supervision.machine';

/** A supervision leg as staff receive it (see `supervisionMachine` for its states). */
export type SupervisionLeg = v.InferOutput<typeof supervisionLegSchema>;

/** A private note from a supervisor to the agent of a watched interaction; never part of the conversation. */
export type SupervisionNote = v.InferOutput<typeof supervisionNoteSchema>;

/** One entry of the supervision audit log: a start, a mode switch, a note or an end. */
export type SupervisionAuditEntry = v.InferOutput<typeof supervisionAuditEntrySchema>;

/** How a leg's audio travels: mixed by the agent's browser (`webrtc`), a Vonage leg, or none (a chat). */
export type SupervisionMedia = SupervisionLeg['media'];

/**
 * Supervision settings of a hub (the server's `monitoring` configuration).
 *
 * @example
 * ```ts
 * createHub({ …, supervision: { notifyAgent: { monitoring: true } } }); // agents also see silent monitoring
 * ```
 */
export interface SupervisionSettings {
  /**
   * Whether the agent's console shows that a supervisor is on the interaction, per mode, or one value for all. Default:
   * `false` for monitoring, `true` for whispering and barging (the agent hears the supervisor then). Once told, an
   * agent stays told for the rest of the leg.
   */
  readonly notifyAgent?: boolean | Partial<Readonly<Record<SupervisionMode, boolean>>> | undefined;
}

const NOTIFY_DEFAULTS: Readonly<Record<SupervisionMode, boolean>> = {
  monitoring: false,
  whispering: true,
  barging: true,
};

/**
 * Whether the agent is told of a leg in `mode` (`already`: they were told before, and stay told).
 *
 * @example
 * ```ts
 * agentNotifiedOf(undefined, 'monitoring', false); // false
 * agentNotifiedOf(undefined, 'whispering', false); // true
 * ```
 */
export function agentNotifiedOf(
  settings: SupervisionSettings | undefined,
  mode: SupervisionMode,
  already: boolean,
): boolean {
  if (already) return true;
  const notify = settings?.notifyAgent;
  if (typeof notify === 'boolean') return notify;
  return notify?.[mode] ?? NOTIFY_DEFAULTS[mode];
}

/** What the audit log is asked for. */
export interface SupervisionAuditQuery {
  /** Only this interaction's entries. */
  readonly cid?: string | undefined;
  /** At most this many, newest first. */
  readonly limit: number;
}

/**
 * Where the supervision audit log is kept: in memory (the default, {@link createMemorySupervisionAudit}) or in SQL
 * (the server's storage, migration 23).
 */
export interface SupervisionAudit {
  append(entry: SupervisionAuditEntry): Promise<void>;
  /** Entries, newest first. */
  list(query: SupervisionAuditQuery): Promise<SupervisionAuditEntry[]>;
}

/**
 * An in-memory supervision audit log (tests, demos, the embedded hub without storage of its own).
 *
 * @example
 * ```ts
 * const audit = createMemorySupervisionAudit();
 * createHub({ …, supervisionAudit: audit });
 * ```
 */
export function createMemorySupervisionAudit(): SupervisionAudit {
  const entries: SupervisionAuditEntry[] = [];
  return {
    async append(entry) {
      entries.push(entry);
    },
    async list({ cid, limit }) {
      const matching = cid === undefined ? entries : entries.filter((entry) => entry.cid === cid);
      return matching.slice(-limit).reverse();
    },
  };
}
