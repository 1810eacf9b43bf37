import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRouting, type RoutingRule } from './rules';

const rules: RoutingRule[] = [
  { name: 'VIP tier', when: { claim: { tier: ['gold', 'platinum'] } }, set: { priority: 10 } },
  { name: 'VIP callers', when: { callerIn: ['+31201234567'] }, set: { priority: 10 } },
  {
    name: 'Refunds',
    when: { topic: ['refund'] },
    set: { priority: 5, skills: [{ skill: 'billing', minLevel: 2 }] },
  },
  { name: 'Dutch', when: { language: ['nl'] }, set: { skills: [{ skill: 'dutch', minLevel: 1 }] } },
  {
    name: 'Belgium',
    when: { country: ['BE'] },
    set: { queueId: 'benelux', skills: [{ skill: 'billing', minLevel: 3 }] },
  },
  { name: 'Netherlands', when: { country: ['NL'] }, set: { queueId: 'netherlands' } },
  { name: 'Gold refunds', when: { claim: { tier: ['gold'] }, topic: ['refund'] }, set: { priority: 1 } },
];

describe('routing rules', () => {
  it('applies nothing to a contact no rule knows', () => {
    assert.deepEqual(decideRouting(rules, {}), { priority: 0, requiredSkills: [], reasons: [] });
  });

  it('adds the priorities of every matching rule, joins skills at their highest level, takes the first queue', () => {
    const decision = decideRouting(rules, {
      attributes: { tier: 'gold' },
      topic: 'refund',
      language: 'nl-BE',
      country: 'be',
    });
    assert.equal(decision.priority, 16);
    assert.deepEqual(decision.requiredSkills, [
      { skill: 'billing', minLevel: 3 },
      { skill: 'dutch', minLevel: 1 },
    ]);
    assert.equal(decision.queueId, 'benelux');
    assert.deepEqual(decision.reasons, ['VIP tier', 'Refunds', 'Dutch', 'Belgium', 'Gold refunds']);
  });

  it('matches caller ID exactly, languages by their primary tag, and every condition of a rule together', () => {
    assert.deepEqual(decideRouting(rules, { phone: '+31201234567' }).reasons, ['VIP callers']);
    assert.deepEqual(decideRouting(rules, { phone: '+3120123456' }).reasons, []);
    assert.deepEqual(decideRouting(rules, { language: 'nld' }).reasons, [], 'nld is not nl-…');
    assert.deepEqual(decideRouting(rules, { attributes: { tier: 'platinum' }, topic: 'refund' }).reasons, [
      'VIP tier',
      'Refunds',
    ]);
  });
});
