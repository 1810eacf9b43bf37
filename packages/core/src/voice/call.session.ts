import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import { phaseOf } from '../interaction/phase';
import { transition } from '../machine';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import type { Notice, WireCall, WireInteraction } from '../protocol/protocol.types';
import { createRinger, type Ringer } from './ring';
import {
  type CallSide,
  type VoiceFlags,
  type VoiceSnapshot,
  type VoiceState,
  voiceFlags,
  voiceMachine,
  voiceSnapshot,
} from './voice.machine';
import type {
  CallControls,
  CallQuality,
  MediaHealth,
  MediaSignal,
  QualityMetric,
  VoiceCallLink,
  VoiceDevices,
  VoiceProvider,
} from './voice.types';
import { callSnapshotFor } from './voice.wire';

/** The call as a UI shows it. */
export interface CallView {
  /** The interaction (conversation) the call belongs to. */
  readonly cid: string;
  /** `undefined` while an agent's voice offer rings (the call is picked up by accepting the offer). */
  readonly callId: string | undefined;
  /** The voice machine snapshot seen from this side: `direction` is `outbound` where the call was placed. */
  readonly snapshot: VoiceSnapshot;
  /** What the UI may show or do now (`canAnswer`, `canHold`, `isReconnecting`…). */
  readonly flags: VoiceFlags;
  /** The other party's name, when known; text only. */
  readonly remoteName: string | undefined;
  /** DTMF digits received from the other party during this call, oldest first. */
  readonly digitsReceived: string;
  /** The ringtone plays in this tab (only one tab of a browser rings). */
  readonly ringing: boolean;
  /** The browser blocked sound until a user gesture: show a button that calls `resumeAudio()`. */
  readonly audioBlocked: boolean;
  /** This side's own audio path; the snapshot's `media` already includes it. */
  readonly localMedia: MediaHealth | undefined;
}

/** What a call session reports besides its stores. */
export type CallSessionEvent =
  /** The other party sent DTMF digits. */
  | { readonly type: 'dtmf'; readonly digits: string }
  /** A quality metric crossed its threshold, or came back. */
  | {
      readonly type: 'warning';
      readonly metric: QualityMetric;
      readonly raised: boolean;
      readonly value: number;
    }
  /** The microphone changed; `flowing` is false when no audio was seen leaving afterwards. */
  | { readonly type: 'input-swapped'; readonly deviceId: string; readonly flowing: boolean }
  | { readonly type: 'ended'; readonly call: CallView }
  | { readonly type: 'error'; readonly error: HelplineError };

/** Options of {@link createCallSession}. */
export interface CallSessionOptions {
  /** The visitor's or the agent's connection (`session.connection`). */
  readonly connection: Connection;
  /** The media engine: `createWebRtcProvider()`, or the Vonage provider. The session owns it. */
  readonly provider: VoiceProvider;
  /**
   * How an agent picks up a voice offer. Default: the `offer.accept` command; pass `agentSession.accept` so the
   * agent session's stores load the conversation too.
   */
  readonly accept?: (cid: string) => Promise<unknown>;
  /** How an agent declines a voice offer. Default: the `offer.reject` command. */
  readonly reject?: (cid: string) => Promise<unknown>;
  /**
   * An agent's offers (the agent session's `$offers`): a voice offer that is already there when the call session
   * starts (after a reload, or when voice loads after the offer came) rings too, and one taken back stops ringing.
   */
  readonly offers?:
    | ReadableAtom<Readonly<Record<string, { readonly interaction: WireInteraction }>>>
    | undefined;
  /**
   * Whether this tab is the one that rings (one ringing tab per browser). Pass the leader transport's
   * `$isLeader`. Default: this tab rings.
   */
  readonly isLeader?: ReadableAtom<boolean> | undefined;
  /** The ringtone; default a Web Audio ringer, `false` for none. */
  readonly ringer?: Ringer | false | undefined;
  readonly now?: () => number;
}

/**
 * One party's calls: the current call as stores, and the actions of a call UI. It follows the call the hub keeps
 * for an interaction, runs the media through its provider, and keeps ringing to one tab.
 */
export interface CallSession extends CallControls {
  /** The current (or last) call; `undefined` before any. */
  readonly $call: ReadableAtom<CallView | undefined>;
  /** Audio quality while media flows. */
  readonly $quality: ReadableAtom<CallQuality | undefined>;
  /** Microphones and speakers; filled by `refreshDevices()` and kept current on device changes. */
  readonly $devices: ReadableAtom<VoiceDevices | undefined>;
  /** The last error of an action or of the media (for example `voice/permission-denied`). */
  readonly $error: ReadableAtom<HelplineError | undefined>;
  readonly provider: VoiceProvider;
  /**
   * Places a call (visitor click-to-call): opens the microphone first — nothing is created on the server when that
   * fails — then runs `place`, which creates the voice interaction and resolves with its id.
   */
  call(place: () => Promise<string>): Promise<string>;
  /** Starts a call inside a running interaction: a chat escalated to voice, or a web callback. */
  start(cid: string): Promise<void>;
  /** Takes over the live call of an interaction (after a reload); resolves false when there is none. */
  attach(cid: string): Promise<boolean>;
  /**
   * Picks up the call that rings here (an agent's voice offer, or a call placed to this side); with `cid`, the voice
   * offer of that interaction. The microphone opens first: when it cannot, nothing is accepted.
   */
  answer(cid?: string): Promise<void>;
  /** Only the side that put the call on hold can resume it. */
  resume(): Promise<void>;
  /** Sends DTMF digits (`0-9`, `*`, `#`, `A-D`) on the audio path, and to the other party's screen. */
  sendDigits(digits: string): Promise<void>;
  refreshDevices(): Promise<void>;
  selectInput(deviceId: string): Promise<void>;
  selectOutput(deviceId: string): Promise<void>;
  /** Starts sound the browser blocked (the ringtone, the other party's voice); call it from a click. */
  resumeAudio(): Promise<void>;
  on(listener: (event: CallSessionEvent) => void): () => void;
  /** Ends the media, stops listening and disposes the provider. */
  dispose(): void;
}

interface Current {
  readonly cid: string;
  callId: string | undefined;
  /** The hub's view of the call. */
  wire: WireCall | undefined;
  /** An agent's voice offer that rings before any call is picked up: when it started. */
  offerAt: number | undefined;
  remoteName: string | undefined;
  digits: string;
  /** This tab runs the call's media (it placed, answered or attached it). */
  owned: boolean;
  /** Join the media as a new peer (after a reload). */
  resume: boolean;
  /** The call whose media runs here. */
  mediaFor: string | undefined;
  endedFor: string | undefined;
}

const TALKING: ReadonlySet<VoiceState> = new Set([
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
]);
const LIVE: ReadonlySet<VoiceState> = new Set(['dialing', 'ringing', ...TALKING]);
const DTMF = /^[0-9A-Da-d*#,]{1,32}$/;

/**
 * Creates the call session of a visitor or an agent.
 *
 * @example
 * ```ts
 * const { createCallSession, createWebRtcProvider } = await import('@helpline/core/voice');
 * const calls = createCallSession({ connection: visitor.connection, provider: createWebRtcProvider() });
 * calls.$call.subscribe(render);
 * await calls.call(() => visitor.startChat({ channel: 'voice', topic: 'billing' }));
 * ```
 */
export function createCallSession(options: CallSessionOptions): CallSession {
  const { connection, provider } = options;
  const now = options.now ?? Date.now;
  const ringer = options.ringer === false ? undefined : (options.ringer ?? createRinger());
  const $call = atom<CallView | undefined>(undefined);
  const $quality = atom<CallQuality | undefined>(undefined);
  const $devices = atom<VoiceDevices | undefined>(undefined);
  const $error = atom<HelplineError | undefined>(undefined);
  const listeners = new Set<(event: CallSessionEvent) => void>();
  let current: Current | undefined;
  let muted = false;
  let localMedia: MediaHealth | undefined;
  let ringing = false;
  let ringBlocked = false;
  let mediaBlocked = false;

  // Listening to calls is a reason to connect, as it is for the other sessions' stores.
  onMount($call, () => connection.open());

  const side = (): CallSide => (connection.$subject.get()?.role === 'visitor' ? 'visitor' : 'agent');
  const isLeader = () => options.isLeader?.get() ?? true;

  function emit(event: CallSessionEvent): void {
    for (const listener of [...listeners]) listener(event);
  }

  function failWith(error: unknown): HelplineError {
    const typed = isHelplineError(error) ? error : helplineError('internal', { detail: String(error) });
    $error.set(typed);
    emit({ type: 'error', error: typed });
    return typed;
  }

  function isLive(call: Current | undefined): boolean {
    return (
      call !== undefined &&
      (call.offerAt !== undefined || (call.wire !== undefined && LIVE.has(call.wire.state)))
    );
  }

  function snapshotOf(call: Current): VoiceSnapshot {
    let snapshot = call.wire
      ? callSnapshotFor(call.wire, side(), { muted })
      : voiceSnapshot({ direction: 'inbound', at: call.offerAt ?? now(), acw: { kind: 'none' } });
    if (!call.wire && muted)
      snapshot = transition(voiceMachine, snapshot, { type: 'MUTE', at: now() }).snapshot;
    // This side may know its audio path is down before the hub hears of it.
    if (call.mediaFor && localMedia && localMedia !== 'connected' && snapshot.context.media === 'ok') {
      const type = localMedia === 'failed' ? 'MEDIA_FAILED' : 'MEDIA_RECONNECTING';
      snapshot = transition(voiceMachine, snapshot, { type, at: now() }).snapshot;
    }
    return snapshot;
  }

  function publish(): void {
    const call = current;
    if (!call) {
      $call.set(undefined);
      return;
    }
    const snapshot = snapshotOf(call);
    $call.set({
      cid: call.cid,
      callId: call.callId,
      snapshot,
      flags: voiceFlags(snapshot),
      remoteName: call.remoteName,
      digitsReceived: call.digits,
      ringing,
      audioBlocked: ringBlocked || mediaBlocked,
      localMedia: call.mediaFor ? localMedia : undefined,
    });
  }

  function setRinging(on: boolean): void {
    if (on === ringing) return;
    ringing = on;
    if (!ringer) return;
    if (!on) {
      ringer.stop();
      ringBlocked = false;
      return;
    }
    void ringer.start().then((audible) => {
      if (audible || !ringing) return;
      ringBlocked = true;
      publish();
    });
  }

  /** Brings media, ringing and hold in line with the call's state. */
  function react(): void {
    const call = current;
    if (!call) {
      publish();
      return;
    }
    const snapshot = snapshotOf(call);
    const { value } = snapshot;
    const ringsHere =
      call.offerAt !== undefined || (value === 'ringing' && snapshot.context.direction === 'inbound');
    setRinging(ringsHere && isLeader());
    if (call.owned && call.wire && call.callId && TALKING.has(value) && call.mediaFor !== call.callId) {
      startMedia(call, call.wire, call.callId);
    }
    // While the agent consults, the agent's side holds the customer's leg: nothing of the consult reaches the
    // customer. The customer's side keeps playing what the agent's browser sends then (hold music, see
    // createConsultMedia).
    if (call.mediaFor) provider.hold(value === 'held' || (value === 'consulting' && side() === 'agent'));
    if (call.wire && !LIVE.has(value) && call.endedFor !== call.callId) {
      call.endedFor = call.callId;
      if (call.mediaFor) provider.hangup();
      call.mediaFor = undefined;
      localMedia = undefined;
      muted = false;
      publish();
      const view = $call.get();
      if (view) emit({ type: 'ended', call: view });
      return;
    }
    publish();
  }

  function startMedia(call: Current, wire: WireCall, callId: string): void {
    const mine = side();
    call.mediaFor = callId;
    localMedia = undefined;
    const link: VoiceCallLink = {
      callId,
      // The agent's side always offers: both ends never offer at once, even when both reload.
      offerer: mine === 'agent',
      resume: call.resume,
      send: (signal) => sendSignal(call.cid, callId, signal),
    };
    call.resume = false;
    const started = wire.startedBy === mine ? provider.start(link) : provider.answer(link);
    started.catch((error: unknown) => {
      failWith(error);
      // Media cannot start here (the microphone went away): end the call rather than leave silence.
      if (current === call && call.callId === callId) {
        void connection.command('call.hangup', { cid: call.cid, callId }).catch(() => undefined);
      }
    });
    provider.mute(muted);
  }

  function sendSignal(cid: string, callId: string, signal: MediaSignal, attempt = 0): void {
    connection.command('call.signal', { cid, callId, signal }).catch((error: unknown) => {
      // Signaling is bounded per connection: wait as told, a few times, then let ICE restarts recover.
      if (isHelplineError(error) && error.code === 'limit/rate' && attempt < 3) {
        setTimeout(() => sendSignal(cid, callId, signal, attempt + 1), error.retryAfterMs ?? 1000);
      }
    });
  }

  function report(health: MediaHealth): void {
    const call = current;
    if (!call?.callId || call.mediaFor !== call.callId) return;
    void connection
      .command('call.media', { cid: call.cid, callId: call.callId, media: health })
      .catch(() => undefined);
  }

  /** A call the hub reports, placed here or elsewhere. */
  function onWire(wire: WireCall): void {
    let call = current;
    if (!call || call.cid !== wire.cid) {
      // One call at a time: a second one (another conversation) is not shown while this one is live.
      if (isLive(call)) return;
      call = blank(wire.cid);
      current = call;
    }
    if (
      call.wire &&
      call.callId !== wire.callId &&
      wire.timestamps.createdAt < call.wire.timestamps.createdAt
    )
      return;
    if (call.callId !== wire.callId) {
      call.digits = '';
      call.endedFor = undefined;
    }
    call.callId = wire.callId;
    call.wire = wire;
    call.offerAt = undefined;
    react();
  }

  function blank(cid: string): Current {
    return {
      cid,
      callId: undefined,
      wire: undefined,
      offerAt: undefined,
      remoteName: undefined,
      digits: '',
      owned: false,
      resume: false,
      mediaFor: undefined,
      endedFor: undefined,
    };
  }

  function onOffer(interaction: WireInteraction): void {
    if (isLive(current)) return;
    current = { ...blank(interaction.id), offerAt: now(), remoteName: interaction.customer.name };
    react();
  }

  function dropOffer(cid: string): void {
    if (current?.offerAt === undefined || current.cid !== cid || current.wire) return;
    current = undefined;
    setRinging(false);
    publish();
  }

  function onNotice(notice: Notice): void {
    switch (notice.type) {
      case 'call':
        onWire(notice.call);
        return;
      case 'call.signal': {
        const call = current;
        if (!call?.owned || call.cid !== notice.cid || call.callId !== notice.callId) return;
        if (notice.signal.kind === 'dtmf') {
          call.digits = (call.digits + notice.signal.digits).slice(-64);
          publish();
          emit({ type: 'dtmf', digits: notice.signal.digits });
        } else {
          provider.receive(notice.signal);
        }
        return;
      }
      case 'offer':
        if (notice.offer.interaction.channel === 'voice') onOffer(notice.offer.interaction);
        return;
      case 'offer.revoked':
        dropOffer(notice.cid);
        return;
      case 'interaction': {
        const { interaction } = notice;
        const mine = interaction.agentId === connection.$subject.get()?.id;
        if (phaseOf(interaction.channel, interaction.state) !== 'offered' && !mine) dropOffer(interaction.id);
        return;
      }
      default:
        return;
    }
  }

  async function resync(call: Current): Promise<void> {
    const found = await connection.command('call.attach', { cid: call.cid }).catch((error: unknown) => {
      // The conversation is over and gone from the hub (finished while this side was away).
      if (isHelplineError(error) && error.code === 'not-found') return { call: undefined };
      throw error;
    });
    const wire = found.call;
    if (wire) onWire(wire);
    else if (current === call && call.wire && LIVE.has(call.wire.state)) {
      // The hub no longer knows the call (it restarted, or the conversation is gone): over for this side too.
      const at = now();
      onWire({
        ...call.wire,
        state: 'ended',
        endReason: 'failed',
        endedBy: 'system',
        timestamps: { ...call.wire.timestamps, endedAt: at },
      });
    }
  }

  function requireCall(operation: string): Current & { callId: string } {
    const call = current;
    if (!call?.callId || !isLive(call)) {
      throw helplineError('conflict/state', { operation, entity: 'call', state: call ? 'over' : 'absent' });
    }
    return call as Current & { callId: string };
  }

  async function run<T>(task: () => Promise<T>): Promise<T> {
    $error.set(undefined);
    try {
      return await task();
    } catch (error) {
      throw failWith(error);
    }
  }

  const unsubscribers = [
    connection.onNotice(onNotice),
    provider.on((event) => {
      switch (event.type) {
        case 'media':
          localMedia = event.health;
          report(event.health);
          publish();
          return;
        case 'quality':
          $quality.set(event.quality);
          return;
        case 'warning':
        case 'input-swapped':
          emit(event);
          return;
        case 'devices':
          $devices.set(event.devices);
          return;
        case 'audio-blocked':
          mediaBlocked = event.blocked;
          publish();
          return;
        case 'error':
          failWith(event.error);
          return;
        case 'tone':
        case 'ice-restart':
          return;
      }
    }),
    // After a signaling outage, rebind this connection to the call and catch up with what changed meanwhile.
    (() => {
      let wasConnected = false;
      return connection.$state.subscribe((snapshot) => {
        const connected = snapshot.value === 'connected' || snapshot.value === 'caught-up';
        const call = current;
        if (connected && !wasConnected && call?.owned && call.callId && isLive(call)) {
          resync(call).catch(() => undefined);
        }
        wasConnected = connected;
      });
    })(),
    options.isLeader?.listen(() => react()),
    options.offers?.subscribe((offers) => {
      for (const offer of Object.values(offers)) {
        if (offer?.interaction.channel === 'voice') onOffer(offer.interaction);
      }
      // Gone from the agent's offers without being picked up here: taken back, or accepted in another tab.
      const call = current;
      if (call?.offerAt !== undefined && !call.wire && !call.owned && !offers[call.cid]) dropOffer(call.cid);
    }),
  ];

  return {
    $call,
    $quality,
    $devices,
    $error,
    provider,
    call: (place) =>
      run(async () => {
        if (isLive(current))
          throw helplineError('conflict/state', { operation: 'place a call', entity: 'call', state: 'live' });
        await provider.prepare();
        let cid: string;
        try {
          cid = await place();
        } catch (error) {
          provider.hangup();
          throw error;
        }
        const call = current?.cid === cid ? current : blank(cid);
        call.owned = true;
        current = call;
        const { call: wire } = await connection.command('call.attach', { cid });
        if (!wire) {
          provider.hangup();
          throw helplineError('conflict/state', {
            operation: 'place a call',
            entity: 'conversation',
            state: 'without a call',
          });
        }
        onWire(wire);
        return cid;
      }),
    start: (cid) =>
      run(async () => {
        if (isLive(current))
          throw helplineError('conflict/state', { operation: 'start a call', entity: 'call', state: 'live' });
        await provider.prepare();
        const { call: wire } = await connection.command('call.start', { cid }).catch((error: unknown) => {
          provider.hangup();
          throw error;
        });
        const call = current?.cid === cid ? current : blank(cid);
        call.owned = true;
        current = call;
        onWire(wire);
      }),
    attach: (cid) =>
      run(async () => {
        const { call: wire } = await connection.command('call.attach', { cid });
        if (!wire || !LIVE.has(wire.state)) return false;
        if (TALKING.has(wire.state)) await provider.prepare();
        const call = current?.cid === cid ? current : blank(cid);
        call.owned = true;
        if (call.mediaFor !== wire.callId) {
          // Media ran for this call in another page (before a reload): join it as a new peer.
          call.resume = TALKING.has(wire.state);
          call.mediaFor = undefined;
        }
        current = call;
        onWire(wire);
        return true;
      }),
    answer: (cid) =>
      run(async () => {
        if (cid !== undefined && current?.cid !== cid) {
          if (isLive(current))
            throw helplineError('conflict/state', { operation: 'answer', entity: 'call', state: 'live' });
          const offered = options.offers?.get()[cid]?.interaction;
          current = { ...blank(cid), offerAt: now(), remoteName: offered?.customer.name };
        }
        const call = current;
        if (call?.offerAt !== undefined && !call.wire) {
          await provider.prepare();
          call.owned = true;
          await (options.accept ?? ((cid) => connection.command('offer.accept', { cid })))(call.cid);
          return;
        }
        const live = requireCall('answer the call');
        if (!$call.get()?.flags.canAnswer) {
          throw helplineError('conflict/state', {
            operation: 'answer',
            entity: 'call',
            state: live.wire?.state ?? '',
          });
        }
        await provider.prepare();
        live.owned = true;
        const { call: wire } = await connection.command('call.answer', {
          cid: live.cid,
          callId: live.callId,
        });
        onWire(wire);
      }),
    reject: () =>
      run(async () => {
        const call = current;
        if (call?.offerAt !== undefined && !call.wire) {
          await (options.reject ?? ((cid) => connection.command('offer.reject', { cid })))(call.cid);
          dropOffer(call.cid);
          return;
        }
        const live = requireCall('decline the call');
        const { call: wire } = await connection.command('call.hangup', {
          cid: live.cid,
          callId: live.callId,
        });
        onWire(wire);
      }),
    hangUp: () =>
      run(async () => {
        const live = requireCall('hang up');
        const { call: wire } = await connection.command('call.hangup', {
          cid: live.cid,
          callId: live.callId,
        });
        onWire(wire);
      }),
    hold: () =>
      run(async () => {
        const live = requireCall('hold the call');
        const { call: wire } = await connection.command('call.hold', { cid: live.cid, callId: live.callId });
        onWire(wire);
      }),
    resume: () =>
      run(async () => {
        const live = requireCall('resume the call');
        const { call: wire } = await connection.command('call.resume', {
          cid: live.cid,
          callId: live.callId,
        });
        onWire(wire);
      }),
    mute: async () => {
      muted = true;
      provider.mute(true);
      publish();
    },
    unmute: async () => {
      muted = false;
      provider.mute(false);
      publish();
    },
    sendDigits: (digits) =>
      run(async () => {
        if (!DTMF.test(digits)) {
          throw helplineError('validation/field', {
            scope: 'sendDigits',
            field: 'digits',
            detail: 'must be 0-9, A-D, *, # or ,',
          });
        }
        const live = requireCall('send digits');
        provider.sendDtmf(digits);
        await connection.command('call.signal', {
          cid: live.cid,
          callId: live.callId,
          signal: { kind: 'dtmf', digits },
        });
      }),
    refreshDevices: () =>
      run(async () => {
        $devices.set(await provider.devices());
      }),
    selectInput: (deviceId) => run(() => provider.selectInput(deviceId)),
    selectOutput: (deviceId) => run(() => provider.selectOutput(deviceId)),
    async resumeAudio() {
      const audible = ringer ? await ringer.unblock() : true;
      if (audible) ringBlocked = false;
      await provider.resumeAudio();
      publish();
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe?.();
      setRinging(false);
      provider.dispose();
      listeners.clear();
    },
  };
}
