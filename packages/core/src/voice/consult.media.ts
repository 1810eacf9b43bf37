import type { ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import { type AudioGraph, createAudioGraph, playStream } from './audio.graph';
import type { CallView } from './call.session';
import type { ConsultLeg, ConsultSession } from './consult.session';
import type { MediaSignal, VoiceProvider } from './voice.types';
import {
  type CallTap,
  createWebRtcProvider,
  type WebRtcProvider,
  type WebRtcProviderOptions,
} from './webrtc.provider';

// The media of consults on browser calls (docs/voice.md, "Consult media in the browser"). The customer never
// connects to the consulted colleague: the consulting agent's browser mixes, with the same audio graph as
// supervisor legs. While the call is `consulting` or `conferenced` it holds a second peer connection to the
// colleague (signalled with `consult.signal`) and routes:
//
//                     consulting          conferenced
//   to the customer:  hold music          agent's microphone + colleague
//   to the colleague: agent's microphone  agent's microphone + customer
//   agent's speaker:  colleague           colleague (the customer on the call's own element, no longer held)
//
// A merge only moves gains; on return the graph closes and the customer's sender gets the microphone back.

/** Options of {@link createHoldMusic}. */
export interface HoldMusicOptions {
  /** The tone's pitch, Hz. Default 330 (E4). */
  readonly frequency?: number | undefined;
  /** How fast the tone swells and fades, Hz: a slow pulse sounds like a waiting line, not a fault. Default 0.5. */
  readonly pulse?: number | undefined;
  /** Loudness, 0…1. Default 0.2. */
  readonly level?: number | undefined;
}

/** A generated hold-music source: a stream to add to an {@link AudioGraph}, and how to stop it. */
export interface HoldMusic {
  readonly stream: MediaStream;
  stop(): void;
}

/**
 * Generates hold music in `context`: a soft sine that slowly swells and fades (`pulse: 0` for a steady tone, as the
 * end-to-end test uses). Pass another {@link HoldMusic} to {@link createConsultMedia} for a recording of your own.
 *
 * @example
 * ```ts
 * const music = createHoldMusic(graph.context, { frequency: 330 });
 * graph.setSource('hold', music.stream, { local: true });
 * ```
 */
export function createHoldMusic(context: AudioContext, options: HoldMusicOptions = {}): HoldMusic {
  const level = options.level ?? 0.2;
  const tone = context.createOscillator();
  const swell = context.createOscillator();
  const depth = context.createGain();
  const envelope = context.createGain();
  const destination = context.createMediaStreamDestination();
  tone.frequency.value = options.frequency ?? 330;
  swell.frequency.value = options.pulse ?? 0.5;
  // The gain moves between level/2 and level: the swell adds ±level/4 around 3·level/4.
  envelope.gain.value = (level * 3) / 4;
  depth.gain.value = level / 4;
  swell.connect(depth).connect(envelope.gain);
  tone.connect(envelope).connect(destination);
  tone.start();
  swell.start();
  return {
    stream: destination.stream,
    stop() {
      for (const node of [tone, swell]) {
        node.stop();
        node.disconnect();
      }
      envelope.disconnect();
      for (const track of destination.stream.getTracks()) track.stop();
    },
  };
}

/** Options of {@link createConsultMedia}. */
export interface ConsultMediaOptions {
  /** The agent session's connection (signals go out as `consult.signal`). */
  readonly connection: Connection;
  /** The agent's consult session (`createConsultSession`): its `$leg` says which leg the browser carries. */
  readonly consults: Pick<ConsultSession, '$leg'>;
  /**
   * The agent's current call (the `$call` of `agentSession.$calls`): the graph runs while it is `consulting` or
   * `conferenced`, and its `muted` silences the agent to the colleague too.
   */
  readonly $call: ReadableAtom<CallView | undefined>;
  /** The provider of the agent's calls: its live call is tapped while consulting. */
  readonly provider: WebRtcProvider;
  /** Options of the consult leg's peer connection (ICE servers, microphone constraints…). */
  readonly peer?: Omit<WebRtcProviderOptions, 'input' | 'onRemote'> | undefined;
  /** The hold music: options of {@link createHoldMusic}, or a function that makes another source in the context. */
  readonly holdMusic?: HoldMusicOptions | ((context: AudioContext) => HoldMusic) | undefined;
  /** Creates the graph. Default {@link createAudioGraph}. */
  readonly createGraph?: (() => AudioGraph) | undefined;
  /** Creates the element that plays the colleague to the consulting agent. Default `new Audio()`. */
  readonly createAudio?: (() => HTMLAudioElement) | undefined;
}

/** The browser media of consults, for both ends of a leg. Made by {@link createConsultMedia}. */
export interface ConsultMedia {
  /** The graph while this agent consults (diagnostics and tests). */
  graph(): AudioGraph | undefined;
  /** Stops every leg's media and gives the call its microphone back. */
  dispose(): void;
}

const MIXING = new Set(['consulting', 'conferenced']);
const SIGNALLING = new Set(['connecting', 'active']);

/**
 * The browser media of consults between agents. As the consulting agent: while the call is `consulting` the
 * customer hears hold music and a second peer connection (offered by this browser once the colleague picked up)
 * carries the agent to the colleague; once merged, each party hears the other two; on return the customer hears
 * the microphone again. As the consulted colleague: answers the leg's peer connection with the microphone.
 * Consults to outside numbers are mixed by the telephony, not here.
 *
 * @example
 * ```ts
 * const provider = createWebRtcProvider();
 * const agent = createAgentSession({ transport, token, voice: { provider: () => provider } });
 * const consults = createConsultSession({ connection: agent.connection, $call: agent.$calls.$call });
 * createConsultMedia({ connection: agent.connection, consults, $call: agent.$calls.$call, provider });
 * ```
 */
export function createConsultMedia(options: ConsultMediaOptions): ConsultMedia {
  const { connection, provider } = options;
  let graph: AudioGraph | undefined;
  let music: HoldMusic | undefined;
  let micClone: MediaStreamTrack | undefined;
  let stopRemote: (() => void) | undefined;
  let speaker: HTMLAudioElement | undefined;
  /** The call's tap this graph sends through (taps stack: see `CallTap.send`). */
  let callTap: CallTap | undefined;
  /** The leg's peer connection on the consulting side. */
  let outgoing: { legId: string; cid: string; provider: VoiceProvider } | undefined;
  /** The leg's peer connection on the colleague's side; signals wait in `pending` until it is ready. */
  let incoming: { legId: string; provider: VoiceProvider; pending: MediaSignal[] | undefined } | undefined;

  const send = (cid: string, legId: string) => (signal: MediaSignal) =>
    void connection.command('consult.signal', { cid, legId, signal }).catch(() => undefined);

  function ensureGraph(): AudioGraph | undefined {
    if (graph) return graph;
    const tap = provider.tap();
    const mic = tap?.microphone.getAudioTracks()[0];
    if (!tap || !mic) return undefined;
    callTap = tap;
    const created = (options.createGraph ?? createAudioGraph)();
    graph = created;
    void created.context.resume().catch(() => undefined);
    // The call holds the customer's leg while consulting, which disables the microphone's track: the graph hears
    // a clone of it, so the colleague still hears the agent.
    micClone = mic.clone();
    micClone.enabled = true;
    created.setSource('mic', new MediaStream([micClone]), { local: true });
    const hold = options.holdMusic;
    music = typeof hold === 'function' ? hold(created.context) : createHoldMusic(created.context, hold);
    created.setSource('hold', music.stream, { local: true });
    stopRemote = tap.onRemote((remote) => created.setSource('customer', remote));
    const track = created.output('customer').getAudioTracks()[0];
    if (track) void tap.send(track).catch(() => undefined);
    speaker = playStream(created.output('speaker'), options.createAudio);
    return created;
  }

  function releaseGraph(): void {
    hangUpOutgoing();
    if (!graph) return;
    stopRemote?.();
    void callTap?.send(null).catch(() => undefined);
    callTap = undefined;
    if (speaker) speaker.srcObject = null;
    music?.stop();
    micClone?.stop();
    graph.close();
    graph = undefined;
    music = undefined;
    micClone = undefined;
    speaker = undefined;
    stopRemote = undefined;
  }

  function hangUpOutgoing(): void {
    if (!outgoing) return;
    outgoing.provider.dispose();
    graph?.removeSource('colleague');
    outgoing = undefined;
  }

  function route(): void {
    const call = options.$call.get();
    if (!graph || !call) return;
    const merged = call.snapshot.value === 'conferenced';
    graph.setSourceGain('mic', call.snapshot.context.muted ? 0 : 1);
    graph.route('customer', merged ? ['mic', 'colleague'] : ['hold']);
    graph.route('colleague', merged ? ['mic', 'customer'] : ['mic']);
    graph.route('speaker', ['colleague']);
  }

  function callOut(leg: ConsultLeg): void {
    const current = ensureGraph();
    if (!current) return;
    const output = current.output('colleague');
    const peer = createWebRtcProvider({
      ...options.peer,
      input: async () => output,
      onRemote: (remote) => graph?.setSource('colleague', remote),
    });
    outgoing = { legId: leg.legId, cid: leg.cid, provider: peer };
    route();
    void peer
      .start({ callId: leg.legId, offerer: true, resume: false, send: send(leg.cid, leg.legId) })
      .catch(() => undefined);
  }

  function answerIn(cid: string, legId: string): NonNullable<typeof incoming> {
    const peer = createWebRtcProvider(options.peer);
    const entry = { legId, provider: peer, pending: [] as MediaSignal[] | undefined };
    incoming = entry;
    void peer
      .answer({ callId: legId, offerer: false, resume: false, send: send(cid, legId) })
      .then(() => {
        const waiting = entry.pending ?? [];
        entry.pending = undefined;
        for (const signal of waiting) peer.receive(signal);
      })
      .catch(() => undefined);
    return entry;
  }

  /** Brings the media in line with the call and the leg. */
  function sync(): void {
    const me = connection.$subject.get()?.id;
    const leg = options.consults.$leg.get();
    const call = options.$call.get();
    // The colleague's side ends with its leg.
    if (incoming && (leg?.legId !== incoming.legId || !SIGNALLING.has(leg.state))) {
      incoming.provider.dispose();
      incoming = undefined;
    }
    const consulting = call !== undefined && MIXING.has(call.snapshot.value);
    if (!consulting) {
      releaseGraph();
      return;
    }
    if (!ensureGraph()) return;
    const mine = leg !== undefined && leg.agentId === me && leg.party.kind !== 'external';
    if (outgoing && (!mine || leg?.legId !== outgoing.legId || !SIGNALLING.has(leg.state))) hangUpOutgoing();
    if (mine && !outgoing && SIGNALLING.has(leg.state)) callOut(leg);
    route();
  }

  const stopCall = options.$call.listen(sync);
  const stopLeg = options.consults.$leg.listen(sync);
  const stopSignals = connection.onNotice((notice) => {
    if (notice.type !== 'consult.signal') return;
    const signal = notice.signal as MediaSignal;
    if (notice.from === 'party') {
      if (outgoing?.legId === notice.legId) outgoing.provider.receive(signal);
      return;
    }
    // From the consulting agent: this browser is the colleague, and the leg was answered (signals flow only then).
    const entry = incoming?.legId === notice.legId ? incoming : answerIn(notice.cid, notice.legId);
    if (entry.pending) entry.pending.push(signal);
    else entry.provider.receive(signal);
  });
  sync();

  return {
    graph: () => graph,
    dispose() {
      stopCall();
      stopLeg();
      stopSignals();
      incoming?.provider.dispose();
      incoming = undefined;
      releaseGraph();
    },
  };
}
