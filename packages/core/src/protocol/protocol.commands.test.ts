import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HelplineError } from './errors';
import { parseClientFrame, validateCommandArgs } from './protocol.commands';
import { isKnownTimeZone, isStorableText } from './protocol.inputs';
import { MAX_EPOCH_MS } from './protocol.primitives';

const uuid = '01900000-0000-7000-8000-000000000001';

/** Parses `{t:'cmd', op, args}` and returns the error it is refused with (or undefined when it passes). */
function refusal(op: string, args: unknown): HelplineError | undefined {
  const parsed = parseClientFrame(JSON.stringify({ t: 'cmd', id: 'q1', op, args }));
  return parsed.ok ? undefined : parsed.error;
}

function assertField(error: HelplineError | undefined, field: string, detail?: RegExp): void {
  assert.ok(error, `refused for ${field}`);
  assert.equal(error.code, 'validation/field');
  assert.equal(error.field, field);
  if (detail) assert.match(error.message, detail);
}

describe('storable text', () => {
  it('refuses NUL characters and lone surrogates, keeps every well-formed text', () => {
    assert.equal(isStorableText(''), true);
    assert.equal(isStorableText('Hi 👋 שלום مرحبا e\u0301'), true);
    assert.equal(isStorableText('\u202eevil.exe'), true);
    assert.equal(isStorableText('a\u0000b'), false);
    assert.equal(isStorableText('\ud83d'), false, 'half an emoji at the end');
    assert.equal(isStorableText('\ud83dx'), false, 'a high surrogate before a plain character');
    assert.equal(isStorableText('\ude00'), false, 'a low surrogate alone');
    assert.equal(isStorableText('\ude00\ud83d'), false, 'a pair in the wrong order');
  });

  it('is true exactly when the text survives UTF-8 unchanged and has no NUL', () => {
    const units = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(units, fc.string({ unit: 'grapheme' })), (text) => {
        const roundTrip = new TextDecoder().decode(new TextEncoder().encode(text));
        assert.equal(isStorableText(text), roundTrip === text && !text.includes('\u0000'));
      }),
    );
  });

  const fields: [op: string, args: Record<string, unknown>, field: string][] = [
    ['message.send', { cid: 'c1', clientMsgId: uuid, text: 'hi\u0000' }, 'text'],
    ['message.send', { cid: 'c1', clientMsgId: uuid, text: 'hi \ud83d' }, 'text'],
    ['wrapup.submit', { cid: 'c1', notes: 'refund\u0000' }, 'notes'],
    ['transfer', { cid: 'c1', toQueueId: 'sales', note: '\udc00' }, 'note'],
    ['csat.submit', { cid: 'c1', score: 5, comment: 'a\u0000' }, 'comment'],
    ['offline.leave', { text: '\u0000' }, 'text'],
    ['customer.search', { query: 'ann\ude91' }, 'query'],
    ['chat.start', { channel: 'chat', prechat: { name: 'Ann\u0000' } }, 'prechat.name'],
    [
      'call.signal',
      { cid: 'c1', callId: 'k1', signal: { kind: 'offer', peer: 'p1', sdp: 'v=0\u0000' } },
      'signal.sdp',
    ],
    [
      'call.signal',
      {
        cid: 'c1',
        callId: 'k1',
        signal: { kind: 'candidate', peer: 'p1', candidate: { candidate: '', sdpMid: '\ud800' } },
      },
      'signal.candidate.sdpMid',
    ],
  ];
  for (const [op, args, field] of fields) {
    it(`refuses what storage cannot keep in ${op} ${field}, naming the field`, () => {
      assertField(refusal(op, args), field, new RegExp(`^\\[${op}\\] ${field} must not contain NUL`));
    });
  }

  it('accepts emoji, right-to-left text and the longest allowed text', () => {
    assert.equal(refusal('message.send', { cid: 'c1', clientMsgId: uuid, text: '👋 שלום' }), undefined);
    assert.equal(refusal('wrapup.submit', { cid: 'c1', notes: '😀'.repeat(2000) }), undefined);
  });

  it('refuses a NUL in the hello token as a field of hello', () => {
    const parsed = parseClientFrame(JSON.stringify({ t: 'hello', v: 1, token: 'a\u0000' }));
    assert.ok(!parsed.ok);
    assertField(parsed.error, 'token', /^\[hello\] token must not contain NUL/);
  });
});

describe('numbers a field can mean', () => {
  it('takes a cursor up to 2^53 - 1 and refuses anything a bigint column cannot compare exactly', () => {
    assert.equal(refusal('read', { cid: 'c1', seq: 0 }), undefined);
    assert.equal(refusal('read', { cid: 'c1', seq: Number.MAX_SAFE_INTEGER }), undefined);
    for (const seq of [2 ** 53, 1e308, -1, 0.5]) assertField(refusal('read', { cid: 'c1', seq }), 'seq');
    assertField(refusal('history', { cid: 'c1', after: 2 ** 63 }), 'after');
  });

  it('refuses numbers JSON can write but a cursor cannot mean (1e400 parses to Infinity)', () => {
    const parsed = parseClientFrame('{"t":"cmd","id":"q1","op":"read","args":{"cid":"c1","seq":1e400}}');
    assert.ok(!parsed.ok);
    assertField(parsed.error, 'seq');
  });

  it('names the resume cursor at fault, as a field of hello', () => {
    const hello = (cursor: number) =>
      parseClientFrame(
        JSON.stringify({ t: 'hello', v: 1, token: 't', resume: { token: 'r', cursors: { 'c-1': cursor } } }),
      );
    assert.ok(hello(Number.MAX_SAFE_INTEGER).ok);
    const refused = hello(1e308);
    assert.ok(!refused.ok);
    assertField(
      refused.error,
      'resume.cursors.c-1',
      /^\[hello\] resume\.cursors\.c-1 must be a whole number/,
    );
  });

  it('takes times from 1970 to the end of the year 9999, whole milliseconds only', () => {
    assert.equal(new Date(MAX_EPOCH_MS).toISOString(), '9999-12-31T23:59:59.999Z');
    const callback = (slot: unknown) =>
      refusal('callback.request', { phone: '+14155550123', timeZone: 'UTC', slot });
    assert.equal(callback('asap'), undefined);
    assert.equal(callback(Date.now()), undefined);
    assert.equal(callback(MAX_EPOCH_MS), undefined);
    for (const slot of [MAX_EPOCH_MS + 1, 8.64e15 + 1, 1e20, -1, Date.now() + 0.5]) {
      assertField(callback(slot), 'slot');
    }
    assertField(refusal('callback.reschedule', { cid: 'c1', at: 1e300 }), 'at');
    assertField(refusal('supervisor.snapshot', { from: -1 }), 'from');
    assertField(refusal('supervisor.kpi-series', { from: 0, to: 2 ** 60, bucketMinutes: 60 }), 'to');
    assert.ok(!parseClientFrame(JSON.stringify({ t: 'ping', ts: 1e300 })).ok);
  });
});

describe('time zones', () => {
  it('knows IANA names and the aliases Intl accepts, and nothing else', () => {
    for (const zone of ['Europe/Amsterdam', 'America/Argentina/Buenos_Aires', 'UTC', 'US/Eastern'])
      assert.equal(isKnownTimeZone(zone), true, zone);
    for (const zone of ['', 'Mars/Olympus_Mons', 'Europe/Amsterdam\u0000', 'Local', 'utc '])
      assert.equal(isKnownTimeZone(zone), false, JSON.stringify(zone));
    assert.equal(isKnownTimeZone('Europe/Amsterdam'), true, 'the same answer from the cache');
  });

  it('refuses a callback in an unknown time zone, naming the field', () => {
    assertField(
      refusal('callback.request', { phone: '+14155550123', timeZone: 'Mars/Olympus_Mons', slot: 'asap' }),
      'timeZone',
      /^\[callback\.request\] timeZone is not a known IANA time zone$/,
    );
  });
});

describe('validating arguments before sending', () => {
  it('reports the same field and message the server would', () => {
    const checked = validateCommandArgs('wrapup.submit', { cid: 'c1', notes: 'x\u0000' });
    assert.ok(!checked.ok);
    assert.equal(checked.error.code, 'validation/field');
    assert.equal(checked.error.field, 'notes');
    assert.equal(checked.error.message, refusal('wrapup.submit', { cid: 'c1', notes: 'x\u0000' })?.message);
    assert.equal(
      checked.error.message,
      '[wrapup.submit] notes must not contain NUL characters or lone surrogates',
    );
  });
});
