import type { Connection } from '../connection/connection';
import type { Notice } from '../protocol/protocol.types';
import type { SupervisionClient } from '../session/supervision.client';
import { type SupervisionState, supervisionAudio } from '../supervision/supervision.machine';
import type { SupervisionLeg } from '../supervision/supervision.types';
import { type AudioGraph, createAudioGraph, playStream } from './audio.graph';
import type { MediaSignal, VoiceProvider } from './voice.types';
import {
  type CallTap,
  createWebRtcProvider,
  type WebRtcProvider,
  type WebRtcProviderOptions,
} from './webrtc.provider';

// The media of supervisor legs on browser calls (docs/voice.md, "Supervisor monitor, whisper and barge"). The
// customer never connects to the supervisor: the agent's browser is the mixer. It keeps the call's own peer
// connection, and opens a second one to each supervisor (signaled through the hub like calls):
//
//   to the customer:   agent's microphone (+ supervisor while barging)
//   to the supervisor: agent's microphone + customer, always
//   agent's speaker:   customer (its own element, as before) + supervisor while whispering or barging
//
// A mode switch only moves gains in the agent's graph (and mutes or unmutes the supervisor's microphone): nothing
// is renegotiated, so a switch is heard within a few milliseconds.

type SupervisionSignalNotice = Extract<Notice, { type: 'supervision.signal' }>;

/** Options of {@link createAgentMixer}. */
export interface AgentMixerOptions {
  /** The agent session's connection (signals go out as `supervision.signal`). */
  readonly connection: Connection;
  /** The agent session's supervision client (it says which legs the browser carries). */
  readonly supervision: SupervisionClient;
  /** The provider of the agent's calls: its live call is tapped. */
  readonly provider: WebRtcProvider;
  /** Options of each supervisor's peer connection (ICE servers…). */
  readonly peer?: Omit<WebRtcProviderOptions, 'input' | 'onRemote'> | undefined;
  /** Creates the graph; tests may share a context. Default {@link createAudioGraph}. */
  readonly createGraph?: (() => AudioGraph) | undefined;
  /** Creates the element that plays the supervisors to the agent. Default `new Audio()`. */
  readonly createAudio?: (() => HTMLAudioElement) | undefined;
}

/** The agent's side: mixes the call for its supervisors. */
export interface AgentMixer {
  /** The graph while a supervisor is on the call (for diagnostics and tests). */
  graph(): AudioGraph | undefined;
  /** Stops every supervisor leg's media and gives the call its microphone back. */
  dispose(): void;
}

interface AgentLeg {
  leg: SupervisionLeg;
  readonly provider: VoiceProvider;
  readonly source: string;
}

/**
 * Makes the agent's browser mix its browser calls for supervisors: for each leg the hub announces, a second peer
 * connection carries the call's mix to the supervisor and brings the supervisor's voice back, routed by the leg's
 * mode (see `supervisionAudio`).
 *
 * @example
 * ```ts
 * const provider = createWebRtcProvider();
 * const agent = createAgentSession({ transport, token, voice: { provider: () => provider } });
 * const mixer = createAgentMixer({ connection: agent.connection, supervision: agent.supervision, provider });
 * ```
 */
export function createAgentMixer(options: AgentMixerOptions): AgentMixer {
  const { connection, provider } = options;
  const legs = new Map<string, AgentLeg>();
  let graph: AudioGraph | undefined;
  let tap: CallTap | undefined;
  let stopRemote: (() => void) | undefined;
  let speaker: HTMLAudioElement | undefined;

  function ensureGraph(): AudioGraph | undefined {
    if (graph) return graph;
    tap = provider.tap();
    if (!tap) return undefined;
    graph = (options.createGraph ?? createAudioGraph)();
    void graph.context.resume().catch(() => undefined);
    graph.setSource('mic', tap.microphone, { local: true });
    const current = graph;
    stopRemote = tap.onRemote((remote) => current.setSource('customer', remote));
    const outgoing = graph.output('customer').getAudioTracks()[0];
    if (outgoing) void tap.send(outgoing).catch(() => undefined);
    speaker = playStream(graph.output('speaker'), options.createAudio);
    return graph;
  }

  function releaseGraph(): void {
    if (!graph) return;
    stopRemote?.();
    void tap?.send(null).catch(() => undefined);
    if (speaker) speaker.srcObject = null;
    graph.close();
    graph = undefined;
    tap = undefined;
    speaker = undefined;
  }

  /** Routes every output from the legs' states: one table (supervisionAudio), applied to gains. */
  function route(): void {
    if (!graph) return;
    const toCustomer = ['mic'];
    const toSpeaker: string[] = [];
    for (const { leg, source } of legs.values()) {
      const audio = supervisionAudio(leg.state as SupervisionState);
      if (audio.customer.length > 0) toCustomer.push(source);
      if (audio.agent.length > 0) toSpeaker.push(source);
      // What the supervisor hears: customer and agent, never another supervisor.
      graph.route(
        source,
        audio.supervisor.map((party) => (party === 'agent' ? 'mic' : 'customer')),
      );
    }
    graph.route('customer', toCustomer);
    graph.route('speaker', toSpeaker);
  }

  function join(leg: SupervisionLeg): void {
    const current = ensureGraph();
    if (!current) return;
    const source = `supervisor:${leg.legId}`;
    const output = current.output(source);
    const peer = createWebRtcProvider({
      ...options.peer,
      input: async () => output,
      onRemote: (remote) => graph?.setSource(source, remote),
    });
    legs.set(leg.legId, { leg, provider: peer, source });
    route();
    void peer
      .start({
        callId: leg.legId,
        offerer: true,
        resume: false,
        send: (signal: MediaSignal) =>
          void connection
            .command('supervision.signal', { cid: leg.cid, legId: leg.legId, signal })
            .catch(() => undefined),
      })
      .catch(() => undefined);
  }

  function leave(legId: string): void {
    const entry = legs.get(legId);
    if (!entry) return;
    legs.delete(legId);
    entry.provider.dispose();
    graph?.removeSource(entry.source);
    graph?.removeOutput(entry.source);
    if (legs.size === 0) releaseGraph();
    else route();
  }

  const stopLegs = options.supervision.onLeg((leg) => {
    if (leg.media !== 'webrtc') return;
    const known = legs.get(leg.legId);
    if (leg.state === 'ended') leave(leg.legId);
    else if (known) {
      known.leg = leg;
      route();
    } else join(leg);
  });
  const stopSignals = connection.onNotice((notice) => {
    if (notice.type !== 'supervision.signal' || notice.from !== 'supervisor') return;
    legs.get((notice as SupervisionSignalNotice).legId)?.provider.receive(notice.signal as MediaSignal);
  });

  return {
    graph: () => graph,
    dispose() {
      stopLegs();
      stopSignals();
      for (const legId of [...legs.keys()]) leave(legId);
      releaseGraph();
    },
  };
}

/** Options of {@link createSupervisorMedia}. */
export interface SupervisorMediaOptions {
  /** The supervisor session's connection. */
  readonly connection: Connection;
  /** The supervisor session's supervision client. */
  readonly supervision: SupervisionClient;
  /** Options of the peer connection to the agent's browser (ICE servers, environment…). */
  readonly peer?: WebRtcProviderOptions | undefined;
}

/** The supervisor's side of browser legs: hears the call, speaks when whispering or barging. */
export interface SupervisorMedia {
  /** The provider of a leg (diagnostics, devices). */
  providerOf(legId: string): VoiceProvider | undefined;
  dispose(): void;
}

/**
 * Connects the supervisor's browser to the agent's for each of their browser legs: the microphone opens when the
 * leg starts and is sent only while whispering or barging (muted while monitoring; the agent's mixer also routes
 * it nowhere then).
 *
 * @example
 * ```ts
 * const supervisor = createSupervisorSession({ transport, token });
 * const media = createSupervisorMedia({ connection: supervisor.connection, supervision: supervisor.supervision });
 * await supervisor.supervision.start(cid, 'monitoring');
 * ```
 */
export function createSupervisorMedia(options: SupervisorMediaOptions): SupervisorMedia {
  const { connection } = options;
  /** Each leg's provider; signals that arrive before it has opened the microphone wait in `pending`. */
  const providers = new Map<string, { provider: VoiceProvider; pending: MediaSignal[] | undefined }>();

  function apply(leg: SupervisionLeg): void {
    if (leg.media !== 'webrtc') return;
    let entry = providers.get(leg.legId);
    if (leg.state === 'ended') {
      entry?.provider.dispose();
      providers.delete(leg.legId);
      return;
    }
    const speaking = leg.state === 'whispering' || leg.state === 'barging';
    if (!entry) {
      const created = createWebRtcProvider(options.peer);
      const fresh = { provider: created, pending: [] as MediaSignal[] | undefined };
      entry = fresh;
      providers.set(leg.legId, fresh);
      created.mute(!speaking);
      void created
        .answer({
          callId: leg.legId,
          offerer: false,
          resume: false,
          send: (signal: MediaSignal) =>
            void connection
              .command('supervision.signal', { cid: leg.cid, legId: leg.legId, signal })
              .catch(() => undefined),
        })
        .then(() => {
          const waiting = fresh.pending ?? [];
          fresh.pending = undefined;
          for (const signal of waiting) created.receive(signal);
        })
        .catch(() => undefined);
    }
    entry.provider.mute(!speaking);
  }

  const stopLegs = options.supervision.onLeg(apply);
  const stopSignals = connection.onNotice((notice) => {
    if (notice.type !== 'supervision.signal' || notice.from !== 'agent') return;
    const entry = providers.get(notice.legId);
    if (entry?.pending) entry.pending.push(notice.signal as MediaSignal);
    else entry?.provider.receive(notice.signal as MediaSignal);
  });

  return {
    providerOf: (legId) => providers.get(legId)?.provider,
    dispose() {
      stopLegs();
      stopSignals();
      for (const { provider } of providers.values()) provider.dispose();
      providers.clear();
    },
  };
}
