import { type HelplineError, helplineError } from '@helpline/core';
import { atom } from 'nanostores';
import type { AttachRequest, CallRequest, CallSnapshot, WidgetCall, WidgetVoice } from '../call/call.types';

/** A scripted voice engine for tests: calls move only when the test says so. */
export interface FakeVoice extends WidgetVoice {
  /** Every call request, in order. */
  readonly requests: CallRequest[];
  /** The latest call, once one was placed. */
  readonly current: FakeCall | undefined;
  /** Makes the next `call()` reject with this error (e.g. `voice/permission-denied`). */
  failNextCall(error: HelplineError): void;
  /** Every `attach()` request (a reloaded page taking over its call), in order. */
  readonly attaches: AttachRequest[];
  /**
   * What the next `attach()` finds: a live call in `state` (default `active`), no call (`gone`), the call in
   * another tab (`elsewhere`), or an error to reject with.
   */
  attachFinds(found: CallSnapshot['state'] | 'gone' | 'elsewhere' | HelplineError): void;
}

/** Options of {@link createFakeVoice}. */
export interface FakeVoiceOptions {
  /**
   * Calls start their voice interaction in the hub, as the real engines do (the session's `startChat` with channel
   * `voice`), and hanging up ends it: position notices, the agent's offer and the survey follow. Default false.
   */
  readonly startsInteraction?: boolean;
}

/** A call whose state the test drives. */
export interface FakeCall extends WidgetCall {
  ring(): void;
  answer(at?: number): void;
  hold(): void;
  resume(): void;
  mediaReconnecting(): void;
  mediaRestored(): void;
  /** The agent started, paused or resumed recording (`undefined`: not recorded). */
  record(recording: 'on' | 'paused' | undefined): void;
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
export function createFakeVoice(options: FakeVoiceOptions = {}): FakeVoice {
  const requests: CallRequest[] = [];
  const attaches: AttachRequest[] = [];
  let current: FakeCall | undefined;
  let nextFailure: HelplineError | undefined;
  let attachResult: CallSnapshot['state'] | 'gone' | 'elsewhere' | HelplineError = 'active';

  function fakeCall(state: CallSnapshot['state'], onHangUp: () => void): FakeCall {
    const $call = atom<CallSnapshot>({
      state,
      muted: false,
      media: 'ok',
      ...(state === 'active' ? { connectedAt: Date.now() } : {}),
    });
    const actions: string[] = [];
    const patch = (next: Partial<CallSnapshot>) => $call.set({ ...$call.get(), ...next });
    return {
      $call,
      actions,
      setMuted(muted) {
        actions.push(muted ? 'mute' : 'unmute');
        patch({ muted });
      },
      hangUp() {
        actions.push('hangUp');
        patch({ state: 'ended' });
        onHangUp();
      },
      ring: () => patch({ state: 'ringing' }),
      answer: (at = Date.now()) => patch({ state: 'active', connectedAt: at }),
      hold: () => patch({ state: 'held' }),
      resume: () => patch({ state: 'active' }),
      mediaReconnecting: () => patch({ media: 'reconnecting' }),
      mediaRestored: () => patch({ media: 'ok' }),
      record: (recording) => patch({ recording }),
      remoteHangUp: () => patch({ state: 'ended' }),
    };
  }

  return {
    requests,
    attaches,
    get current() {
      return current;
    },
    failNextCall(error) {
      nextFailure = error;
    },
    attachFinds(found) {
      attachResult = found;
    },
    async call(request) {
      requests.push(request);
      if (nextFailure) {
        const error = nextFailure;
        nextFailure = undefined;
        throw error;
      }
      const { session } = request;
      if (options.startsInteraction) {
        await session.startChat({
          channel: 'voice',
          language: request.language,
          ...(request.topic ? { topic: request.topic } : {}),
          ...(request.queueId ? { queueId: request.queueId } : {}),
        });
      }
      current = fakeCall('dialing', () => {
        if (options.startsInteraction) session.endChat().catch(() => undefined);
      });
      return current;
    },
    async attach(request) {
      attaches.push(request);
      const found = attachResult;
      if (typeof found === 'object') throw found;
      if (found === 'gone' || found === 'elsewhere') return found === 'gone' ? undefined : 'elsewhere';
      current = fakeCall(found, () => {
        request.session.endChat().catch(() => undefined);
      });
      return current;
    },
  };
}

/** A `voice/permission-denied` error, as a browser that refused the microphone produces. */
export function micDenied(): HelplineError {
  return helplineError('voice/permission-denied');
}
