import * as v from 'valibot';
import { IDENTIFIER_KINDS } from '../customer/customer.types';
import { channel, id } from './protocol.primitives';

// Customer records as they travel to staff (the agent console and the supervisor area): a visitor's bundle never
// imports this module. A customer gathers every identifier of one person; only verified identifiers merge customers
// on their own, anything else becomes a suggestion a person decides on (docs/customers.md).

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** One identifier of a customer, normalised (emails lower-cased, phone numbers E.164). */
export const customerIdentifierSchema = v.object({
  id,
  kind: v.picklist(IDENTIFIER_KINDS),
  value: text(320),
  verified: v.boolean(),
  source: text(32),
  createdAt: v.number(),
});

/** A customer record: its identifiers, and the host CRM's own record of the person when a resolver found it. */
export const customerRecordSchema = v.object({
  id,
  displayName: v.optional(text(200)),
  createdAt: v.number(),
  identifiers: v.array(customerIdentifierSchema),
  /** Channels the customer reached us on, most recent first. */
  channels: v.array(channel),
  /** The host CRM's id and page of this person (see `customers.resolve` in docs/customers.md). */
  crm: v.optional(v.object({ id: text(200), url: v.optional(text(2_000)) })),
});

/** Two customers that share an identifier one of them has not proven: a person decides whether they are one. */
export const customerSuggestionSchema = v.object({
  id,
  customerId: id,
  otherId: id,
  /** The shared identifier, `kind:value`. */
  reason: text(400),
  createdAt: v.number(),
});

/** One change of customer records, as the audit trail keeps it. */
export const customerAuditSchema = v.object({
  at: v.number(),
  actorId: text(200),
  actorRole: text(32),
  action: v.picklist(['merge', 'auto-merge', 'split', 'dismiss']),
  customerId: id,
  otherId: v.optional(id),
  identifiers: v.array(text(400)),
  interactions: v.array(text(200)),
  reason: v.optional(text(400)),
});
