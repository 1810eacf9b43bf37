import { type HelplineError, helplineError } from '@helpline/core';
import { atom } from 'nanostores';
import type { CallRequest, CallSnapshot, WidgetCall, WidgetVoice } from '../call/call.types';

/** A scripted voice engine for tests: calls move only when the test says so. */
export interface FakeVoice extends WidgetVoice {
  /** Every call request, in order. */
  readonly requests: CallRequest[];
  /** The latest call, once one was placed. */
  readonly current: FakeCall | undefined;
  /** Makes the next `call()` reject with this error (e.g. `voice/permission-denied`). */
  failNextCall(error: HelplineError): void;
}

/** A call whose state the test drives. */
export interface FakeCall extends WidgetCall {
  ring(): void;
  answer(at?: number): void;
  hold(): void;
  resume(): void;
  mediaReconnecting(): void;
  mediaRestored(): void;
  /** The far end hung up. */
  remoteHangUp(): void;
  /** The visitor's `hangUp()` and `setMuted()` calls, in order. */
  readonly actions: string[];
}

/**
 * Creates a fake voice engine.
 *
 * @example
 * ```ts
 * const voice = createFakeVoice();
 * widget.connect({ transport, token, voice: async () => voice });
 * voice.current?.answer();
 * ```
 */
export function createFakeVoice(): FakeVoice {
  const requests: CallRequest[] = [];
  let current: FakeCall | undefined;
  let nextFailure: HelplineError | undefined;
  return {
    requests,
    get current() {
      return current;
    },
    failNextCall(error) {
      nextFailure = error;
    },
    async call(request) {
      requests.push(request);
      if (nextFailure) {
        const error = nextFailure;
        nextFailure = undefined;
        throw error;
      }
      const $call = atom<CallSnapshot>({ state: 'dialing', muted: false, media: 'ok' });
      const actions: string[] = [];
      const patch = (next: Partial<CallSnapshot>) => $call.set({ ...$call.get(), ...next });
      current = {
        $call,
        actions,
        setMuted(muted) {
          actions.push(muted ? 'mute' : 'unmute');
          patch({ muted });
        },
        hangUp() {
          actions.push('hangUp');
          patch({ state: 'ended' });
        },
        ring: () => patch({ state: 'ringing' }),
        answer: (at = Date.now()) => patch({ state: 'active', connectedAt: at }),
        hold: () => patch({ state: 'held' }),
        resume: () => patch({ state: 'active' }),
        mediaReconnecting: () => patch({ media: 'reconnecting' }),
        mediaRestored: () => patch({ media: 'ok' }),
        remoteHangUp: () => patch({ state: 'ended' }),
      };
      return current;
    },
  };
}

/** A `voice/permission-denied` error, as a browser that refused the microphone produces. */
export function micDenied(): HelplineError {
  return helplineError('voice/permission-denied');
}
