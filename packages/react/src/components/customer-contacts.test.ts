import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireInteraction } from '@helpline/core';
import { customerContacts } from './CustomerCard';

function interaction(id: string, channel: WireInteraction['channel'], state: string): WireInteraction {
  return {
    id,
    channel,
    state,
    queueId: 'support',
    customer: { id: 'v1', name: 'Ada', identified: false, attributes: {} },
    participants: [],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: 1 },
  };
}

describe('the customer card history', () => {
  it('counts every finished interaction as closed and the rest as open, callbacks included', () => {
    const contacts = customerContacts(
      [
        interaction('chat-done', 'chat', 'ended'),
        interaction('chat-wrapping', 'chat', 'wrap-up'),
        interaction('callback-done', 'callback', 'completed'),
        interaction('callback-cancelled', 'callback', 'cancelled'),
        interaction('callback-failed', 'callback', 'failed'),
        interaction('callback-retrying', 'callback', 'retry-wait'),
      ],
      [],
    );
    assert.deepEqual(Object.fromEntries(contacts.map((c) => [c.interaction.id, c.open])), {
      'chat-done': false,
      'chat-wrapping': true,
      'callback-done': false,
      'callback-cancelled': false,
      'callback-failed': false,
      'callback-retrying': true,
    });
  });
});
