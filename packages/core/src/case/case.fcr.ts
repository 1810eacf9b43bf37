import type { CaseSnapshot } from './case.types';

/** First-contact resolution over a set of cases: how many were solved, and how many of those at first contact. */
export interface FirstContactResolution {
  /** Cases solved (or closed after solving). */
  readonly solved: number;
  /** Of those, solved at first contact: one contact at most and never reopened. */
  readonly firstContact: number;
  /** `firstContact / solved`, or `undefined` when nothing was solved. */
  readonly rate: number | undefined;
}

/**
 * Whether a case was solved at first contact: it is solved or closed, the customer never had to come back (one
 * contact at most: no second interaction linked, no answer after it was solved) and nobody reopened it.
 *
 * @example
 * ```ts
 * solvedAtFirstContact(kase); // true for a case solved on the chat it came from
 * ```
 */
export function solvedAtFirstContact(snapshot: CaseSnapshot): boolean {
  const done = snapshot.value === 'solved' || snapshot.value === 'closed';
  return done && snapshot.context.contacts <= 1 && snapshot.context.reopenCount === 0;
}

/**
 * First-contact resolution computed from cases (solved without a second contact), replacing the disposition's
 * `resolved` flag as a proxy.
 *
 * @example
 * ```ts
 * firstContactResolution(cases).rate; // 0.72
 * ```
 */
export function firstContactResolution(cases: Iterable<CaseSnapshot>): FirstContactResolution {
  let solved = 0;
  let firstContact = 0;
  for (const snapshot of cases) {
    if (snapshot.value !== 'solved' && snapshot.value !== 'closed') continue;
    solved += 1;
    if (solvedAtFirstContact(snapshot)) firstContact += 1;
  }
  return { solved, firstContact, rate: solved > 0 ? firstContact / solved : undefined };
}
