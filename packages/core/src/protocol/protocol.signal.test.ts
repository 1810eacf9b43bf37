import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { callSignalSchema } from './protocol.signal';

const offer = { kind: 'offer', peer: 'p1', sdp: 'v=0' };

describe('callSignalSchema', () => {
  it('sends only known fields and text storage can keep', () => {
    const send = callSignalSchema('send');
    assert.deepEqual(v.parse(send, offer), offer);
    assert.equal(v.safeParse(send, { ...offer, extra: 1 }).success, false);
    assert.equal(v.safeParse(send, { ...offer, sdp: 'v=0\u0000' }).success, false);
  });

  it('receives the same kinds, dropping fields it does not know', () => {
    const receive = callSignalSchema('receive');
    assert.deepEqual(v.parse(receive, { ...offer, extra: 1 }), offer);
    assert.equal(v.safeParse(receive, { kind: 'offer', peer: 'p1' }).success, false);
    assert.equal(v.safeParse(receive, { kind: 'mute', peer: 'p1' }).success, false);
    const kinds = (schema: ReturnType<typeof callSignalSchema>) =>
      schema.options.map((option) => option.entries.kind.literal);
    assert.deepEqual(kinds(receive), kinds(callSignalSchema('send')));
  });
});
