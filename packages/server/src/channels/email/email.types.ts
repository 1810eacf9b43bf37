// The email channel's own vocabulary: one parsed mail as the adapter's core sees it (before the hub), what kind of
// mail it is, and the status of a configured mailbox that the supervisor board shows.
import type { ChannelFile } from '../../attachments/attachments.channel';

/** An address with its display name (`"Ann" <ann@example.com>`); the name is text, never HTML. */
export interface EmailAddress {
  readonly address: string;
  readonly name?: string | undefined;
}

/**
 * What a mail is, for loop prevention: only a `message` from a person starts or continues a conversation.
 *
 * - `message`: written by a person.
 * - `auto-reply`: out-of-office and other automatic answers (`Auto-Submitted`, `X-Autoreply`, a null sender).
 * - `bulk`: `Precedence: bulk | junk | list` — newsletters, mailing lists.
 * - `bounce`: a delivery status notification (`multipart/report; report-type=delivery-status`, or a mailer daemon's
 *   null-sender notice): one of our replies could not be delivered.
 */
export type EmailKind = 'message' | 'auto-reply' | 'bulk' | 'bounce';

/** One received mail, parsed and made safe: the email channel's normalized object, testable without a hub. */
export interface ParsedEmail {
  /** The `Message-ID` with its angle brackets; a stable hash of the source when the mail has none. */
  readonly messageId: string;
  /** `In-Reply-To`'s first id, with angle brackets. */
  readonly inReplyTo?: string | undefined;
  /** `References`, oldest first, with angle brackets. */
  readonly references: readonly string[];
  /** The `From` address (absent in some DSNs). */
  readonly from?: EmailAddress | undefined;
  /** Every recipient it names (`To`, `Cc`, `Delivered-To`, `X-Original-To`), lower-cased: finds the reply token. */
  readonly recipients: readonly string[];
  readonly subject: string;
  /** The new part of the mail as plain text (HTML converted to text, quoted history taken out). */
  readonly text: string;
  /** The quoted history (`On … wrote:` and what follows), as plain text; empty when there is none. */
  readonly quoted: string;
  /** When it was sent (its `Date`), epoch ms; NaN when absent or unreadable. */
  readonly sentAt: number;
  readonly kind: EmailKind;
  /** Why it got its kind (the header that decided), for the log. */
  readonly kindReason: string;
  /** A bounce only: the `Message-ID`s of the mails it returns (ours among them are marked failed). */
  readonly bouncedMessageIds: readonly string[];
  /** A bounce only: the reason the remote server gave (`Status`, `Diagnostic-Code`), as text. */
  readonly bounceDetail?: string | undefined;
  /** The files attached to the mail (MIME parts mailparser found), decoded; kept through the attachment store. */
  readonly files: readonly ChannelFile[];
}

/** Why a mailbox is not connected: wrong credentials, the server unreachable, or a refusal while taking a mail in. */
export type MailboxProblem = 'authentication' | 'unreachable' | 'protocol' | 'intake';

/**
 * The state of one configured mailbox, as the supervisor board shows it. `connected`: reading (IDLE between
 * mails); `retrying`: the last attempt failed (`problem`, `error`), the next is at `retryAt`; `stopped`: the server is
 * shutting down. Mail that arrives while a mailbox fails stays on the IMAP server and is read when it recovers.
 */
export interface MailboxStatus {
  /** The mailbox's id in the configuration. */
  readonly mailbox: string;
  /** Its address (`support@shop.example`). */
  readonly address: string;
  readonly state: 'connecting' | 'connected' | 'retrying' | 'stopped';
  readonly problem?: MailboxProblem | undefined;
  /** The last failure's message (no password in it), for staff. */
  readonly error?: string | undefined;
  /** Failed attempts in a row (0 once connected). */
  readonly failures: number;
  /** When the next attempt starts (epoch ms), while `retrying`. */
  readonly retryAt?: number | undefined;
  /** When the mailbox last finished reading everything new (epoch ms). */
  readonly lastSyncAt?: number | undefined;
  /** Mails taken in since the server started. */
  readonly received: number;
}
