import { isHelplineError, messagingFailure } from '@helpline/core';
import { createWebhookVerifier, type WebhookVerifierOptions } from '../../vonage/vonage.signature';

/** Checks the Messages API's signed webhooks. */
export interface MessagesWebhookVerifier {
  /**
   * Verifies `Authorization: Bearer <jwt>` as Vonage signs Messages webhooks — the same scheme as voice: HS256 with
   * the signature secret, recent `iat`, unseen `jti`, our application id, `payload_hash` = SHA-256 of the body.
   * Throws `messaging/webhook-refused` (answered 401) otherwise.
   */
  verify(authorization: string | undefined, body: Buffer): Promise<void>;
}

/** Creates a verifier with its own replay cache; the checks are voice's (vonage.signature.ts), the error ours. */
export function createMessagesWebhookVerifier(options: WebhookVerifierOptions): MessagesWebhookVerifier {
  const inner = createWebhookVerifier(options);
  return {
    async verify(authorization, body) {
      try {
        await inner.verify(authorization, body);
      } catch (error) {
        if (!isHelplineError(error)) throw error;
        // Voice's message ends with its detail: "The Vonage webhook was refused: expired."
        const detail = /refused: (.*)\.$/.exec(error.message)?.[1] ?? 'signature does not verify';
        throw messagingFailure('messaging/webhook-refused', { detail }, { cause: error });
      }
    },
  };
}
