import * as v from 'valibot';
import { storableText } from './protocol.inputs';
import { epochMs, id } from './protocol.primitives';
import { callSignalSchema } from './protocol.signal';

// Supervisor legs (docs/voice.md, "Supervisor monitor, whisper and barge"): a supervisor monitors, whispers to or
// barges into a live call, or silently monitors a chat and sends the agent private notes. Staff only: a visitor's
// bundle never imports this module, and nothing here ever reaches a visitor (notes are notices to the agent, never
// events of the conversation's log).

/** The modes a supervisor can ask for. */
export const SUPERVISION_MODE_NAMES = ['monitoring', 'whispering', 'barging'] as const;

/** Every state of a supervision leg (see `supervisionMachine`). */
export const SUPERVISION_STATE_NAMES = ['idle', 'monitoring', 'whispering', 'barging', 'ended'] as const;

/** How long a private note to the agent may be. */
export const SUPERVISION_NOTE_MAX = 1_000;

const mode = v.picklist(SUPERVISION_MODE_NAMES);

/** A supervision leg as staff see it. */
export const supervisionLegSchema = v.object({
  legId: id,
  /** The interaction watched. */
  cid: id,
  /** The call listened to (call legs). */
  callId: v.optional(id),
  target: v.picklist(['call', 'chat']),
  /** How the supervisor's audio travels: through the agent's browser (`webrtc`), a Vonage leg, or none (chat). */
  media: v.picklist(['webrtc', 'vonage', 'none']),
  supervisorId: id,
  /** The agent of the interaction when the leg started. */
  agentId: id,
  state: v.picklist(SUPERVISION_STATE_NAMES),
  /** Whether the agent's console shows the leg (`monitoring.notifyAgent`). */
  agentNotified: v.boolean(),
  createdAt: epochMs,
  joinedAt: v.optional(epochMs),
  modeSince: v.optional(epochMs),
  endedAt: v.optional(epochMs),
  endReason: v.optional(v.picklist(['stopped', 'interaction-ended', 'failed', 'replaced'])),
});

/** A private note from the supervisor to the agent of a watched interaction. */
export const supervisionNoteSchema = v.object({
  id,
  legId: id,
  cid: id,
  supervisorId: id,
  text: v.pipe(v.string(), v.maxLength(SUPERVISION_NOTE_MAX)),
  at: epochMs,
});

/** One entry of the supervision audit log. */
export const supervisionAuditEntrySchema = v.object({
  legId: id,
  cid: id,
  supervisorId: id,
  agentId: id,
  /** `start` (with its mode), `mode` (a switch), `note`, `end` (with its reason). */
  action: v.picklist(['start', 'mode', 'note', 'end']),
  mode: v.optional(mode),
  endReason: v.optional(v.picklist(['stopped', 'interaction-ended', 'failed', 'replaced'])),
  at: epochMs,
});

/** The arguments of the supervision commands (merged into the command schemas). */
export const supervisionCommandSchemas = {
  /**
   * A supervisor joins a live interaction: its call in `mode`, or its chat (`monitoring` only). Refused to everyone
   * but supervisors (`auth/forbidden`). A supervisor has one leg per interaction: starting again replaces it.
   */
  'supervision.start': v.strictObject({ cid: id, mode }),
  /** Switches the supervisor's own leg on the interaction to another mode (no renegotiation on browser calls). */
  'supervision.mode': v.strictObject({ cid: id, mode }),
  /** The supervisor leaves the interaction. */
  'supervision.stop': v.strictObject({ cid: id }),
  /**
   * Relays a WebRTC signaling message of a browser call's supervisor leg `legId` between the supervisor and the
   * agent's browser (which mixes the call for the supervisor).
   */
  'supervision.signal': v.strictObject({ cid: id, legId: id, signal: callSignalSchema('send') }),
  /** A private note to the interaction's agent: a notice to the agent only, never an event of the conversation. */
  'supervision.note': v.strictObject({
    cid: id,
    text: v.pipe(storableText(SUPERVISION_NOTE_MAX), v.trim(), v.minLength(1)),
  }),
  /** Live legs: a supervisor's own, or the legs an agent's browser carries or is told of (after a reload). */
  'supervision.list': v.strictObject({}),
  /** The supervision audit log, newest first: every start, switch, note and end (supervisors). */
  'supervision.audit': v.strictObject({
    cid: v.optional(id),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  }),
};

/** The results of the supervision commands (merged into the staff results). */
export const supervisionResultSchemas = {
  'supervision.start': v.object({ leg: supervisionLegSchema }),
  'supervision.mode': v.object({ leg: supervisionLegSchema }),
  'supervision.stop': v.object({ leg: supervisionLegSchema }),
  'supervision.signal': v.object({}),
  'supervision.note': v.object({ note: supervisionNoteSchema }),
  'supervision.list': v.object({ legs: v.array(supervisionLegSchema) }),
  'supervision.audit': v.object({ entries: v.array(supervisionAuditEntrySchema) }),
};

/** The supervision notices (staff only). */
export const supervisionNoticeSchemas = [
  /** A leg changed: to its supervisor, and to the agent whose browser carries it or who is told of it. */
  v.object({ type: v.literal('supervision'), leg: supervisionLegSchema }),
  /** Signaling of a browser call's supervisor leg, from the other end (`agent` or `supervisor`). */
  v.object({
    type: v.literal('supervision.signal'),
    legId: id,
    from: v.picklist(['agent', 'supervisor']),
    signal: callSignalSchema('receive'),
  }),
  /** A private note from a supervisor: to the agent only. */
  v.object({ type: v.literal('supervision.note'), note: supervisionNoteSchema }),
] as const;
