import type { Channel, Interaction } from '../interaction/interaction.types';
import type { ContactIdentity, IdentifierClaim } from './customer.types';

/** What identity resolution needs to know about who starts an interaction (a hub's `Subject`). */
export interface ContactSubject {
  readonly id: string;
  readonly name: string;
  /** Identifiers the authenticator vouches for or the channel gives (see `Subject.identifiers`). */
  readonly identifiers?: readonly IdentifierClaim[] | undefined;
}

/**
 * The identity of a new interaction's contact: the identifiers its subject carries (a signed token's, a channel's),
 * the pre-chat form's email and phone as **unverified** claims (anyone can type anything there), and the contact key
 * itself — verified when the subject carries nothing (a token the server issued) or something verified (a signed
 * visitor JWT, a carrier's number), unverified otherwise (an email's `From`, a caller id nobody vouches for).
 *
 * @example
 * ```ts
 * const identity = contactIdentity({ id: 'v_1', name: 'Ada' }, 'chat', { email: 'ada@example.com' });
 * // identity.identifiers: contact v_1 (verified), email ada@example.com (unverified, from the pre-chat form)
 * ```
 */
export function contactIdentity(
  subject: ContactSubject,
  channel: Channel,
  prechat: Readonly<Record<string, string>> = {},
): ContactIdentity {
  const carried = subject.identifiers ?? [];
  const claims: IdentifierClaim[] = [
    {
      kind: 'contact',
      value: subject.id,
      verified: carried.length === 0 || carried.some((c) => c.verified),
      source: 'token',
    },
    ...carried,
  ];
  const has = (kind: IdentifierClaim['kind'], value: string) =>
    claims.some((c) => c.kind === kind && c.value.toLowerCase() === value.toLowerCase());
  for (const kind of ['email', 'phone'] as const) {
    const typed = prechat[kind]?.trim();
    if (typed && !has(kind, typed)) claims.push({ kind, value: typed, verified: false, source: 'prechat' });
  }
  // A vouched-for subject's name is the token's; an anonymous one is "Visitor", so the pre-chat answer says more.
  const displayName = (carried.length > 0 ? subject.name : (prechat.name ?? subject.name)).trim();
  return { contactId: subject.id, channel, identifiers: claims, ...(displayName ? { displayName } : {}) };
}

/**
 * The identity of an interaction stored before customers were resolved (or whose resolution failed): its contact key
 * only, unverified for the keys of channels that prove nothing (an email address, a caller id).
 */
export function storedContactIdentity(interaction: Interaction): ContactIdentity {
  const key = interaction.customer.id;
  // The same rule as migration 14's backfill: `email:` keys come from a From header, `tel_` keys from a caller id.
  const verified = !key.startsWith('email:') && !key.startsWith('tel_');
  return {
    contactId: key,
    channel: interaction.channel,
    identifiers: [{ kind: 'contact', value: key, verified, source: 'backfill' }],
    ...(interaction.customer.name ? { displayName: interaction.customer.name } : {}),
  };
}
