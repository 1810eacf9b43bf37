import type { AttachmentRef } from './attachment.types';

/** What a message send asks of the attachments it names (see {@link AttachmentClaims}). */
export interface AttachmentClaim {
  /** The conversation the message is written in. */
  readonly cid: string;
  /** Who sends the message: only the uploader may send an attachment. */
  readonly senderId: string;
  /** The message's `clientMsgId`: a retried send claims the same attachments again, and that is not a conflict. */
  readonly clientMsgId: string;
  /** The attachment ids, in the order the message lists them. */
  readonly ids: readonly string[];
}

/**
 * The hub's port to attachment storage: a message that names attachments claims them before it is stored. A claim
 * succeeds only for complete uploads of the sender in the same conversation that no other message holds; it binds
 * them to the message for good and answers the stored facts (the server's type and size, not the client's). Any
 * other attachment refuses the whole message with a typed error (`not-found`, `attachment/incomplete`,
 * `conflict/state`). `@helpline/server` implements it over its attachment store; without it, a message with
 * attachments is refused with `attachment/disabled`.
 *
 * @example
 * ```ts
 * const hub = createHub({ queues, agents, authenticate, storage, attachments: store.claims });
 * ```
 */
export interface AttachmentClaims {
  claim(claim: AttachmentClaim): Promise<readonly AttachmentRef[]>;
}
