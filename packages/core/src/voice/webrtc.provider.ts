import { type BackoffPolicy, backoffDelay } from '../connection/backoff';
import { randomId } from '../ids/ids';
import { type HelplineError, helplineError } from '../protocol/errors';
import { assessQuality, INITIAL_QUALITY, type QualityState, readStats } from './quality';
import type {
  MediaHealth,
  MediaSignal,
  QualityThresholds,
  VoiceCallLink,
  VoiceDevices,
  VoiceProvider,
  VoiceProviderEvent,
} from './voice.types';

/** The browser APIs the WebRTC provider uses; tests and unusual hosts may pass their own. */
export interface WebRtcEnvironment {
  readonly mediaDevices: MediaDevices | undefined;
  readonly RTCPeerConnection: typeof RTCPeerConnection | undefined;
  /** Creates the element that plays the far end's audio (not attached to the page). */
  readonly createAudio: () => HTMLAudioElement;
  readonly now: () => number;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

/** Options of {@link createWebRtcProvider}. */
export interface WebRtcProviderOptions {
  /**
   * STUN and TURN servers. The default (none) only connects browsers that reach each other directly; production
   * needs TURN (see docs/voice.md).
   */
  readonly iceServers?: readonly RTCIceServer[] | undefined;
  /** `relay` forces every call through TURN (hides addresses; needs `iceServers`). Default `all`. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy | undefined;
  /** Extra microphone constraints; echo cancellation, noise suppression and gain control are on by default. */
  readonly audio?: MediaTrackConstraints | undefined;
  /** How often quality is read from `getStats`, ms. Default 1000. */
  readonly statsIntervalMs?: number | undefined;
  readonly thresholds?: QualityThresholds | undefined;
  /** Back-off of ICE restarts while media is down (full jitter). Default 1 s doubling to 4 s. */
  readonly restartBackoff?: BackoffPolicy | undefined;
  /** How long to wait for the far end's offer or answer before asking again, ms. Default 3000. */
  readonly signalWaitMs?: number | undefined;
  /** How long after a microphone swap audio must be seen leaving, ms. Default 3000. */
  readonly swapCheckMs?: number | undefined;
  readonly random?: () => number;
  readonly environment?: Partial<WebRtcEnvironment> | undefined;
  /**
   * What this side sends instead of the microphone (a mixer's output: the agent's browser sends a supervisor the
   * call's mix). Device selection then does not apply.
   */
  readonly input?: (() => Promise<MediaStream>) | undefined;
  /** Where the far end's audio goes instead of a media element of the provider's own (a mixer's source). */
  readonly onRemote?: ((remote: MediaStream) => void) | undefined;
}

/**
 * A live call's audio as a mixer sees it (see {@link WebRtcProvider.tap}): this side's microphone, the far end's
 * audio, and a way to send something else than the microphone without renegotiating.
 */
export interface CallTap {
  /** The microphone in use. */
  readonly microphone: MediaStream;
  /** The far end's audio, once it arrived. */
  readonly remote: MediaStream | undefined;
  /**
   * Sends `track` to the far end instead of the microphone (`null`: this tap stops sending). No renegotiation.
   * Taps stack: the far end hears the track of the tap that sent last and is still sending, else the microphone —
   * so a consult's mix and a supervisor's mix on one call hand the line back to each other, not to the raw
   * microphone, whichever stops first.
   */
  send(track: MediaStreamTrack | null): Promise<void>;
  /** Calls `listener` with the far end's audio now (if any) and whenever it changes (a new peer after a reload). */
  onRemote(listener: (remote: MediaStream) => void): () => void;
}

/** The WebRTC provider: a {@link VoiceProvider} whose live call a mixer can tap. */
export interface WebRtcProvider extends VoiceProvider {
  /** The live call's audio, or `undefined` without one (see {@link CallTap}). */
  tap(): CallTap | undefined;
}

interface Peer {
  readonly pc: RTCPeerConnection;
  readonly sender: RTCRtpSender;
  /** This peer connection's id in signals. */
  readonly id: string;
  /** The far end's peer connection, once its offer or answer was applied. */
  remote: string | undefined;
  /** Candidates that arrived before the description they belong to. */
  pending: { peer: string; candidate: RTCIceCandidateInit }[];
}

interface Swap {
  readonly deviceId: string;
  readonly bytesSent: number;
  readonly since: number;
}

const CONNECTED = new Set(['connected', 'completed']);

/** Maps a `getUserMedia` failure to the error catalog. */
function microphoneError(error: unknown): HelplineError {
  const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return helplineError('voice/permission-denied', {}, { cause: error });
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    return helplineError('voice/no-device', {}, { cause: error });
  }
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') {
    return helplineError('voice/device-busy', {}, { cause: error });
  }
  return helplineError(
    'voice/unsupported',
    { detail: name || 'the microphone could not open' },
    { cause: error },
  );
}

/**
 * Asks the far end's Opus encoder for discontinuous transmission: silence (a muted or held microphone) then
 * costs a few packets a second instead of fifty.
 */
function withDtx(sdp: string): string {
  return sdp.replace(/^(a=fmtp:\d+ (?=[^\r\n]*useinbandfec=1)(?![^\r\n]*usedtx)[^\r\n]*)/gm, '$1;usedtx=1');
}

function defaultEnvironment(): WebRtcEnvironment {
  const scope = globalThis as { navigator?: Navigator; RTCPeerConnection?: typeof RTCPeerConnection };
  return {
    mediaDevices: scope.navigator?.mediaDevices,
    RTCPeerConnection: scope.RTCPeerConnection,
    createAudio: () => new Audio(),
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/**
 * The browser-to-browser voice provider: the microphone through `getUserMedia`, one `RTCPeerConnection` per call
 * with offer, answer and ICE candidates relayed by the hub, Opus with DTX, ICE restarts with jittered back-off,
 * quality from `getStats`, microphone and speaker selection with hot-swap.
 *
 * @example
 * ```ts
 * const provider = createWebRtcProvider({
 *   iceServers: [{ urls: 'turns:turn.example.com:443', username, credential }],
 * });
 * const call = createCallSession({ connection: session.connection, provider });
 * ```
 */
export function createWebRtcProvider(options: WebRtcProviderOptions = {}): WebRtcProvider {
  const env: WebRtcEnvironment = { ...defaultEnvironment(), ...options.environment };
  const statsIntervalMs = options.statsIntervalMs ?? 1000;
  const backoff = options.restartBackoff ?? { initialMs: 1000, maxMs: 4000 };
  const signalWaitMs = options.signalWaitMs ?? 3000;
  const swapCheckMs = options.swapCheckMs ?? 3000;
  const random = options.random ?? Math.random;
  const listeners = new Set<(event: VoiceProviderEvent) => void>();

  let stream: MediaStream | undefined;
  let track: MediaStreamTrack | undefined;
  let inputId: string | undefined;
  let outputId: string | undefined;
  let link: VoiceCallLink | undefined;
  let peer: Peer | undefined;
  let audio: HTMLAudioElement | undefined;
  let remoteStream: MediaStream | undefined;
  /** What the taps send instead of the microphone (mixes), the last sender last; the far end hears the last. */
  const senders = new Map<CallTap, MediaStreamTrack>();
  const sending = (): MediaStreamTrack | undefined => [...senders.values()].at(-1);
  const remoteListeners = new Set<(remote: MediaStream) => void>();
  let muted = false;
  let held = false;
  let health: MediaHealth | undefined;
  let audioBlocked = false;
  let restartTimer: unknown;
  let restartAttempt = 0;
  let statsTimer: unknown;
  let quality: QualityState = INITIAL_QUALITY;
  let lastBytesSent = 0;
  let swap: Swap | undefined;
  let watchingDevices = false;
  // Signals are applied one at a time, in arrival order: descriptions before their candidates.
  let signals: Promise<void> = Promise.resolve();

  function emit(event: VoiceProviderEvent): void {
    for (const listener of [...listeners]) listener(event);
  }

  function fail(error: unknown): void {
    emit({
      type: 'error',
      error:
        error instanceof Error && error.name === 'HelplineError'
          ? (error as HelplineError)
          : helplineError('voice/unsupported', { detail: String(error) }, { cause: error }),
    });
  }

  // ─── microphone and devices ──────────────────────────────────────────────────────────────────────

  async function openMicrophone(deviceId: string | undefined): Promise<MediaStream> {
    if (options.input) return await options.input();
    const { mediaDevices } = env;
    if (!mediaDevices?.getUserMedia || !env.RTCPeerConnection) {
      throw helplineError('voice/unsupported', {
        detail: mediaDevices ? 'no WebRTC' : 'no microphone access (the page must be served over https)',
      });
    }
    const audioConstraints: MediaTrackConstraints = {
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
      ...options.audio,
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    };
    try {
      return await mediaDevices.getUserMedia({ audio: audioConstraints, video: false });
    } catch (error) {
      throw microphoneError(error);
    }
  }

  function adopt(next: MediaStream): MediaStreamTrack {
    const nextTrack = next.getAudioTracks()[0];
    if (!nextTrack) throw helplineError('voice/no-device');
    const previous = stream;
    stream = next;
    track = nextTrack;
    inputId = nextTrack.getSettings().deviceId ?? inputId;
    nextTrack.enabled = !muted && !held;
    // An unplugged headset ends its track: move to another microphone instead of going silent.
    nextTrack.addEventListener('ended', () => {
      if (track === nextTrack) void switchInput(undefined).catch(fail);
    });
    if (previous && previous !== next) for (const old of previous.getTracks()) old.stop();
    watchDevices();
    return nextTrack;
  }

  function watchDevices(): void {
    if (watchingDevices || !env.mediaDevices) return;
    watchingDevices = true;
    env.mediaDevices.addEventListener('devicechange', onDeviceChange);
  }

  function onDeviceChange(): void {
    followDevices().catch(fail);
  }

  async function followDevices(): Promise<void> {
    const devices = await listDevices();
    emit({ type: 'devices', devices });
    // The microphone in use disappeared: switch to the system default before the far end hears silence.
    if (track && inputId && !devices.inputs.some((input) => input.id === inputId)) {
      await switchInput(undefined).catch(fail);
    }
  }

  async function listDevices(): Promise<VoiceDevices> {
    const all = env.mediaDevices ? await env.mediaDevices.enumerateDevices() : [];
    const pick = (kind: MediaDeviceKind) =>
      all
        .filter((device) => device.kind === kind)
        .map((device) => ({ id: device.deviceId, label: device.label }));
    const probe = typeof HTMLMediaElement === 'undefined' ? undefined : HTMLMediaElement.prototype;
    return {
      inputs: pick('audioinput'),
      outputs: pick('audiooutput'),
      inputId,
      outputId,
      canSelectOutput: probe !== undefined && 'setSinkId' in probe,
    };
  }

  /** Moves to another microphone: a new track replaces the old one on the sender, without renegotiation. */
  async function switchInput(deviceId: string | undefined): Promise<void> {
    const next = await openMicrophone(deviceId);
    const nextTrack = adopt(next);
    if (peer) {
      await peer.sender.replaceTrack(sending() ?? nextTrack);
      swap = { deviceId: inputId ?? deviceId ?? 'default', bytesSent: lastBytesSent, since: env.now() };
    }
    emit({ type: 'devices', devices: await listDevices() });
  }

  function applyTrackState(): void {
    if (track) track.enabled = !muted && !held;
    if (audio) audio.muted = held;
  }

  function releaseMicrophone(): void {
    for (const old of stream?.getTracks() ?? []) old.stop();
    stream = undefined;
    track = undefined;
  }

  // ─── peer connection ─────────────────────────────────────────────────────────────────────────────

  function createPeer(currentLink: VoiceCallLink, currentTrack: MediaStreamTrack): Peer {
    const Connection = env.RTCPeerConnection;
    if (!Connection) throw helplineError('voice/unsupported', { detail: 'no WebRTC' });
    const pc = new Connection({
      iceServers: [...(options.iceServers ?? [])],
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    const sender = pc.addTrack(sending() ?? currentTrack, stream ?? new MediaStream([currentTrack]));
    const created: Peer = { pc, sender, id: randomId('p'), remote: undefined, pending: [] };
    pc.onicecandidate = (event) => {
      const { candidate } = event;
      if (peer !== created || !candidate?.candidate) return;
      currentLink.send({
        kind: 'candidate',
        peer: created.id,
        candidate: {
          candidate: candidate.candidate,
          ...(candidate.sdpMid === null ? {} : { sdpMid: candidate.sdpMid }),
          ...(candidate.sdpMLineIndex === null ? {} : { sdpMLineIndex: candidate.sdpMLineIndex }),
          ...(candidate.usernameFragment ? { usernameFragment: candidate.usernameFragment } : {}),
        },
      });
    };
    pc.ontrack = (event) => {
      if (peer === created) play(event.streams[0] ?? new MediaStream([event.track]));
    };
    const onState = () => {
      if (peer === created) healthChanged(created);
    };
    pc.onconnectionstatechange = onState;
    pc.oniceconnectionstatechange = onState;
    return created;
  }

  function closePeer(): void {
    const old = peer;
    peer = undefined;
    if (!old) return;
    old.pc.onicecandidate = null;
    old.pc.ontrack = null;
    old.pc.onconnectionstatechange = null;
    old.pc.oniceconnectionstatechange = null;
    old.pc.close();
  }

  /** A far end that is a new peer (it reloaded) needs a new peer connection here too: new ICE, new DTLS. */
  function replacePeer(): Peer {
    if (!link || !track) throw helplineError('voice/unsupported', { detail: 'no call' });
    closePeer();
    peer = createPeer(link, track);
    return peer;
  }

  function isConnected(current: Peer): boolean {
    return current.pc.connectionState === 'connected' || CONNECTED.has(current.pc.iceConnectionState);
  }

  function setHealth(next: MediaHealth): void {
    if (health === next) return;
    health = next;
    emit({ type: 'media', health: next });
  }

  function healthChanged(current: Peer): void {
    const { connectionState, iceConnectionState } = current.pc;
    if (isConnected(current)) {
      restartAttempt = 0;
      restartTimer = clearTimer(restartTimer);
      setHealth('connected');
    } else if (connectionState === 'failed' || iceConnectionState === 'failed') {
      setHealth('failed');
      scheduleRestart();
    } else if (connectionState === 'disconnected' || iceConnectionState === 'disconnected') {
      setHealth('reconnecting');
      scheduleRestart();
    }
  }

  function clearTimer(handle: unknown): undefined {
    if (handle !== undefined) env.clearTimeout(handle);
    return undefined;
  }

  /**
   * Keeps asking for a working path while there is none: the offering side restarts ICE, the other side asks it
   * to. Also covers an offer or answer lost in a signaling outage. A path still being checked is left alone.
   */
  function scheduleRestart(firstDelayMs?: number): void {
    if (restartTimer !== undefined || !peer) return;
    const delay = firstDelayMs ?? Math.max(250, backoffDelay(restartAttempt, backoff, random));
    restartTimer = env.setTimeout(() => {
      restartTimer = undefined;
      const current = peer;
      if (!current || !link || isConnected(current)) return;
      const { connectionState, iceConnectionState } = current.pc;
      const described = current.pc.remoteDescription !== null && current.remote !== undefined;
      const broken =
        !described ||
        connectionState === 'disconnected' ||
        connectionState === 'failed' ||
        iceConnectionState === 'disconnected' ||
        iceConnectionState === 'failed';
      if (broken) {
        restartAttempt++;
        emit({ type: 'ice-restart', attempt: restartAttempt });
        if (link.offerer) enqueue(() => offer(described));
        else link.send({ kind: 'restart', peer: current.id });
      }
      scheduleRestart();
    }, delay);
  }

  async function offer(iceRestart: boolean): Promise<void> {
    const current = peer;
    if (!current || !link) return;
    const { pc } = current;
    if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
    const description = await pc.createOffer(iceRestart ? { iceRestart: true } : {});
    await pc.setLocalDescription({ type: 'offer', sdp: withDtx(description.sdp ?? '') });
    if (peer === current) link.send({ kind: 'offer', peer: current.id, sdp: pc.localDescription?.sdp ?? '' });
  }

  function enqueue(task: () => Promise<void>): void {
    signals = signals.then(task).catch(fail);
  }

  async function handle(signal: MediaSignal): Promise<void> {
    if (!link || !peer) return;
    switch (signal.kind) {
      case 'offer': {
        if (link.offerer) return; // Offers only flow from the offering side: no glare by construction.
        const current = peer.remote !== undefined && peer.remote !== signal.peer ? replacePeer() : peer;
        const { pc } = current;
        await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
        current.remote = signal.peer;
        const answer = await pc.createAnswer();
        await pc.setLocalDescription({ type: 'answer', sdp: withDtx(answer.sdp ?? '') });
        link.send({ kind: 'answer', peer: current.id, sdp: pc.localDescription?.sdp ?? '' });
        await flushCandidates(current);
        return;
      }
      case 'answer': {
        if (!link.offerer || peer.pc.signalingState !== 'have-local-offer') return;
        await peer.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
        peer.remote = signal.peer;
        await flushCandidates(peer);
        return;
      }
      case 'candidate': {
        if (peer.remote === undefined || peer.pc.remoteDescription === null) {
          peer.pending.push({ peer: signal.peer, candidate: signal.candidate });
        } else if (signal.peer === peer.remote) {
          // A candidate of an ICE generation that a restart already replaced is refused; that is harmless.
          await peer.pc.addIceCandidate(signal.candidate).catch(() => undefined);
        }
        return;
      }
      case 'restart': {
        if (!link.offerer) return;
        // The same far end asks for an ICE restart; a new one (it reloaded) gets a new peer connection.
        if (peer.remote === signal.peer) await offer(true);
        else {
          replacePeer();
          await offer(false);
        }
        return;
      }
    }
  }

  async function flushCandidates(current: Peer): Promise<void> {
    const ready = current.pending.filter((entry) => entry.peer === current.remote);
    current.pending = [];
    for (const entry of ready) await current.pc.addIceCandidate(entry.candidate).catch(() => undefined);
  }

  function play(remote: MediaStream): void {
    remoteStream = remote;
    for (const listener of [...remoteListeners]) listener(remote);
    if (options.onRemote) {
      options.onRemote(remote);
      return;
    }
    audio ??= env.createAudio();
    audio.autoplay = true;
    audio.srcObject = remote;
    audio.muted = held;
    if (outputId && 'setSinkId' in audio) void audio.setSinkId(outputId).catch(fail);
    startAudio();
  }

  function startAudio(): void {
    audio?.play().then(
      () => setBlocked(false),
      (error: unknown) => {
        if ((error as { name?: unknown } | null)?.name === 'NotAllowedError') setBlocked(true);
      },
    );
  }

  function setBlocked(blocked: boolean): void {
    if (audioBlocked === blocked) return;
    audioBlocked = blocked;
    emit({ type: 'audio-blocked', blocked });
  }

  // ─── quality ─────────────────────────────────────────────────────────────────────────────────────

  function scheduleStats(): void {
    statsTimer = clearTimer(statsTimer);
    statsTimer = env.setTimeout(() => {
      statsTimer = undefined;
      void sampleStats().finally(() => {
        if (peer) scheduleStats();
      });
    }, statsIntervalMs);
  }

  async function sampleStats(): Promise<void> {
    const current = peer;
    if (!current) return;
    const report = await current.pc.getStats().catch(() => undefined);
    if (!report || peer !== current) return;
    const reading = readStats(report, env.now());
    lastBytesSent = reading.bytesSent;
    const result = assessQuality(
      quality,
      reading,
      options.thresholds ? { thresholds: options.thresholds } : {},
    );
    quality = result.state;
    emit({ type: 'quality', quality: result.quality });
    for (const change of result.changes) emit({ type: 'warning', ...change });
    if (swap) {
      // No one-way audio after a swap: bytes must leave through the new track.
      if (reading.bytesSent > swap.bytesSent) {
        emit({ type: 'input-swapped', deviceId: swap.deviceId, flowing: true });
        swap = undefined;
      } else if (reading.at - swap.since >= swapCheckMs) {
        emit({ type: 'input-swapped', deviceId: swap.deviceId, flowing: false });
        swap = undefined;
      }
    }
  }

  // ─── the provider ────────────────────────────────────────────────────────────────────────────────

  async function connect(next: VoiceCallLink): Promise<void> {
    await prepare();
    closePeer();
    link = next;
    health = undefined;
    restartAttempt = 0;
    restartTimer = clearTimer(restartTimer);
    quality = INITIAL_QUALITY;
    lastBytesSent = 0;
    if (!track) throw helplineError('voice/no-device');
    peer = createPeer(next, track);
    if (next.offerer) enqueue(() => offer(false));
    else if (next.resume) next.send({ kind: 'restart', peer: peer.id });
    // Nothing heard from the far end in time (an offer lost in an outage): ask again, with back-off.
    scheduleRestart(signalWaitMs);
    scheduleStats();
  }

  function hangup(): void {
    closePeer();
    link = undefined;
    restartTimer = clearTimer(restartTimer);
    statsTimer = clearTimer(statsTimer);
    swap = undefined;
    health = undefined;
    held = false;
    muted = false;
    if (audio) audio.srcObject = null;
    remoteStream = undefined;
    senders.clear();
    releaseMicrophone();
  }

  async function prepare(): Promise<void> {
    if (track?.readyState === 'live') return;
    adopt(await openMicrophone(inputId));
  }

  return {
    kind: 'webrtc',
    tap() {
      const current = peer;
      if (!current || !stream) return undefined;
      const tap: CallTap = {
        microphone: stream,
        remote: remoteStream,
        async send(next) {
          // A Map keeps its first order: a tap that sends again keeps its place.
          if (next) senders.set(tap, next);
          else senders.delete(tap);
          if (peer === current) await current.sender.replaceTrack(sending() ?? track ?? null);
        },
        onRemote(listener) {
          remoteListeners.add(listener);
          if (remoteStream) listener(remoteStream);
          return () => remoteListeners.delete(listener);
        },
      };
      return tap;
    },
    prepare,
    start: connect,
    answer: connect,
    receive(signal) {
      enqueue(() => handle(signal));
    },
    hangup,
    mute(value) {
      muted = value;
      applyTrackState();
    },
    hold(value) {
      held = value;
      applyTrackState();
    },
    sendDtmf(digits) {
      const dtmf = peer?.sender.dtmf;
      if (!dtmf?.canInsertDTMF) return false;
      dtmf.ontonechange = (event) => {
        if (event.tone) emit({ type: 'tone', tone: event.tone });
      };
      dtmf.insertDTMF(digits, 100, 70);
      return true;
    },
    devices: listDevices,
    selectInput: (deviceId) => switchInput(deviceId),
    async selectOutput(deviceId) {
      outputId = deviceId;
      if (audio && 'setSinkId' in audio) await audio.setSinkId(deviceId);
      emit({ type: 'devices', devices: await listDevices() });
    },
    async resumeAudio() {
      startAudio();
    },
    async stats() {
      return peer ? await peer.pc.getStats() : undefined;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      hangup();
      if (watchingDevices) env.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
      watchingDevices = false;
      listeners.clear();
      remoteListeners.clear();
    },
  };
}
