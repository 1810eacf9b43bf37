import type { Channel } from '../interaction/interaction.types';

/**
 * What an identifier of a customer is:
 *
 * - `contact`: the key a channel gives one contact (a visitor token's subject, a caller's number hash, a channel
 *   address id): every interaction has one, so even an anonymous visitor's chats meet in one history;
 * - `web`: the subject of a host site's signed visitor JWT (always verified);
 * - `email`, `phone` (E.164): addresses, verified or not depending on who vouches for them;
 * - `whatsapp`, `messenger`, `sms`: a messaging channel's own id of the person (a number, a page-scoped id).
 */
export type IdentifierKind = 'contact' | 'web' | 'email' | 'phone' | 'whatsapp' | 'messenger' | 'sms';

/** Every identifier kind, for schemas, SQL checks and tests. */
export const IDENTIFIER_KINDS: readonly IdentifierKind[] = [
  'contact',
  'web',
  'email',
  'phone',
  'whatsapp',
  'messenger',
  'sms',
];

/**
 * Who vouched for an identifier: a host's signed visitor token, the visitor's own pre-chat answers, an email's
 * `From` header, a carrier or Vonage's signed webhook, the caller id of a phone call, a backfill of older
 * interactions, or staff (a split names the identifiers it moves).
 */
export type IdentifierSource =
  | 'token'
  | 'prechat'
  | 'email-from'
  | 'carrier'
  | 'caller-id'
  | 'backfill'
  | 'staff';

/**
 * One identifier a contact claims. Only a **verified** one may merge customers automatically: an email typed into a
 * pre-chat form or a `From` header can be anyone's, a signed token or a carrier's signed webhook cannot.
 */
export interface IdentifierClaim {
  readonly kind: IdentifierKind;
  /** As the channel gave it; the directory normalises it (emails lower-cased, phone numbers to E.164). */
  readonly value: string;
  readonly verified: boolean;
  readonly source: IdentifierSource;
}

/** Who a new interaction's customer is, as far as its channel can tell: what the hub resolves a customer from. */
export interface ContactIdentity {
  /** The interaction's own customer key (`interaction.customer.id`). */
  readonly contactId: string;
  /** The name the contact gave or the token carries, for a customer record made from it. */
  readonly displayName?: string | undefined;
  readonly channel: Channel;
  /** Every identifier of the contact, the `contact` key included. */
  readonly identifiers: readonly IdentifierClaim[];
}

/** Who changes customer records: a member of staff, or the hub itself (an automatic merge). */
export interface CustomerActor {
  readonly id: string;
  readonly role: 'agent' | 'supervisor' | 'system';
}

/** A customer record as the directory keeps it, before the hub turns it into what travels. */
export interface CustomerRow {
  readonly id: string;
  readonly displayName?: string | undefined;
  readonly createdAt: number;
  readonly mergedInto?: string | undefined;
  readonly identifiers: readonly {
    readonly id: string;
    readonly kind: IdentifierKind;
    readonly value: string;
    readonly verified: boolean;
    readonly source: string;
    readonly createdAt: number;
  }[];
  /** Channels of the customer's interactions, most recent first. */
  readonly channels: readonly Channel[];
  readonly crm?: { readonly id: string; readonly url?: string | undefined } | undefined;
}

/** An open suggestion to merge two customers. */
export interface SuggestionRow {
  readonly id: string;
  readonly customerId: string;
  readonly otherId: string;
  readonly reason: string;
  readonly createdAt: number;
}

/** One audit entry. */
export interface AuditRow {
  readonly at: number;
  readonly actorId: string;
  readonly actorRole: string;
  readonly action: 'merge' | 'auto-merge' | 'split' | 'dismiss';
  readonly customerId: string;
  readonly otherId?: string | undefined;
  readonly identifiers: readonly string[];
  readonly interactions: readonly string[];
  readonly reason?: string | undefined;
}

/**
 * Where customer records live: the server keeps them in PGlite or PostgreSQL (`createSqlCustomerDirectory` in
 * `@helpline/server`). Every method that changes records is one transaction. The rules (which identifier merges what)
 * are the directory's, documented in docs/customers.md; the hub decides who may ask.
 */
export interface CustomerDirectory {
  /**
   * Resolves the customer of a new interaction from its contact's identifiers and links the interaction to it.
   * Idempotent: an interaction already linked keeps its customer.
   */
  link(interactionId: string, identity: ContactIdentity, at: number): Promise<string>;
  /** The customer an interaction is linked to, if any. */
  customerOfInteraction(interactionId: string): Promise<string | undefined>;
  /** A customer by id, following merges to the record that holds it now. */
  get(customerId: string): Promise<CustomerRow | undefined>;
  /** The ids of the customer's interactions, newest first, at most `limit`. */
  interactionIds(customerId: string, limit: number): Promise<string[]>;
  /** The queues of the customer's interactions (authorization of agents). */
  queuesOf(customerId: string): Promise<string[]>;
  /**
   * Customers whose name, email or phone starts with `query`; with `queueIds` (an agent's queues), only those with an
   * interaction in one of them.
   */
  search(query: string, limit: number, queueIds?: readonly string[]): Promise<CustomerRow[]>;
  /** Open suggestions involving `customerId`, or all of them (limited) when it is undefined. */
  suggestions(customerId: string | undefined, queueIds?: readonly string[]): Promise<SuggestionRow[]>;
  /** Merges `sourceId` into `targetId`; throws `not-found` or `conflict/state` (a customer already merged). */
  merge(
    targetId: string,
    sourceId: string,
    actor: CustomerActor,
    suggestionId: string | undefined,
    at: number,
  ): Promise<CustomerRow>;
  /** Dismisses an open suggestion. */
  dismiss(suggestionId: string, actor: CustomerActor, at: number): Promise<SuggestionRow>;
  /** A suggestion by id, open or not. */
  suggestion(suggestionId: string): Promise<SuggestionRow | undefined>;
  /**
   * Moves identifiers and interactions of `customerId` to a new customer. Throws `validation/field` when one named
   * is not the customer's or nothing is named.
   */
  split(
    customerId: string,
    move: { readonly identifierIds: readonly string[]; readonly interactionIds: readonly string[] },
    displayName: string | undefined,
    actor: CustomerActor,
    at: number,
  ): Promise<{ readonly customer: CustomerRow; readonly remaining: CustomerRow }>;
  /** The audit trail of a customer, newest first. */
  audit(customerId: string): Promise<AuditRow[]>;
}
