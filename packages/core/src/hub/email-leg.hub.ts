import { helplineError } from '../protocol/errors';
import { messagingFailure } from '../protocol/errors.messaging';
import type { ConversationEvent } from '../protocol/protocol.types';
import { tokenize, toPlainText } from '../render/render';
import type { ChannelOutbound, ChannelsOptions, OutboundMessage } from './channels.types';
import type { ConversationLog, InteractionStepped } from './conversation.log';
import type { CommandHandlers } from './dispatch';
import { emailLegTexts } from './email-leg.texts';
import type { HubClock, HubStorage, StoredEvent, Subject } from './hub.types';
import type { LiveInteractions } from './interactions.hub';
import { type Live, phaseOfLive } from './live';
import type { TimerGroup } from './timers.hub';

// "Continue by email": a chat's visitor gives an address, and once they have left (no socket for a grace period, or
// the chat ended while they were away) the agent's replies they have not seen go to that address through the email
// channel's outbound — first a transcript of the chat so far, then each new reply, all in one mail thread. The
// customer's answer by mail comes back through the email intake on the thread key recorded here and joins the same
// chat (channels.hub.ts). The chat stays a chat with an email leg: its queue, agent, KPIs and history are unchanged.
// The address is an unverified claim — a delivery address for this conversation, never an identity: it is not put on
// the customer, so it cannot join the visitor to anyone's history.

/** The email leg of one chat, as storage keeps it (`HubStorage.saveEmailLeg`). */
export interface EmailLeg {
  /** The chat (interaction id). */
  readonly cid: string;
  /** Where its mail goes: what the visitor gave, unverified. */
  readonly address: string;
  /** The thread key of its mails, `chat:<cid>` (the email channel's thread, recorded with the chat). */
  readonly threadKey: string;
  /** When the visitor gave the address (epoch ms). */
  readonly setAt: number;
  /** The last `seq` mailed; 0 until the first mail, which is the transcript. */
  readonly mailedThrough: number;
  /**
   * Since when the visitor has had no socket (epoch ms), unset while they are here. Kept with the leg so that a
   * restart, or another instance taking over, still mails them once the grace period is over.
   */
  readonly awaySince?: number | undefined;
  /** The last `seq` the visitor could have seen when they left (nothing up to it is mailed but the transcript). */
  readonly seenThrough?: number | undefined;
}

/** The thread key of a chat's email leg. */
export const emailLegThreadKey = (cid: string): string => `chat:${cid}`;

/** What the email legs need from the hub. */
export interface EmailLegHubDeps {
  readonly clock: HubClock;
  readonly storage: Pick<HubStorage, 'events' | 'lastSeq' | 'emailLeg' | 'saveEmailLeg'>;
  /** The channels' options: the email outbound, and our addresses by queue (the sender of the mails). */
  readonly channels: ChannelsOptions;
  /** The interaction `op` acts on, once the access rules allow `subject` to run it there. */
  readonly getLive: (
    subject: Subject,
    cid: string,
    op: 'conversation.email',
    operation: string,
  ) => Promise<Live>;
  /** The interactions held in memory: one by id, and a customer's. */
  readonly live: Pick<LiveInteractions, 'get' | 'ofCustomer'>;
  readonly serialized: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'addEvent' | 'commit'>;
  /** True while the subject has a socket. */
  readonly isOnline: (subjectId: string) => boolean;
  /** The grace timers (keyed by chat). */
  readonly timers: TimerGroup;
  /** How long a visitor may be gone (a reload, a lost link) before replies go by mail. */
  readonly graceMs: number;
  readonly reportFailure: (what: string, error: unknown) => void;
}

/** The email legs of a hub: the `conversation.email` command and the mailing of replies once the visitor left. */
export interface EmailLegHub {
  readonly handlers: CommandHandlers<'conversation.email'>;
  /** Hears every committed step: an agent's reply, or the end of the chat, may need mailing. */
  stepped(stepped: InteractionStepped): void;
  /** Hears an event appended outside a step (a chat message): an agent's reply may need mailing. */
  appended(stored: StoredEvent): void;
  /** A subject's last socket closed: their chats with an email leg wait out the grace period. */
  visitorLeft(subjectId: string): void;
  /** A subject connected: nothing of theirs is mailed while they are here. */
  visitorReturned(subjectId: string): void;
  /**
   * A chat taken over after a restart (or by a new leader): if its visitor was away, the grace period goes on from
   * when they left, as storage recorded it.
   */
  restored(current: Live): Promise<void>;
}

/** A chat whose visitor is away: what they had seen when they left, and whether mailing has begun. */
interface Away {
  readonly seenThrough: number;
  mailing: boolean;
}

/** Our address that mails a chat of `queueId`: the address that feeds its queue, else the first configured one. */
function senderFor(channels: ChannelsOptions, queueId: string): string | undefined {
  const entries = Object.entries(channels.addresses ?? {});
  return (entries.find(([, queue]) => queue === queueId) ?? entries[0])?.[0];
}

/** A message as the mail shows it: the renderer's plain text (links with their targets), files by name. */
function plainText(ev: Extract<ConversationEvent, { type: 'message' }>): string {
  const files = (ev.attachments ?? []).map((file) => `[${file.name}]`);
  return [toPlainText(tokenize(ev.text), { linkTargets: true }), ...files].filter(Boolean).join(' ');
}

/** The language the visitor chatted in: what the widget started the chat with, else the customer's. */
const languageOf = ({ interaction }: Live) => interaction.language ?? interaction.customer.language;

const stamp = (at: number) => `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The transcript of a chat as the first mail of its email leg: plain text, one paragraph per message, through the
 * renderer's text path (never HTML), introduced in the visitor's `language` (English unless shipped).
 */
export function emailTranscript(events: readonly StoredEvent[], language?: string): string {
  const lines = [emailLegTexts(language).transcriptIntro, ''];
  for (const { at, ev } of events) {
    if (ev.type !== 'message') continue;
    lines.push(`[${stamp(at)}] ${ev.from.name}:`, plainText(ev), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Creates the email legs of a hub.
 *
 * @example
 * ```ts
 * const legs = createEmailLegHub({ clock, storage, channels, getLive, live, serialized, log, isOnline, … });
 * conversationLog.subscribe(legs.stepped);
 * ```
 */
export function createEmailLegHub(deps: EmailLegHubDeps): EmailLegHub {
  const { clock, storage, serialized } = deps;
  const outbound = (): ChannelOutbound | undefined => deps.channels.outbound?.email;
  /** Legs by chat: storage keeps them too (a restart), memory is the fallback of a storage without them. */
  const legs = new Map<string, EmailLeg>();
  const away = new Map<string, Away>();

  async function legOf(cid: string): Promise<EmailLeg | undefined> {
    const known = legs.get(cid) ?? (await storage.emailLeg?.(cid));
    if (known) legs.set(cid, known);
    return known;
  }

  async function saveLeg(leg: EmailLeg): Promise<void> {
    await storage.saveEmailLeg?.(leg);
    legs.set(leg.cid, leg);
  }

  /** Every event of a conversation after `afterSeq`. */
  async function eventsOf(cid: string, afterSeq = 0): Promise<StoredEvent[]> {
    const all: StoredEvent[] = [];
    for (let after = afterSeq; ; ) {
      const page = await storage.events(cid, after, 500);
      all.push(...page);
      const last = page.at(-1);
      if (!last || page.length < 500) return all;
      after = last.seq;
    }
  }

  /** Keeps what the mail server said about a mail as a receipt on the message it carried (staff see it). */
  async function receipt(current: Live, seq: number, outcome: { externalId?: string; detail?: string }) {
    await serialized(current.interaction.id, async () => {
      const change = deps.log.changeOf(current);
      if (outcome.externalId !== undefined) {
        change.channel = { channel: 'email', externalIds: [{ externalId: outcome.externalId, index: 0 }] };
        deps.log.addEvent(change, { type: 'receipt', seq, status: 'sent', externalId: outcome.externalId });
      } else {
        deps.log.addEvent(change, { type: 'receipt', seq, status: 'failed', detail: outcome.detail ?? '' });
      }
      await deps.log.commit(current, change);
    });
  }

  /** Sends one mail of the leg and records it; a failure is a failed receipt, never a retry loop. */
  async function mail(current: Live, leg: EmailLeg, carried: StoredEvent, text: string, all: StoredEvent[]) {
    const send = outbound();
    const from = senderFor(deps.channels, current.interaction.queueId);
    if (!send || !from || carried.ev.type !== 'message') return;
    // The thread's mails, oldest first: the customer's (kept as `email:<Message-ID>`) and ours (on receipts).
    const references: string[] = [];
    for (const { ev } of all) {
      if (ev.type === 'message' && ev.clientMsgId.startsWith('email:'))
        references.push(ev.clientMsgId.slice(6));
      if (ev.type === 'receipt' && ev.externalId !== undefined) references.push(ev.externalId);
    }
    const agent = current.interaction.participants.findLast((p) => p.role === 'agent');
    const message: OutboundMessage = {
      channel: 'email',
      cid: current.interaction.id,
      seq: carried.seq,
      messageId: carried.ev.messageId,
      threadKey: leg.threadKey,
      from,
      to: { address: leg.address },
      subject: emailLegTexts(languageOf(current)).subject,
      text,
      agent: { id: agent?.id ?? carried.ev.from.id, displayName: agent?.displayName ?? carried.ev.from.name },
      references,
    };
    let outcome: { externalId?: string; detail?: string };
    try {
      outcome = { externalId: (await send.send(message)).externalId };
    } catch (error) {
      outcome = { detail: error instanceof Error ? error.message : String(error) };
    }
    await saveLeg({ ...leg, mailedThrough: carried.seq });
    await receipt(current, carried.seq, outcome);
  }

  /** Mails what the visitor has not seen, once they are away and mailing has begun: the transcript first. */
  function flush(cid: string): void {
    serialized(`email-leg\u0000${cid}`, async () => {
      const gone = away.get(cid);
      const current = deps.live.get(cid);
      const leg = await legOf(cid);
      if (!gone?.mailing || !current || !leg) return;
      const all = await eventsOf(cid);
      const unseen = all.filter(
        ({ seq, ev }) =>
          seq > Math.max(leg.mailedThrough, gone.seenThrough) &&
          ev.type === 'message' &&
          ev.from.role !== 'visitor',
      );
      const last = unseen.at(-1);
      if (!last) return;
      if (leg.mailedThrough === 0) {
        await mail(current, leg, last, emailTranscript(all, languageOf(current)), all);
        return;
      }
      let sent = leg;
      for (const reply of unseen) {
        if (reply.ev.type !== 'message') continue;
        await mail(current, sent, reply, plainText(reply.ev), await eventsOf(cid));
        sent = { ...sent, mailedThrough: reply.seq };
      }
    }).catch((error: unknown) => deps.reportFailure('email leg', error));
  }

  /** The chats of a visitor the hub holds. */
  const chatsOf = (subjectId: string) =>
    deps.live.ofCustomer(subjectId).filter((live) => live.interaction.channel === 'chat');

  /** The visitor of `cid` is away since `awaySince`: mailing begins once the grace period from then is over. */
  function awaitGrace(cid: string, gone: { readonly awaySince: number; readonly seenThrough: number }): void {
    away.set(cid, { seenThrough: gone.seenThrough, mailing: false });
    deps.timers.armAt(cid, gone.awaySince + deps.graceMs, () => startMailing(cid));
  }

  function startMailing(cid: string): void {
    const gone = away.get(cid);
    if (!gone) return;
    gone.mailing = true;
    flush(cid);
  }

  function appended({ cid, ev }: StoredEvent): void {
    if (away.get(cid)?.mailing && legs.has(cid) && ev.type === 'message' && ev.from.role !== 'visitor')
      flush(cid);
  }

  const handlers: EmailLegHub['handlers'] = {
    async 'conversation.email'(caller, args) {
      // Who may ask is checked first: nobody else learns whether this server mails.
      const current = await deps.getLive(caller.subject, args.cid, 'conversation.email', 'continue by email');
      if (!outbound() || !senderFor(deps.channels, '')) {
        throw messagingFailure('messaging/not-configured', { channel: 'email', sender: 'for chats' });
      }
      return serialized(args.cid, async () => {
        const { interaction, snapshot, lifecycle } = current;
        if (interaction.channel !== 'chat' || lifecycle.final.has(snapshot.value)) {
          throw helplineError('conflict/state', {
            operation: 'conversation.email',
            entity: interaction.channel,
            state: snapshot.value,
          });
        }
        const earlier = await legOf(args.cid);
        const leg: EmailLeg = {
          ...earlier,
          cid: args.cid,
          address: args.address,
          threadKey: emailLegThreadKey(args.cid),
          setAt: clock.now(),
          mailedThrough: earlier?.mailedThrough ?? 0,
        };
        await saveLeg(leg);
        // Staff see that replies may go by mail, and to which (unverified) address; the thread key is recorded with
        // the chat, so the customer's answer by mail finds it.
        const change = deps.log.changeOf(current);
        change.channel = { channel: 'email', threadKey: leg.threadKey };
        deps.log.addEvent(change, {
          type: 'note',
          text: `The visitor asked to continue by email at ${leg.address} (not verified): replies they miss are mailed there.`,
        });
        await deps.log.commit(current, change);
        return {};
      });
    },
  };

  return {
    handlers,
    stepped({ current, stored }) {
      const cid = current.interaction.id;
      if (current.interaction.channel !== 'chat' || !legs.has(cid)) return;
      // The chat ended (wrap-up or over) while its visitor was away: what they missed goes now, without waiting out
      // the grace.
      const phase = phaseOfLive(current);
      if ((phase === 'wrap-up' || phase === 'final') && away.has(cid)) {
        deps.timers.clear(cid);
        startMailing(cid);
        return;
      }
      for (const event of stored) appended(event);
    },
    appended,
    visitorLeft(subjectId) {
      for (const { interaction } of chatsOf(subjectId)) {
        const cid = interaction.id;
        serialized(`email-leg\u0000${cid}`, async () => {
          const leg = await legOf(cid);
          if (!leg || deps.isOnline(subjectId) || away.has(cid)) return;
          const gone = { awaySince: clock.now(), seenThrough: await storage.lastSeq(cid) };
          // Recorded before the timer is armed: whoever holds the chat after a restart finds the visitor away.
          await saveLeg({ ...((await legOf(cid)) ?? leg), ...gone });
          awaitGrace(cid, gone);
        }).catch((error: unknown) => deps.reportFailure('email leg', error));
      }
    },
    visitorReturned(subjectId) {
      for (const { interaction } of chatsOf(subjectId)) {
        const cid = interaction.id;
        deps.timers.clear(cid);
        away.delete(cid);
        serialized(`email-leg\u0000${cid}`, async () => {
          const leg = await legOf(cid);
          if (leg?.awaySince !== undefined && deps.isOnline(subjectId))
            await saveLeg({ ...leg, awaySince: undefined, seenThrough: undefined });
        }).catch((error: unknown) => deps.reportFailure('email leg', error));
      }
    },
    async restored(current) {
      const cid = current.interaction.id;
      if (current.interaction.channel !== 'chat') return;
      await serialized(`email-leg\u0000${cid}`, async () => {
        const leg = await legOf(cid);
        if (!leg || away.has(cid) || deps.isOnline(current.interaction.customer.id)) return;
        if (leg.awaySince !== undefined) {
          awaitGrace(cid, { awaySince: leg.awaySince, seenThrough: leg.seenThrough ?? 0 });
          return;
        }
        // The visitor was here when the last run stopped: the restart dropped their link, so they are away from now.
        const gone = { awaySince: clock.now(), seenThrough: await storage.lastSeq(cid) };
        await saveLeg({ ...leg, ...gone });
        awaitGrace(cid, gone);
      });
    },
  };
}
