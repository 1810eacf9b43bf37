import { atom, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import type { ClientCapabilities, WireInteraction } from '../protocol/protocol.types';
import type { Queue, QueueVoice } from '../queue/queue.types';
import type { CallSession } from '../voice/call.session';
import type { Ringer } from '../voice/ring';
import type { VoiceProvider } from '../voice/voice.types';
import type { WebRtcProvider } from '../voice/webrtc.provider';
import type { RecordingTap } from './agent.recording';
import type { SupervisionClient } from './supervision.client';

// The agent session's calls: the console takes calls without host code. Where this session can take calls (a page
// with a microphone and WebRTC, or a provider given), it says so at `hello` and, once the server names voice on a
// queue (or a voice offer or call shows up), loads `@helpline/core/voice` and creates the call session itself, with
// the engine the server names. Where it cannot, it says so too, and the router offers it no calls.

/** Options of the calls of an agent session (`createAgentSession({ voice })`). */
export interface AgentVoiceOptions {
  /**
   * The media engine for calls of a queue. Default: WebRTC between the browsers (`createWebRtcProvider()` without
   * ICE servers: direct paths only; pass one with TURN for production, see docs/voice.md), or Vonage when the
   * queue names it.
   */
  readonly provider?: (voice: QueueVoice) => VoiceProvider | Promise<VoiceProvider>;
  /** The Helpline server's base URL, for Vonage's token and hold routes (needed only with Vonage). */
  readonly server?: string | undefined;
  /**
   * Whether this tab rings and takes a live call back after a reload. Default: the session's `$isLeader` (the
   * leader tab of a leader transport).
   */
  readonly isLeader?: ReadableAtom<boolean> | undefined;
  /** The ringtone; default a Web Audio ringer, `false` for none. */
  readonly ringer?: Ringer | false | undefined;
}

/** `voice` of `createAgentSession`: `false` for a console that takes no calls. */
export type AgentVoiceOption = false | AgentVoiceOptions;

/** What the agent session lends its calls. */
export interface AgentVoiceDeps {
  readonly connection: Connection;
  readonly token: () => Promise<string>;
  readonly $queues: ReadableAtom<readonly Queue[]>;
  readonly $offers: ReadableAtom<Readonly<Record<string, { readonly interaction: WireInteraction }>>>;
  readonly $interactions: ReadableAtom<Readonly<Record<string, WireInteraction>>>;
  /** Accepts an offer with the session's stores (the call session opens the microphone first). */
  readonly accept: (cid: string) => Promise<unknown>;
  readonly reject: (cid: string) => Promise<unknown>;
  /** The session's `$isLeader`, unless the options name another. */
  readonly isLeader: ReadableAtom<boolean>;
  /**
   * The session's supervision client: with the default WebRTC provider, this browser mixes its calls for supervisors
   * (`createAgentMixer`) and carries its consults (`createConsultMedia`). An app that passes its own provider creates
   * them itself.
   */
  readonly supervision?: SupervisionClient | undefined;
}

/** The calls of an agent session. */
export interface AgentVoice {
  /** The call session, once voice is loaded; `undefined` before, and for a session without voice. */
  readonly $calls: ReadableAtom<CallSession | undefined>;
  /** Why the call session could not be created (the voice module failed to load, Vonage without `server`). */
  readonly $error: ReadableAtom<HelplineError | undefined>;
  /** True when this session takes calls. */
  readonly enabled: boolean;
  /**
   * Picks up a voice offer through the call session (microphone first). Rejects, accepting nothing, when voice
   * could not be loaded (`$error`): an offer accepted without media would strand the caller.
   */
  answer(cid: string): Promise<void>;
  /**
   * The live call's audio in this page (`WebRtcProvider.tap()`), for the session's recorder; `undefined` without a
   * call here, and for an engine that records elsewhere (Vonage).
   */
  tap(): RecordingTap | undefined;
  dispose(): void;
}

/** A page that can open a microphone and run WebRTC (a page served over plain http on a LAN address cannot). */
function pageCanCall(): boolean {
  return (
    typeof document !== 'undefined' &&
    typeof RTCPeerConnection === 'function' &&
    typeof navigator !== 'undefined' &&
    typeof navigator.mediaDevices?.getUserMedia === 'function'
  );
}

/**
 * What an agent session declares at `hello`: `voice: false` for `voice: false` or a page that cannot call; nothing
 * outside a page (a Node client, a test, a bridge), which the server takes as able, as before.
 */
export function agentCapabilities(option: AgentVoiceOption | undefined): ClientCapabilities | undefined {
  if (option === false) return { voice: false };
  if (option?.provider) return { voice: true };
  if (typeof document === 'undefined') return undefined;
  return { voice: pageCanCall() };
}

const TALKING = new Set(['active', 'held', 'connecting', 'consulting', 'conferenced']);

/**
 * Creates the calls of an agent session (see {@link AgentVoiceOptions}); the agent session owns it.
 *
 * @example
 * ```ts
 * const voice = createAgentVoice(options.voice, { connection, token, $queues, $offers, $interactions, accept, reject });
 * voice.$calls.subscribe((calls) => calls?.$call.subscribe(render));
 * ```
 */
export function createAgentVoice(option: AgentVoiceOption | undefined, deps: AgentVoiceDeps): AgentVoice {
  const options = option === false ? undefined : (option ?? {});
  const enabled = options !== undefined && (options.provider !== undefined || pageCanCall());
  const isLeader = options?.isLeader ?? deps.isLeader;
  const $calls = atom<CallSession | undefined>(undefined);
  const $error = atom<HelplineError | undefined>(undefined);
  let creating: Promise<CallSession | undefined> | undefined;
  let disposed = false;
  let mixer: { dispose(): void } | undefined;
  /** The default WebRTC provider, once made: its calls' consults are carried by `consultMedia`. */
  let ownWebRtc: WebRtcProvider | undefined;
  let consultMedia: { dispose(): void } | undefined;
  const attached = new Set<string>();
  /** The media engine of the call session, once made (its `tap` feeds the recorder). */
  let engine: VoiceProvider | undefined;

  /** The engine the server names (the reference server names one for every queue), else WebRTC. */
  function voiceOfQueues(): QueueVoice {
    return deps.$queues.get().find((queue) => queue.voice)?.voice ?? { provider: 'webrtc' };
  }

  async function defaultProvider(voice: QueueVoice): Promise<VoiceProvider> {
    if (voice.provider === 'vonage') {
      const server = options?.server;
      if (!server) {
        throw helplineError('voice/unsupported', {
          detail:
            'the server carries calls on Vonage: pass its URL as createAgentSession({ voice: { server } })',
        });
      }
      const { createVonageProvider, vonageHttpControl } = await import('../vonage/index');
      return createVonageProvider({
        side: 'agent',
        control: vonageHttpControl({ baseUrl: server, token: deps.token }),
        client: voice.region ? { region: voice.region } : {},
      });
    }
    const { createAgentMixer, createWebRtcProvider } = await import('../voice/index');
    const provider = createWebRtcProvider();
    ownWebRtc = provider;
    if (deps.supervision)
      mixer = createAgentMixer({ connection: deps.connection, supervision: deps.supervision, provider });
    return provider;
  }

  async function create(): Promise<CallSession | undefined> {
    const voice = voiceOfQueues();
    const [{ createCallSession, createConsultMedia, createConsultSession }, provider] = await Promise.all([
      import('../voice/index'),
      (options?.provider ?? defaultProvider)(voice),
    ]);
    if (disposed) {
      provider.dispose();
      return undefined;
    }
    engine = provider;
    const calls = createCallSession({
      connection: deps.connection,
      provider,
      accept: deps.accept,
      reject: deps.reject,
      offers: deps.$offers,
      isLeader,
      ...(options?.ringer !== undefined ? { ringer: options.ringer } : {}),
    });
    if (ownWebRtc) {
      const consults = createConsultSession({ connection: deps.connection, $call: calls.$call });
      const media = createConsultMedia({
        connection: deps.connection,
        consults,
        $call: calls.$call,
        provider: ownWebRtc,
      });
      consultMedia = {
        dispose() {
          media.dispose();
          consults.dispose();
        },
      };
    }
    $calls.set(calls);
    return calls;
  }

  function ensure(): Promise<CallSession | undefined> {
    if (!enabled) return Promise.resolve(undefined);
    creating ??= create().catch((error: unknown) => {
      creating = undefined;
      $error.set(
        isHelplineError(error) ? error : helplineError('voice/unsupported', { detail: String(error) }),
      );
      return undefined;
    });
    return creating;
  }

  /** A live call of an interaction this agent handles, not running in this page (it reloaded): take it back. */
  function attachLive(calls: CallSession): void {
    if (!isLeader.get()) return;
    for (const interaction of Object.values(deps.$interactions.get())) {
      if (interaction?.channel !== 'voice' || !TALKING.has(interaction.state)) continue;
      if (attached.has(interaction.id) || calls.$call.get()?.cid === interaction.id) continue;
      attached.add(interaction.id);
      calls.attach(interaction.id).catch(() => undefined); // Shown through the call session's $error.
    }
  }

  const isVoice = (interaction: WireInteraction | undefined) => interaction?.channel === 'voice';

  // Voice loads as soon as the server names it on a queue (so the first offer rings at once), or when a voice offer
  // or call shows up anyway. Watching starts with the first connection: listening must not open it.
  const unsubscribes: (() => void)[] = [];
  const watch = () => {
    unsubscribes.push(
      deps.$queues.subscribe((queues) => {
        if (queues.some((queue) => queue.voice)) void ensure();
      }),
      deps.$offers.subscribe((offers) => {
        if (Object.values(offers).some((offer) => isVoice(offer?.interaction))) void ensure();
      }),
      deps.$interactions.subscribe((interactions) => {
        if (!Object.values(interactions).some(isVoice)) return;
        void ensure().then((calls) => calls && attachLive(calls));
      }),
    );
  };
  if (enabled) {
    let watching = false;
    unsubscribes.push(
      deps.connection.$state.subscribe(({ value }) => {
        if (watching || (value !== 'connected' && value !== 'caught-up')) return;
        watching = true;
        watch();
      }),
    );
  }

  return {
    $calls,
    $error,
    enabled,
    async answer(cid) {
      const calls = await ensure();
      if (!calls) throw $error.get() ?? helplineError('voice/unsupported', { detail: 'voice is off' });
      await calls.answer(cid);
    },
    tap() {
      const tapped = engine as Partial<WebRtcProvider> | undefined;
      return typeof tapped?.tap === 'function' ? tapped.tap() : undefined;
    },
    dispose() {
      disposed = true;
      mixer?.dispose();
      consultMedia?.dispose();
      for (const unsubscribe of unsubscribes) unsubscribe();
      $calls.get()?.dispose();
      $calls.set(undefined);
    },
  };
}
