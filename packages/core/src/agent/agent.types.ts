import type { Channel } from '../interaction/interaction.types';

/** Agent presence. `busy` is not a presence: it is derived from capacity in use. */
export type PresenceStatus = 'offline' | 'available' | 'away';

/** Standard reason codes for `away`; sites may add their own. */
export type AwayReason =
  | 'break'
  | 'lunch'
  | 'meeting'
  | 'training'
  | 'missed-offers'
  | 'supervisor'
  | (string & {});

/**
 * How many interactions of each channel an agent may hold at once. On the messaging channels only conversations the
 * agent is working on count (`offered`, `active`): those waiting for the customer (`pending`) or snoozed stay assigned
 * to the agent but hold no capacity (see docs/channels.md).
 */
export interface ChannelCapacity {
  readonly chat: number;
  readonly voice: number;
  readonly callback: number;
  readonly 'offline-message': number;
  readonly voicemail: number;
  readonly email: number;
  readonly sms: number;
  readonly whatsapp: number;
  readonly messenger: number;
  /** When true, an active call blocks new chat offers. */
  readonly voiceBlocksChat: boolean;
}

/**
 * Default capacity: one call, three chats, one callback, five offline messages, five voicemails, eight emails, five conversations on
 * each messaging app (SMS, WhatsApp, Messenger); a call blocks chats (and nothing else: written conversations wait).
 */
export const DEFAULT_CAPACITY: ChannelCapacity = {
  chat: 3,
  voice: 1,
  callback: 1,
  'offline-message': 5,
  voicemail: 5,
  email: 8,
  sms: 5,
  whatsapp: 5,
  messenger: 5,
  voiceBlocksChat: true,
};

/** An agent's profile: who they are and what they can handle. */
export interface Agent {
  readonly id: string;
  readonly displayName: string;
  /** Skill name → level 1 (basic) to 10 (expert). */
  readonly skills: Readonly<Record<string, number>>;
  /** BCP 47 languages the agent speaks. */
  readonly languages: readonly string[];
  readonly capacity: ChannelCapacity;
  /** Queues the agent works; an empty list means every queue. */
  readonly queueIds: readonly string[];
  readonly role: 'agent' | 'supervisor';
  /**
   * Queues this agent leads as a team leader (docs/cases.md, "Escalation"): escalations of those queues are offered to
   * them, and they may take the work over or hand it back. Absent or empty: not a team leader. Agents only.
   */
  readonly leads?: readonly string[] | undefined;
}

/** Interactions currently held per channel. */
export type ChannelLoad = Readonly<Record<Channel, number>>;

/** An empty load. */
export const EMPTY_LOAD: ChannelLoad = {
  chat: 0,
  voice: 0,
  callback: 0,
  'offline-message': 0,
  voicemail: 0,
  email: 0,
  sms: 0,
  whatsapp: 0,
  messenger: 0,
};

/** True when the agent can take one more interaction on `channel` given the current load. */
export function hasCapacity(capacity: ChannelCapacity, load: ChannelLoad, channel: Channel): boolean {
  if (load[channel] >= capacity[channel]) return false;
  if (channel === 'chat' && capacity.voiceBlocksChat && load.voice > 0) return false;
  return true;
}

/** True when the agent holds at least one interaction (the derived `busy`). */
export function isBusy(load: ChannelLoad): boolean {
  return Object.values(load).some((held) => held > 0);
}
