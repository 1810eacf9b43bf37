import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError } from '@helpline/core';
import type { CallView } from '@helpline/core/voice';
import { toCallSnapshot } from './server-voice';

function view(value: string, context: Record<string, unknown> = {}): CallView {
  return {
    cid: 'c1',
    callId: 'k1',
    snapshot: {
      value,
      context: { muted: false, media: 'ok', timestamps: { createdAt: 0 }, ...context },
    },
  } as unknown as CallView;
}

describe('toCallSnapshot', () => {
  it('is idle before a call, and failed with the error when placing it failed', () => {
    assert.deepEqual(toCallSnapshot(undefined, undefined), { state: 'idle', muted: false, media: 'ok' });
    const denied = helplineError('voice/permission-denied');
    assert.deepEqual(toCallSnapshot(undefined, denied), {
      state: 'failed',
      muted: false,
      media: 'ok',
      error: denied,
    });
  });

  it('follows the voice machine, with the connect time, mute and media health', () => {
    assert.equal(toCallSnapshot(view('ringing'), undefined).state, 'ringing');
    assert.deepEqual(
      toCallSnapshot(
        view('active', { muted: true, media: 'reconnecting', timestamps: { createdAt: 0, answeredAt: 42 } }),
        undefined,
      ),
      { state: 'active', muted: true, media: 'reconnecting', connectedAt: 42 },
    );
    assert.equal(toCallSnapshot(view('held'), undefined).state, 'held');
    assert.equal(toCallSnapshot(view('wrap-up'), undefined).state, 'ended');
  });

  it('shows a call that ended failed before it ever connected as failed', () => {
    const error = helplineError('voice/unreachable');
    assert.deepEqual(toCallSnapshot(view('ended', { endReason: 'failed' }), error), {
      state: 'failed',
      muted: false,
      media: 'ok',
      error,
    });
    const connected = view('ended', { endReason: 'failed', timestamps: { createdAt: 0, answeredAt: 5 } });
    assert.equal(toCallSnapshot(connected, undefined).state, 'ended');
  });
});
