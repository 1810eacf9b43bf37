/**
 * A small WebAudio mixer: named sources (the microphone, each remote party) and named outputs (one per peer
 * connection, one for the local speaker, one for a recorder). Every output hears a chosen set of sources; changing
 * that set only moves gains, so a track already handed to an `RTCRtpSender` keeps flowing and nothing is
 * renegotiated. The agent's browser uses it to mix a supervisor into a call; recording and conference use the
 * same graph.
 *
 * @example
 * ```ts
 * const graph = createAudioGraph();
 * graph.setSource('mic', micStream);
 * graph.setSource('customer', remoteStream);
 * const toSupervisor = graph.output('supervisor'); // a MediaStream for a second RTCPeerConnection
 * graph.route('supervisor', ['mic', 'customer']);
 * ```
 */

/** The WebAudio pieces the graph uses; tests and unusual hosts may pass their own. */
export interface AudioGraphEnvironment {
  /** Creates the context; the default is `new AudioContext()`. */
  readonly createContext: () => AudioContext;
  /**
   * Chromium delivers no samples from a remote WebRTC stream to WebAudio unless a media element also plays it:
   * each remote source is attached to a muted element made here. `undefined` skips that.
   */
  readonly createAudio: (() => HTMLAudioElement) | undefined;
}

/** Options of {@link createAudioGraph}. */
export interface AudioGraphOptions {
  /** An existing context to build on (shared with a recorder, say); the graph does not close a context it was given. */
  readonly context?: AudioContext | undefined;
  /** How long a gain change ramps, seconds. Short enough to be instant to the ear, long enough not to click. Default 0.01. */
  readonly rampSeconds?: number | undefined;
  readonly environment?: Partial<AudioGraphEnvironment> | undefined;
}

/** What the graph routes at a moment: each output's sources. For tests and diagnostics. */
export type AudioRoutes = Readonly<Record<string, readonly string[]>>;

/**
 * A WebAudio mixer of named sources into named outputs. Made by {@link createAudioGraph}.
 *
 * Sources and outputs can be added in any order; a route may name a source that arrives later, and it is heard
 * from the moment it arrives.
 */
export interface AudioGraph {
  /** The WebAudio context; `resume()` it from a user gesture where autoplay is blocked. */
  readonly context: AudioContext;
  /**
   * Adds a source, or replaces the stream of one (a microphone swap, a far end that reconnected). Routes keep
   * naming it. Pass `{ local: true }` for a microphone or another graph's output; remote WebRTC streams (the
   * default) are also attached to a muted media element, without which Chromium feeds WebAudio silence.
   */
  setSource(id: string, stream: MediaStream, options?: { readonly local?: boolean }): void;
  /** Removes a source; outputs stop hearing it. */
  removeSource(id: string): void;
  /** Scales a source everywhere (0 silences it: mute, or a paused recording). Default 1. */
  setSourceGain(id: string, gain: number): void;
  /**
   * The stream of an output, created on first use with no sources. Its track is the same for the life of the
   * output, so it can be given once to `RTCRtpSender.replaceTrack` or `addTrack`.
   */
  output(id: string): MediaStream;
  /** Removes an output and stops its track. */
  removeOutput(id: string): void;
  /** Sets the sources an output hears (creating the output if needed). Others are faded out; nothing renegotiates. */
  route(outputId: string, sourceIds: Iterable<string>): void;
  /** Each output's sources. */
  routes(): AudioRoutes;
  /** Closes the graph: outputs end, elements detach, a context the graph made is closed. */
  close(): void;
}

interface Source {
  stream: MediaStream;
  node: MediaStreamAudioSourceNode;
  /** The source's own gain: every output hears the source through it. */
  readonly level: GainNode;
  audio: HTMLAudioElement | undefined;
  gain: number;
}

interface Output {
  readonly destination: MediaStreamAudioDestinationNode;
  /** One gain per source, 0 or 1: the route. */
  readonly taps: Map<string, GainNode>;
  sources: Set<string>;
}

function defaultEnvironment(): AudioGraphEnvironment {
  const scope = globalThis as { AudioContext?: typeof AudioContext; Audio?: typeof Audio };
  return {
    createContext: () => {
      if (!scope.AudioContext) throw new Error('WebAudio is not available here');
      return new scope.AudioContext();
    },
    createAudio: scope.Audio ? () => new Audio() : undefined,
  };
}

/**
 * Creates an {@link AudioGraph}.
 *
 * @example
 * ```ts
 * // The agent's browser in a barge: the customer hears the agent and the supervisor.
 * graph.route('customer', ['mic', 'supervisor']);
 * await sender.replaceTrack(graph.output('customer').getAudioTracks()[0] ?? null);
 * ```
 */
export function createAudioGraph(options: AudioGraphOptions = {}): AudioGraph {
  const env: AudioGraphEnvironment = { ...defaultEnvironment(), ...options.environment };
  const owned = options.context === undefined;
  const context = options.context ?? env.createContext();
  const ramp = options.rampSeconds ?? 0.01;
  const sources = new Map<string, Source>();
  const outputs = new Map<string, Output>();

  function fade(param: AudioParam, value: number): void {
    const now = context.currentTime;
    param.cancelScheduledValues(now);
    param.setValueAtTime(param.value, now);
    param.linearRampToValueAtTime(value, now + ramp);
  }

  function tap(output: Output, sourceId: string, source: Source): void {
    if (output.taps.has(sourceId)) return;
    const gain = context.createGain();
    gain.gain.value = output.sources.has(sourceId) ? 1 : 0;
    source.level.connect(gain);
    gain.connect(output.destination);
    output.taps.set(sourceId, gain);
  }

  function untap(output: Output, sourceId: string): void {
    const gain = output.taps.get(sourceId);
    if (!gain) return;
    gain.disconnect();
    output.taps.delete(sourceId);
  }

  function ensureOutput(id: string): Output {
    let output = outputs.get(id);
    if (output) return output;
    output = { destination: context.createMediaStreamDestination(), taps: new Map(), sources: new Set() };
    outputs.set(id, output);
    for (const [sourceId, source] of sources) tap(output, sourceId, source);
    return output;
  }

  function keepFlowing(stream: MediaStream): HTMLAudioElement | undefined {
    if (!env.createAudio) return undefined;
    const audio = env.createAudio();
    audio.muted = true;
    audio.srcObject = stream;
    void audio.play().catch(() => undefined);
    return audio;
  }

  function detach(source: Source): void {
    source.node.disconnect();
    if (source.audio) source.audio.srcObject = null;
  }

  return {
    context,
    setSource(id, stream, sourceOptions) {
      const existing = sources.get(id);
      if (existing?.stream === stream) return;
      const node = context.createMediaStreamSource(stream);
      const remote = sourceOptions?.local !== true;
      if (existing) {
        detach(existing);
        existing.stream = stream;
        existing.node = node;
        existing.audio = remote ? keepFlowing(stream) : undefined;
        node.connect(existing.level);
        return;
      }
      const level = context.createGain();
      node.connect(level);
      const source: Source = {
        stream,
        node,
        level,
        audio: remote ? keepFlowing(stream) : undefined,
        gain: 1,
      };
      sources.set(id, source);
      for (const output of outputs.values()) tap(output, id, source);
    },
    removeSource(id) {
      const source = sources.get(id);
      if (!source) return;
      for (const output of outputs.values()) untap(output, id);
      detach(source);
      source.level.disconnect();
      sources.delete(id);
    },
    setSourceGain(id, gain) {
      const source = sources.get(id);
      if (!source || source.gain === gain) return;
      source.gain = gain;
      fade(source.level.gain, gain);
    },
    output(id) {
      return ensureOutput(id).destination.stream;
    },
    removeOutput(id) {
      const output = outputs.get(id);
      if (!output) return;
      for (const sourceId of [...output.taps.keys()]) untap(output, sourceId);
      for (const track of output.destination.stream.getTracks()) track.stop();
      output.destination.disconnect();
      outputs.delete(id);
    },
    route(outputId, sourceIds) {
      const output = ensureOutput(outputId);
      output.sources = new Set(sourceIds);
      for (const [sourceId, gain] of output.taps) fade(gain.gain, output.sources.has(sourceId) ? 1 : 0);
    },
    routes() {
      const result: Record<string, readonly string[]> = {};
      for (const [id, output] of outputs) result[id] = [...output.sources].sort();
      return result;
    },
    close() {
      for (const id of [...outputs.keys()]) this.removeOutput(id);
      for (const id of [...sources.keys()]) this.removeSource(id);
      if (owned) void context.close().catch(() => undefined);
    },
  };
}

/**
 * Plays `stream` on a new element (default `new Audio()`): the local speaker of a mix. Clear its `srcObject` to stop.
 * Internal to the voice mixers.
 */
export function playStream(stream: MediaStream, createAudio?: () => HTMLAudioElement): HTMLAudioElement {
  const audio = (createAudio ?? (() => new Audio()))();
  audio.autoplay = true;
  audio.srcObject = stream;
  void audio.play().catch(() => undefined);
  return audio;
}
