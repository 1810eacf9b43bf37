import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGING_STATES } from '@helpline/core';
import { THREAD_FIELDS } from '../../../core/src/hub/channels.hub';
import {
  emailSubject,
  messagingActions,
  replySubject,
  SUBJECT_FIELD,
  snoozePresets,
  splitQuoted,
} from './messaging';

describe('messaging conversations in the console', () => {
  it('reads the subject where the hub keeps it', () => {
    assert.equal(SUBJECT_FIELD, THREAD_FIELDS.subject);
  });

  it('offers the actions the machine accepts in each state', () => {
    const offered = Object.fromEntries(MESSAGING_STATES.map((state) => [state, messagingActions(state)]));
    assert.deepEqual(offered.active, {
      canSetPending: true,
      canSnooze: true,
      canResolve: true,
      canReopen: false,
    });
    assert.deepEqual(offered.pending, {
      canSetPending: false,
      canSnooze: true,
      canResolve: true,
      canReopen: true,
    });
    assert.deepEqual(offered.snoozed, {
      canSetPending: true,
      canSnooze: true,
      canResolve: true,
      canReopen: true,
    });
    assert.deepEqual(offered.resolved, {
      canSetPending: false,
      canSnooze: false,
      canResolve: false,
      canReopen: true,
    });
    for (const state of ['queued', 'offered', 'ended', 'wrap-up', undefined]) {
      assert.ok(!Object.values(messagingActions(state)).some(Boolean), `${state} allows nothing`);
    }
  });

  it('takes the subject of email conversations only', () => {
    const base = { channel: 'email', prechat: { [SUBJECT_FIELD]: '  Where is my order? ' } } as const;
    assert.equal(emailSubject(base as never), 'Where is my order?');
    assert.equal(emailSubject({ ...base, channel: 'sms' } as never), undefined);
    assert.equal(emailSubject({ ...base, prechat: {} } as never), undefined);
  });

  it('replies with Re: once', () => {
    assert.equal(replySubject('Order 4711'), 'Re: Order 4711');
    assert.equal(replySubject('RE: Order 4711'), 'RE: Order 4711');
    assert.equal(replySubject('AW:Bestellung'), 'AW:Bestellung');
    assert.equal(replySubject(undefined), undefined);
  });

  it("folds the quoted history the email channel appends, never the customer's own text", () => {
    assert.deepEqual(splitQuoted('Still nothing.\n\n> On Mon, Ann wrote:\n> > Where is it?'), {
      body: 'Still nothing.',
      quoted: '> On Mon, Ann wrote:\n> > Where is it?',
    });
    assert.deepEqual(splitQuoted('No quote here'), { body: 'No quote here', quoted: '' });
    // Only quotes: shown whole.
    assert.deepEqual(splitQuoted('> a\n> b'), { body: '> a\n> b', quoted: '' });
    // Text after a quote (an inline reply): shown whole.
    const inline = 'Hi\n\n> question\nmy answer';
    assert.deepEqual(splitQuoted(inline), { body: inline, quoted: '' });
  });

  it('snoozes for an hour, to tomorrow 9:00 and to next Monday 9:00, local time', () => {
    const wednesday = new Date(2026, 11, 2, 15, 30).getTime();
    const [hour, tomorrow, monday] = snoozePresets(wednesday);
    assert.equal(hour?.until, wednesday + 3_600_000);
    assert.equal(tomorrow?.until, new Date(2026, 11, 3, 9, 0).getTime());
    assert.equal(monday?.until, new Date(2026, 11, 7, 9, 0).getTime());
    const aMonday = new Date(2026, 11, 7, 8, 0).getTime();
    assert.equal(snoozePresets(aMonday)[2]?.until, new Date(2026, 11, 14, 9, 0).getTime());
  });
});
