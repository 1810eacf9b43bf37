import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError, type Queue } from '@helpline/core';
import * as v from 'valibot';
import { checkOutboundConfig, outboundConfigSchema } from './outbound.config';
import { createDialPolicy, phoneCustomerId } from './outbound.policy';

// The checks before a number is dialled, on a fixed clock (`at`): the hub passes its own clock's time.

const queue = { id: 'support' } as Queue;
const config = v.parse(outboundConfigSchema, {
  callerId: '+442079460000',
  defaultRegion: 'GB',
  queues: { support: {} },
  doNotCall: ['+442079460999'],
});
const listed = new Set(['+442079460999']);
const check = createDialPolicy({ config, queues: [queue], doNotCall: { has: async (n) => listed.has(n) } });
const dial = (number: string, at: string, timeZone?: string) =>
  check({ number, queue, agentId: 'alice', at: Date.parse(at), ...(timeZone ? { timeZone } : {}) });

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isHelplineError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('dial policy', () => {
  it('reads national numbers in the queue’s region, and names the customer by the number', async () => {
    const plan = await dial('020 7946 0958', '2026-07-01T12:00:00Z');
    assert.equal(plan.number, '+442079460958');
    assert.equal(plan.callerId, '+442079460000');
    assert.equal(plan.customer.id, phoneCustomerId('+442079460958'));
    assert.equal(plan.customer.name, '+44 20 7946 0958');
    assert.equal(plan.customer.timeZone, 'Europe/London');
  });

  it('refuses outside 08:00–21:00 in the number’s country, summer time included, with the next allowed time', async () => {
    // 07:30 UTC in July is 08:30 in London (BST): allowed. 20:30 UTC is 21:30 BST: refused until 08:00 BST.
    await dial('+442079460958', '2026-07-01T07:30:00Z');
    const late = await refusal(dial('+442079460958', '2026-07-01T20:30:00Z'));
    assert.equal(late.code, 'dial/outside-hours');
    assert.match(late.message, /08:00–21:00 in Europe\/London; it is Wed 21:30 there/);
    assert.match(late.message, /Next allowed: Thu 08:00 Europe\/London \(2026-07-02T07:00:00\.000Z\)\.$/);
  });

  it('in a country of several zones, allows only what is inside the hours in every zone; an override decides alone', async () => {
    // 13:30 UTC in January: 08:30 in New York, 05:30 in Los Angeles.
    const early = await refusal(dial('+1 212 555 0123', '2026-01-15T13:30:00Z'));
    assert.equal(early.code, 'dial/outside-hours');
    assert.match(early.message, /in America\/Chicago; it is Thu 07:30 there/);
    assert.match(early.message, /\(2026-01-15T16:00:00\.000Z\)\.$/);
    const plan = await dial('+1 212 555 0123', '2026-01-15T13:30:00Z', 'America/New_York');
    assert.equal(plan.customer.timeZone, 'America/New_York');
  });

  it('refuses a zone that is not the number’s country’s, so no zone moves a call past the calling hours', async () => {
    // 00:30 in London; 08:30 in Tokyo would be "inside" if the zone were taken as given.
    const moved = await refusal(dial('+442079460958', '2026-07-01T23:30:00Z', 'Asia/Tokyo'));
    assert.equal(moved.code, 'validation/field');
    assert.match(moved.message, /timeZone/);
    assert.match(moved.message, /"Asia\/Tokyo" is not a time zone of GB \(Europe\/London\)/);
  });

  it('refuses invalid numbers with the field and the rule, and numbers on the do-not-call list', async () => {
    const invalid = await refusal(dial('+44 20', '2026-07-01T12:00:00Z'));
    assert.equal(invalid.code, 'dial/invalid-number');
    assert.match(
      invalid.message,
      /^\[voice\.dial\] number "\+44 20" is not a valid phone number: no such number/,
    );
    const words = await refusal(dial('call me', '2026-07-01T12:00:00Z'));
    assert.match(words.message, /international form .* or national form of GB/);
    assert.equal((await refusal(dial('020 7946 0999', '2026-07-01T12:00:00Z'))).code, 'dial/do-not-call');
  });

  it('checks the section against the queues: caller IDs in E.164, known queues, numbers on the list', () => {
    const bad = v.parse(outboundConfigSchema, {
      callerId: '+441632960000',
      queues: { gone: { callerId: '020 7946 0000' } },
      doNotCall: ['nope'],
    });
    assert.deepEqual(checkOutboundConfig(bad, new Set(['support'])), [
      'config.outbound.callerId: "+441632960000" is not a valid E.164 number (write it as +<country code><number>)',
      'config.outbound.queues.gone: "gone" is not a queue',
      'config.outbound.queues.gone.callerId: "020 7946 0000" is not a valid E.164 number (write it as +<country code><number>)',
      'config.outbound.doNotCall[0]: "nope" is not a valid phone number',
    ]);
  });
});
