import * as v from 'valibot';
import { conversationEventSchema, interactionSchema, wireCallSchema } from './protocol.schemas';

export const started = v.object({ cid: v.string(), interaction: interactionSchema });
export const empty = v.object({});
const call = v.object({ call: wireCallSchema });
/** One event of a conversation's history, with its place in the log. */
export const historyEvent = v.object({ seq: v.number(), at: v.number(), ev: conversationEventSchema });

/** What the `ack.result` of each command a visitor sends holds: a visitor's connection validates only these. */
export const visitorResultSchemas = {
  'chat.start': started,
  'callback.request': started,
  'callback.cancel': empty,
  'offline.leave': started,
  'voicemail.start': started,
  'voicemail.send': v.object({ interaction: interactionSchema }),
  'csat.submit': empty,
  /** Nothing: the address is stored as the visitor sent it, so they know where replies go. */
  'conversation.email': empty,
  'conversation.list': v.object({ interactions: v.array(interactionSchema) }),
  'message.send': v.object({ seq: v.number(), messageId: v.string(), at: v.number() }),
  typing: empty,
  read: empty,
  history: v.object({ events: v.array(historyEvent), lastSeq: v.number() }),
  'chat.end': empty,
  'callback.reschedule': v.object({ interaction: interactionSchema }),
  'call.start': call,
  'call.answer': call,
  'call.hangup': call,
  'call.hold': call,
  'call.resume': call,
  'call.media': empty,
  'call.signal': empty,
  /** No `call` when the interaction never had one. */
  'call.attach': v.object({ call: v.optional(wireCallSchema) }),
} as const;
