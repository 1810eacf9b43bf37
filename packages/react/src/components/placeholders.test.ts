import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireInteraction } from '@helpline/core';
import { salesQueue } from '@helpline/core/testing';
import fc from 'fast-check';
import { fillPlaceholders, placeholderValues } from './placeholders';

describe('canned response placeholders', () => {
  it('fills known values as text and leaves unknown placeholders visible', () => {
    const values = {
      'customer.name': '<img src=x onerror=alert(1)>',
      'agent.name': 'Alice',
      topic: undefined,
    };
    assert.equal(
      fillPlaceholders('Hi {customer.name}, {agent.name} here about {topic}. {order.id} {}', values),
      'Hi <img src=x onerror=alert(1)>, Alice here about . {order.id} {}',
    );
  });

  it('never re-expands inserted values and ignores inherited keys', () => {
    assert.equal(fillPlaceholders('{a} {constructor}', { a: '{b}', b: 'no' }), '{b} {constructor}');
    fc.assert(
      fc.property(fc.string(), fc.string(), (template, value) => {
        const filled = fillPlaceholders(template, { x: value });
        // Replacing every {x} by value is all that happens.
        assert.equal(filled, template.split('{x}').join(value));
      }),
    );
  });

  it('collects the values of an interaction', () => {
    const interaction = {
      id: 'c1',
      channel: 'chat',
      state: 'active',
      queueId: 'sales',
      topic: 'pricing',
      customer: {
        id: 'v1',
        name: 'Ada',
        email: 'ada@example.com',
        identified: true,
        attributes: { plan: 'Gold' },
      },
      participants: [],
      priority: 0,
      requiredSkills: [],
      prechat: {},
      timestamps: { createdAt: 1 },
    } satisfies WireInteraction;
    const values = placeholderValues(interaction, 'Alice', salesQueue);
    assert.equal(
      fillPlaceholders(
        '{customer.name} {customer.email} {customer.plan} {agent.name} {queue.name} {topic} {customer.phone}|',
        values,
      ),
      'Ada ada@example.com Gold Alice Sales pricing |',
    );
    assert.equal(placeholderValues(undefined, undefined, undefined)['customer.name'], undefined);
  });
});
