import type { HelplineError } from '@helpline/core';
import type { CallSession, CallSessionOptions, CallView, VoiceProvider } from '@helpline/core/voice';
import { atom, type ReadableAtom } from 'nanostores';
import type { CallSnapshot, CallState, WidgetCall, WidgetVoice } from '../call/call.types';
import type { ServerVoiceConfig } from './site-config.map';

/** What {@link createServerVoice} needs from the connector. */
export interface ServerVoiceOptions {
  /** The site config's `voice`: which engine to load. */
  readonly voice: ServerVoiceConfig;
  /** The server's base URL (for Vonage's token and hold routes). */
  readonly server: string;
  /** The visitor's Helpline token. */
  readonly token: () => Promise<string>;
  /** Only the leader tab rings. */
  readonly isLeader?: ReadableAtom<boolean> | undefined;
}

/**
 * The widget's call state for core's `$call`: the voice machine's state, with `failed` for a call that ended
 * without ever connecting because of an error, and `idle` before there is a call.
 */
export function toCallSnapshot(view: CallView | undefined, error: HelplineError | undefined): CallSnapshot {
  if (!view)
    return { state: error ? 'failed' : 'idle', muted: false, media: 'ok', ...(error ? { error } : {}) };
  const { value, context } = view.snapshot;
  const answeredAt = context.timestamps.answeredAt;
  const neverConnected = answeredAt === undefined && context.endReason === 'failed';
  const state: CallState =
    value === 'wrap-up' ? 'ended' : neverConnected && value === 'ended' ? 'failed' : value;
  return {
    state,
    muted: context.muted,
    media: context.media,
    ...(context.recording === undefined || context.recording === 'off'
      ? {}
      : { recording: context.recording }),
    ...(answeredAt === undefined ? {} : { connectedAt: answeredAt }),
    ...(state === 'failed' && error ? { error } : {}),
  };
}

/** Loads the engine the site config names (one `import()`) and returns a maker of its providers. */
async function loadProviders(options: ServerVoiceOptions): Promise<() => VoiceProvider> {
  const { voice } = options;
  if (voice.provider === 'vonage') {
    const { createVonageProvider, vonageHttpControl } = await import('@helpline/core/vonage');
    return () =>
      createVonageProvider({
        side: 'visitor',
        control: vonageHttpControl({ baseUrl: options.server, token: options.token }),
        client: voice.region ? { region: voice.region } : {},
      });
  }
  const { createWebRtcProvider } = await import('@helpline/core/voice');
  return () => createWebRtcProvider();
}

/** A widget call over one call session: the snapshot the view renders, mute and hang-up. */
function widgetCallOf(calls: CallSession): { readonly call: WidgetCall; dispose(): void } {
  const $call = atom<CallSnapshot>(toCallSnapshot(undefined, undefined));
  const sync = () => $call.set(toCallSnapshot(calls.$call.get(), calls.$error.get()));
  const unsubscribes = [calls.$call.subscribe(sync), calls.$error.subscribe(sync)];
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const unsubscribe of unsubscribes) unsubscribe();
    calls.dispose();
  };
  // The call session (and the provider it owns) goes once the call is over; the snapshot stays for the view.
  unsubscribes.push(calls.on((event) => event.type === 'ended' && queueMicrotask(dispose)));
  return {
    call: {
      $call,
      setMuted(muted) {
        void (muted ? calls.mute() : calls.unmute());
      },
      hangUp() {
        void calls.hangUp().catch(() => undefined);
      },
    },
    dispose,
  };
}

/**
 * The widget's voice engine on a Helpline server: core's call session over the provider the site config names
 * (`webrtc`, or `vonage`), both loaded with `import()` when the visitor first starts (or, after a reload, takes
 * over) a call. Each call gets its own call session and provider.
 */
export async function createServerVoice(options: ServerVoiceOptions): Promise<WidgetVoice> {
  const [{ createCallSession }, provider] = await Promise.all([
    import('@helpline/core/voice'),
    loadProviders(options),
  ]);
  const session = (connection: CallSessionOptions['connection']) =>
    createCallSession({
      connection,
      provider: provider(),
      ...(options.isLeader ? { isLeader: options.isLeader } : {}),
    });
  return {
    async call({ session: visitor, topic, queueId, language }): Promise<WidgetCall> {
      const calls = session(visitor.connection);
      const tracked = widgetCallOf(calls);
      try {
        await calls.call(() =>
          visitor.startChat({
            channel: 'voice',
            language,
            ...(topic ? { topic } : {}),
            ...(queueId ? { queueId } : {}),
          }),
        );
      } catch (error) {
        tracked.dispose();
        throw error;
      }
      return tracked.call;
    },
    async attach({ session: visitor, cid }) {
      // One tab of a browser runs a call: a follower leaves it to the leader (the tab that was not reloaded).
      if (options.isLeader && !options.isLeader.get()) return 'elsewhere';
      const calls = session(visitor.connection);
      const tracked = widgetCallOf(calls);
      try {
        if (await calls.attach(cid)) return tracked.call;
      } catch (error) {
        tracked.dispose();
        throw error;
      }
      tracked.dispose();
      return undefined;
    },
  };
}
