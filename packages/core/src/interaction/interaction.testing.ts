// Test-only arbitraries shared by the property tests of the interaction machines (chat, callback, voice).
// Not exported from any index: nothing in a build imports this file.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EventArbitraries } from '../machine/machine.testing';
import type { AcwPolicy } from '../queue/queue.types';
import type { OfferEvent, WrapUpEvent } from './lifecycle';

/** Every ACW policy kind, timed ones from 0 to 120 s. */
export const acwPolicyArb: fc.Arbitrary<AcwPolicy> = fc.oneof(
  fc.constant<AcwPolicy>({ kind: 'none' }),
  fc.constant<AcwPolicy>({ kind: 'optional' }),
  fc.constant<AcwPolicy>({ kind: 'required' }),
  fc.integer({ min: 0, max: 120 }).map((seconds): AcwPolicy => ({ kind: 'timed', seconds })),
);

// Times are relative here: the sequence generators put every event on a clock (see machine/machine.testing.ts).
/** The `at` of a generated event, before the sequence generator puts it on its clock. */
export const atArb = fc.constant(0);

const agentArb = fc.constantFrom('a1', 'a2', '');
// Blank and whitespace-only texts probe the disposition rule, which trims.
const textArb = fc.option(fc.constantFrom('', ' ', 'resolved', 'refund'), { nil: undefined });

/** The offer events with arbitrary agents (some blank); `expiresAt` is relative, see {@link retimeOffer}. */
export const offerEventArbs: EventArbitraries<OfferEvent> = {
  OFFER: fc.record({
    type: fc.constant('OFFER'),
    at: atArb,
    agentId: agentArb,
    expiresAt: fc.integer({ min: -1_000, max: 60_000 }),
  }),
  ACCEPT: fc.record({ type: fc.constant('ACCEPT'), at: atArb, agentId: agentArb }),
  REJECT: fc.record({ type: fc.constant('REJECT'), at: atArb, agentId: agentArb }),
  OFFER_TIMEOUT: fc.record({ type: fc.constant('OFFER_TIMEOUT'), at: atArb }),
  OFFER_WITHDRAWN: fc.record({ type: fc.constant('OFFER_WITHDRAWN'), at: atArb }),
};

/** Turns the relative `expiresAt` of a generated offer into an absolute time on the sequence's clock. */
export function retimeOffer<TEvent extends { readonly type: string }>(event: TEvent, clock: number): TEvent {
  const offer = event as TEvent & { readonly expiresAt?: number };
  return offer.type === 'OFFER' && offer.expiresAt !== undefined
    ? { ...event, expiresAt: clock + offer.expiresAt }
    : event;
}

/** The wrap-up events, with and without a disposition and notes. */
export const wrapUpEventArbs: EventArbitraries<WrapUpEvent> = {
  WRAP_UP_DONE: fc.record(
    { type: fc.constant('WRAP_UP_DONE'), at: atArb, disposition: textArb, notes: textArb },
    { requiredKeys: ['type', 'at'] },
  ),
  WRAP_UP_TIMEOUT: fc.record({ type: fc.constant('WRAP_UP_TIMEOUT'), at: atArb }),
  SKIP_WRAP_UP: fc.record({ type: fc.constant('SKIP_WRAP_UP'), at: atArb }),
};

/** Once an interaction is over, why and by whom it ended never change. */
export function assertOutcomeKept(
  before: { readonly endReason?: string; readonly endedBy?: string },
  after: { readonly endReason?: string; readonly endedBy?: string },
): void {
  if (before.endReason === undefined) return;
  assert.equal(after.endReason, before.endReason, 'the end reason never changes');
  assert.equal(after.endedBy, before.endedBy, 'who ended it never changes');
}
