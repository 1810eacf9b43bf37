import * as v from 'valibot';
import { conversationEventSchema, interactionSchema } from './protocol.schemas';

const started = v.looseObject({ cid: v.string(), interaction: interactionSchema });
const empty = v.looseObject({});
const historyEvent = v.looseObject({ seq: v.number(), at: v.number(), ev: conversationEventSchema });

/** What each command's `ack.result` holds. Clients validate it before use. */
export const commandResultSchemas = {
  'chat.start': started,
  'callback.request': started,
  'callback.cancel': empty,
  'offline.leave': started,
  'csat.submit': empty,
  'conversation.list': v.looseObject({ interactions: v.array(interactionSchema) }),
  'message.send': v.looseObject({ seq: v.number(), messageId: v.string(), at: v.number() }),
  typing: empty,
  read: empty,
  history: v.looseObject({ events: v.array(historyEvent), lastSeq: v.number() }),
  'chat.end': empty,
  'presence.set': v.looseObject({ status: v.string(), reason: v.optional(v.string()) }),
  'offer.accept': v.looseObject({ interaction: interactionSchema }),
  'offer.reject': empty,
  'wrapup.submit': empty,
  transfer: empty,
  'agent.snapshot': v.looseObject({
    status: v.string(),
    reason: v.optional(v.string()),
    interactions: v.array(interactionSchema),
    offers: v.array(v.looseObject({ interaction: interactionSchema, expiresAt: v.number() })),
  }),
} as const;
