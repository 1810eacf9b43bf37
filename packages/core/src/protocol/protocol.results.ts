import * as v from 'valibot';
import { conversationEventSchema, interactionSchema } from './protocol.schemas';

const started = v.object({ cid: v.string(), interaction: interactionSchema });
const empty = v.object({});
const historyEvent = v.object({ seq: v.number(), at: v.number(), ev: conversationEventSchema });

/** What each command's `ack.result` holds. Clients validate it before use. */
export const commandResultSchemas = {
  'chat.start': started,
  'callback.request': started,
  'callback.cancel': empty,
  'offline.leave': started,
  'csat.submit': empty,
  'conversation.list': v.object({ interactions: v.array(interactionSchema) }),
  'message.send': v.object({ seq: v.number(), messageId: v.string(), at: v.number() }),
  typing: empty,
  read: empty,
  history: v.object({ events: v.array(historyEvent), lastSeq: v.number() }),
  'chat.end': empty,
  'presence.set': v.object({ status: v.string(), reason: v.optional(v.string()) }),
  'offer.accept': v.object({ interaction: interactionSchema }),
  'offer.reject': empty,
  'wrapup.submit': empty,
  transfer: empty,
  'callback.outcome': empty,
  'agent.snapshot': v.object({
    status: v.string(),
    reason: v.optional(v.string()),
    interactions: v.array(interactionSchema),
    offers: v.array(v.object({ interaction: interactionSchema, expiresAt: v.number() })),
  }),
} as const;
