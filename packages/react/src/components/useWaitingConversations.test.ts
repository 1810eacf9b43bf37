import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireInteraction } from '@helpline/core';
import { byWakeTime } from './useWaitingConversations';

const conversation = (id: string, snoozedUntil?: number) =>
  ({ id, ...(snoozedUntil === undefined ? {} : { snoozedUntil }) }) as WireInteraction;

describe('waiting conversations in the inbox', () => {
  it('lists the snoozed by wake-up time, then those waiting for the customer in their order', () => {
    const list = [
      conversation('pending-1'),
      conversation('wakes-16h', 16),
      conversation('pending-2'),
      conversation('wakes-14h', 14),
    ];
    assert.deepEqual(
      [...list].sort(byWakeTime).map((c) => c.id),
      ['wakes-14h', 'wakes-16h', 'pending-1', 'pending-2'],
    );
  });
});
