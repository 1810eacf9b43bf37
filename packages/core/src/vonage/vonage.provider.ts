import { atom, type WritableAtom } from 'nanostores';
import { systemClock } from '../clock/clock';
import { createMachineStore } from '../machine';
import { type HelplineError, helplineError } from '../protocol/errors';
import { vonageFailure } from '../protocol/errors.vonage';
import {
  type CallDirection,
  type VoiceEvent,
  type VoiceSnapshot,
  voiceMachine,
  voiceSnapshot,
} from '../voice/voice.machine';
import { sessionErrorOf, vonageError } from './vonage.errors';
import { hangupEvents, inviteCancelEvents, remoteLegEvents } from './vonage.events';
import { loadVonageClient } from './vonage.loader';
import { jwtExpiresAt, refreshDelayMs } from './vonage.token';
import type {
  VonageCall,
  VonageCallQuality,
  VonageCallStorage,
  VonageClientPort,
  VonageSessionStatus,
  VonageVoice,
  VonageVoiceOptions,
} from './vonage.types';

/** Storage key of the live call, for re-attaching after a reload. */
export const VONAGE_CALL_STORAGE_KEY = 'helpline.vonage.call';

/** How long an expected invite (after `dial` or `expect`) may take to arrive. */
const INVITE_WAIT_MS = 30_000;
/** Retry a failed token refresh this often while the old token is still good. */
const REFRESH_RETRY_MS = 5_000;
const DTMF = /^[0-9*#]{1,32}$/;

/** What survives a reload: enough to call `reconnectCall` and rebuild the call's state. */
interface StoredCall {
  readonly cid?: string | undefined;
  readonly callId: string;
  readonly direction: CallDirection;
  readonly startedAt: number;
  readonly answeredAt?: number | undefined;
}

function browserStorage(): VonageCallStorage | undefined {
  try {
    return (globalThis as { sessionStorage?: VonageCallStorage }).sessionStorage;
  } catch {
    // Sandboxed frames throw on access: re-attaching is then not offered.
    return undefined;
  }
}

function readStoredCall(storage: VonageCallStorage | undefined): StoredCall | undefined {
  try {
    const raw = storage?.getItem(VONAGE_CALL_STORAGE_KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<StoredCall>;
    if (typeof value.callId !== 'string' || typeof value.startedAt !== 'number') return undefined;
    if (value.direction !== 'inbound' && value.direction !== 'outbound') return undefined;
    return value as StoredCall;
  } catch {
    return undefined;
  }
}

/** One call's machine and facts; `VonageCall` is its public face. */
interface LiveCall extends VonageCall {
  readonly direction: CallDirection;
  readonly startedAt: number;
  /** Applies the first group of events whose first event the state accepts. */
  apply(groups: readonly (readonly VoiceEvent[])[]): void;
  readonly errorStore: WritableAtom<HelplineError | undefined>;
  readonly qualityStore: WritableAtom<VonageCallQuality | undefined>;
  readonly digitsStore: WritableAtom<string>;
  readonly endReasonStore: WritableAtom<string | undefined>;
  /** Links a call that rang before its interaction was known (see `expect`). */
  link(cid: string): void;
}

/**
 * Creates the Vonage voice provider. The Vonage Client SDK (~227 KB br) is loaded by a dynamic import only when a
 * call starts (or an agent connects), never with this module. Vonage's events drive our voice machine; hold goes
 * through our server (Vonage has no client hold); the leg id is kept so a reload can `reconnectCall`; the session
 * is refreshed before its token expires.
 *
 * @example
 * ```ts
 * const voice = createVonageVoice({ side: 'visitor', control: vonageHttpControl({ baseUrl, token }) });
 * const { cid } = await session.startCall();
 * const call = await voice.call(cid);
 * call.$snapshot.subscribe((s) => render(s.value, s.context.muted));
 * ```
 */
export function createVonageVoice(options: VonageVoiceOptions): VonageVoice {
  const { side, control } = options;
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? browserStorage();
  const marginMs = options.refreshMarginMs ?? 60_000;
  const load = options.loadClient ?? loadVonageClient;
  // Visitors have no after-call work: their call ends when it ends.
  const wrapUp = options.wrapUp ?? (side === 'visitor' ? { acw: { kind: 'none' as const } } : {});

  const $call = atom<VonageCall | undefined>(undefined);
  const $session = atom<VonageSessionStatus>('idle');
  const $sessionError = atom<HelplineError | undefined>(undefined);

  let client: VonageClientPort | undefined;
  let loading: Promise<VonageClientPort> | undefined;
  let opening: Promise<void> | undefined;
  let refreshTimer: unknown;
  let disposed = false;
  const listeners: [string, symbol][] = [];
  let current: LiveCall | undefined;
  /** Events for a call id we do not know yet (a `serverCall` still resolving): replayed once it is known. */
  const early = new Map<string, (() => void)[]>();
  let placing = 0;
  /** An invite the server is about to send (after `dial` or `expect`): answered at once. */
  let expected:
    | { cid: string; outbound: boolean; timer: unknown; resolve: (call: LiveCall) => void }
    | undefined;

  // ─── persistence ─────────────────────────────────────────────────────────────────────────────

  function remember(call: LiveCall): void {
    const { answeredAt } = call.$snapshot.get().context.timestamps;
    const record: StoredCall = {
      callId: call.callId,
      direction: call.direction,
      startedAt: call.startedAt,
      ...(call.cid ? { cid: call.cid } : {}),
      ...(answeredAt === undefined ? {} : { answeredAt }),
    };
    try {
      storage?.setItem(VONAGE_CALL_STORAGE_KEY, JSON.stringify(record));
    } catch {
      // Storage full or blocked: the call works, it just cannot be re-attached after a reload.
    }
  }

  function forgetStored(): void {
    try {
      storage?.removeItem(VONAGE_CALL_STORAGE_KEY);
    } catch {
      // Nothing to do: see remember().
    }
  }

  // ─── calls ───────────────────────────────────────────────────────────────────────────────────

  function createCall(
    callId: string,
    cid: string | undefined,
    direction: CallDirection,
    start: VoiceSnapshot,
  ): LiveCall {
    const machine = createMachineStore(voiceMachine, start);
    const errorStore = atom<HelplineError | undefined>(undefined);
    const qualityStore = atom<VonageCallQuality | undefined>(undefined);
    const digitsStore = atom('');
    const endReasonStore = atom<string | undefined>(undefined);
    const state = () => machine.$snapshot.get().value;
    let linkedCid = cid;

    async function run(operation: string, task: (port: VonageClientPort) => Promise<unknown>) {
      try {
        await task(await requireClient());
      } catch (error) {
        const typed = vonageError(error, operation);
        errorStore.set(typed);
        throw typed;
      }
    }

    function requireState(operation: string, allowed: readonly string[]): void {
      if (!allowed.includes(state())) {
        const error = helplineError('conflict/state', { operation, entity: 'call', state: state() });
        errorStore.set(error);
        throw error;
      }
    }

    function requireCid(operation: string): string {
      if (linkedCid === undefined) {
        const error = helplineError('conflict/state', { operation, entity: 'call', state: 'unlinked' });
        errorStore.set(error);
        throw error;
      }
      return linkedCid;
    }

    const call: LiveCall = {
      get cid() {
        return linkedCid;
      },
      callId,
      direction,
      startedAt: start.context.timestamps.createdAt,
      $snapshot: machine.$snapshot,
      $error: errorStore,
      $quality: qualityStore,
      $receivedDigits: digitsStore,
      $vonageEndReason: endReasonStore,
      errorStore,
      qualityStore,
      digitsStore,
      endReasonStore,
      link(id) {
        linkedCid = id;
        if (isLive(call) && call === current) remember(call);
      },
      apply(groups) {
        const before = state();
        for (const group of groups) {
          const [first] = group;
          if (!first || !machine.can(first)) continue;
          for (const event of group) if (machine.can(event)) machine.send(event);
          break;
        }
        settle(call, before);
      },
      async answer() {
        requireState('answer', ['ringing']);
        await run('answer', (port) => port.answer(callId));
        const at = clock.now();
        call.apply([
          [
            { type: 'ANSWER', at },
            { type: 'CONNECTED', at },
          ],
        ]);
      },
      async reject() {
        requireState('reject', ['ringing']);
        await run('reject', (port) => port.reject(callId));
        call.apply([[{ type: 'REJECT', at: clock.now(), by: side }]]);
      },
      async hangUp() {
        if (state() === 'ringing' && direction === 'inbound') return call.reject();
        requireState('hang up', ['dialing', 'ringing', 'connecting', 'active', 'held']);
        await run('hang up', (port) => port.hangup(callId));
        call.apply([[{ type: 'HANG_UP', at: clock.now(), by: side }]]);
      },
      async hold() {
        requireState('hold', ['active']);
        const id = requireCid('hold');
        await run('hold', () => control.hold(id, true));
        call.apply([[{ type: 'HOLD', at: clock.now(), by: side }]]);
      },
      async resume() {
        requireState('resume', ['held']);
        const id = requireCid('resume');
        await run('resume', () => control.hold(id, false));
        call.apply([[{ type: 'RESUME', at: clock.now(), by: side }]]);
      },
      async mute() {
        requireState('mute', ['dialing', 'ringing', 'connecting', 'active', 'held']);
        await run('mute', (port) => port.mute(callId));
        call.apply([[{ type: 'MUTE', at: clock.now() }]]);
      },
      async unmute() {
        requireState('unmute', ['dialing', 'ringing', 'connecting', 'active', 'held']);
        await run('unmute', (port) => port.unmute(callId));
        call.apply([[{ type: 'UNMUTE', at: clock.now() }]]);
      },
      async sendDigits(digits) {
        if (!DTMF.test(digits)) {
          const error = helplineError(
            'validation/field',
            { scope: 'call', field: 'digits', detail: 'must be 1–32 of 0-9, * and #' },
            { field: 'digits' },
          );
          errorStore.set(error);
          throw error;
        }
        requireState('send digits', ['connecting', 'active', 'held']);
        await run('send digits', (port) => port.sendDTMF(callId, digits));
      },
      finishWrapUp(disposition, notes) {
        const at = clock.now();
        call.apply([
          [
            {
              type: 'WRAP_UP_DONE',
              at,
              ...(disposition ? { disposition } : {}),
              ...(notes ? { notes } : {}),
            },
          ],
          [{ type: 'SKIP_WRAP_UP', at }],
        ]);
      },
    };
    return call;
  }

  /** Keeps the stored record in step with the call: kept while the leg can be reconnected, dropped after. */
  function settle(call: LiveCall, before: string): void {
    const after = call.$snapshot.get().value;
    if (after === before || call !== current) return;
    if (after === 'wrap-up' || after === 'ended') forgetStored();
    else if (call.direction === 'outbound' || after !== 'ringing') remember(call);
  }

  function adopt(call: LiveCall): LiveCall {
    current = call;
    $call.set(call);
    if (call.direction === 'outbound') remember(call);
    const waiting = early.get(call.callId);
    early.delete(call.callId);
    for (const replay of waiting ?? []) replay();
    return call;
  }

  function isLive(call: LiveCall | undefined): call is LiveCall {
    const state = call?.$snapshot.get().value;
    return state !== undefined && state !== 'wrap-up' && state !== 'ended';
  }

  /** Runs `handle` for the call with this Vonage id; holds it back while a `serverCall` may still return it. */
  function forCall(callId: string, handle: (call: LiveCall) => void): void {
    if (current?.callId === callId) {
      handle(current);
      return;
    }
    if (placing > 0) {
      const waiting = early.get(callId) ?? [];
      waiting.push(() => forCall(callId, handle));
      early.set(callId, waiting);
    }
  }

  // ─── Vonage events ───────────────────────────────────────────────────────────────────────────

  function listen(port: VonageClientPort): void {
    const add = (symbol: symbol, name: string) => listeners.push([name, symbol]);
    add(
      port.on('callInvite', (callId, _from, _channel) => {
        void onInvite(callId);
      }),
      'callInvite',
    );
    add(
      port.on('callInviteCancel', (callId, reason) => {
        forCall(callId, (call) => {
          call.endReasonStore.set(reason);
          call.apply(inviteCancelEvents(reason, side, clock.now()));
        });
      }),
      'callInviteCancel',
    );
    add(
      port.on('legStatusUpdate', (callId, legId, status) => {
        forCall(callId, (call) => {
          // Our own leg's status is known from our own actions; the other party's leg moves an outbound call.
          if (legId === callId || call.direction !== 'outbound') return;
          call.apply([remoteLegEvents(status, clock.now())]);
        });
      }),
      'legStatusUpdate',
    );
    add(
      port.on('callHangup', (callId, quality, reason) => {
        forCall(callId, (call) => {
          call.endReasonStore.set(reason);
          call.qualityStore.set({
            ...(typeof quality?.mos_score === 'number' ? { mos: quality.mos_score } : {}),
            ...(typeof quality?.quality_percentage === 'number'
              ? { qualityPercentage: quality.quality_percentage }
              : {}),
          });
          if (reason === 'MEDIA_TIMEOUT') {
            call.errorStore.set(
              vonageFailure('voice/vonage-call', { operation: 'keep media', detail: reason }),
            );
          }
          call.apply(hangupEvents(reason, side, clock.now()));
        });
      }),
      'callHangup',
    );
    add(
      port.on('callMediaReconnecting', (callId) => {
        forCall(callId, (call) => call.apply([[{ type: 'MEDIA_RECONNECTING', at: clock.now() }]]));
      }),
      'callMediaReconnecting',
    );
    add(
      port.on('callMediaReconnection', (callId) => {
        forCall(callId, (call) => call.apply([[{ type: 'MEDIA_RESTORED', at: clock.now() }]]));
      }),
      'callMediaReconnection',
    );
    add(
      port.on('callMediaDisconnect', (callId, reason) => {
        forCall(callId, (call) => {
          call.apply([[{ type: 'MEDIA_FAILED', at: clock.now() }]]);
          void recoverMedia(call, reason);
        });
      }),
      'callMediaDisconnect',
    );
    add(
      port.on('mute', (callId, legId, isMuted) => {
        forCall(callId, (call) => {
          if (legId !== callId) return;
          call.apply([[{ type: isMuted ? 'MUTE' : 'UNMUTE', at: clock.now() }]]);
        });
      }),
      'mute',
    );
    add(
      port.on('dtmf', (callId, legId, digits) => {
        forCall(callId, (call) => {
          if (legId !== callId) call.digitsStore.set(call.digitsStore.get() + digits);
        });
      }),
      'dtmf',
    );
    add(
      port.on('reconnecting', () => {
        if ($session.get() === 'ready') $session.set('reconnecting');
      }),
      'reconnecting',
    );
    add(
      port.on('reconnection', () => {
        $session.set('ready');
        $sessionError.set(undefined);
      }),
      'reconnection',
    );
    add(
      port.on('sessionError', (reason) => {
        void onSessionError(reason);
      }),
      'sessionError',
    );
  }

  async function onInvite(callId: string): Promise<void> {
    const port = await requireClient();
    if (isLive(current)) {
      // One call at a time: a second invite is declined as busy, the live call goes on.
      await port.reject(callId).catch(() => undefined);
      return;
    }
    const at = clock.now();
    const awaited = expected;
    if (awaited) {
      clock.clearTimeout(awaited.timer);
      expected = undefined;
      const direction: CallDirection = awaited.outbound ? 'outbound' : 'inbound';
      const call = adopt(
        createCall(callId, awaited.cid, direction, voiceSnapshot({ ...wrapUp, direction, at })),
      );
      try {
        await port.answer(callId);
        if (direction === 'inbound') {
          const now = clock.now();
          call.apply([
            [
              { type: 'ANSWER', at: now },
              { type: 'CONNECTED', at: now },
            ],
          ]);
        } else {
          remember(call);
        }
      } catch (error) {
        call.errorStore.set(vonageError(error, 'answer'));
        call.apply([[{ type: 'FAIL', at: clock.now() }]]);
      }
      awaited.resolve(call);
      return;
    }
    adopt(createCall(callId, undefined, 'inbound', voiceSnapshot({ ...wrapUp, direction: 'inbound', at })));
  }

  /** The media path dropped for good: one `reconnectCall` try, else the call failed. */
  async function recoverMedia(call: LiveCall, reason: string): Promise<void> {
    try {
      const port = await requireClient();
      await port.reconnectCall(call.callId);
      call.apply([[{ type: 'MEDIA_RESTORED', at: clock.now() }]]);
    } catch (error) {
      call.errorStore.set(vonageError(error, `reconnect media (${reason})`));
      call.apply([[{ type: 'FAIL', at: clock.now() }]]);
    }
  }

  async function onSessionError(reason: string): Promise<void> {
    const error = sessionErrorOf(reason);
    $sessionError.set(error);
    $session.set('failed');
    clearRefresh();
    const call = current;
    if (!isLive(call) || disposed) return;
    // A live call outlives its session: open a new one with a fresh token and take the leg back.
    call.apply([[{ type: 'MEDIA_RECONNECTING', at: clock.now() }]]);
    try {
      await openSession();
      const port = await requireClient();
      await port.reconnectCall(call.callId);
      call.apply([[{ type: 'MEDIA_RESTORED', at: clock.now() }]]);
    } catch (failure) {
      call.errorStore.set(vonageError(failure, 'reconnect'));
      call.apply([[{ type: 'FAIL', at: clock.now() }]]);
    }
  }

  // ─── session ─────────────────────────────────────────────────────────────────────────────────

  function requireClient(): Promise<VonageClientPort> {
    if (client) return Promise.resolve(client);
    loading ??= load(options.client ?? {}).then(
      (port) => {
        client = port;
        listen(port);
        return port;
      },
      (error: unknown) => {
        loading = undefined;
        throw vonageFailure(
          'voice/vonage-unavailable',
          { detail: error instanceof Error ? error.message : String(error) },
          { cause: error },
        );
      },
    );
    return loading;
  }

  function clearRefresh(): void {
    if (refreshTimer !== undefined) clock.clearTimeout(refreshTimer);
    refreshTimer = undefined;
  }

  function scheduleRefresh(token: string, delayOverride?: number): void {
    clearRefresh();
    const expiresAt = jwtExpiresAt(token);
    if (expiresAt === undefined || disposed) return;
    const delay = delayOverride ?? refreshDelayMs(expiresAt, clock.now(), marginMs);
    refreshTimer = clock.setTimeout(() => {
      refreshTimer = undefined;
      void refresh(token, expiresAt);
    }, delay);
  }

  async function refresh(oldToken: string, oldExpiresAt: number): Promise<void> {
    try {
      const token = await control.token();
      const port = await requireClient();
      await port.refreshSession(token);
      $sessionError.set(undefined);
      scheduleRefresh(token);
    } catch (error) {
      $sessionError.set(vonageError(error, 'refresh the session'));
      // While the old token still holds, try again; after that the `sessionError` path takes over.
      const left = oldExpiresAt - clock.now();
      if (left > REFRESH_RETRY_MS) scheduleRefresh(oldToken, REFRESH_RETRY_MS);
    }
  }

  async function openSession(): Promise<void> {
    $session.set('connecting');
    try {
      const port = await requireClient();
      const token = await control.token();
      await port.createSession(token);
      $session.set('ready');
      $sessionError.set(undefined);
      scheduleRefresh(token);
    } catch (error) {
      const typed = vonageError(error, 'open a session');
      $session.set('failed');
      $sessionError.set(typed);
      throw typed;
    }
  }

  function ensureSession(): Promise<void> {
    if (disposed) return Promise.reject(helplineError('connection/closed'));
    const status = $session.get();
    if (status === 'ready' || status === 'reconnecting') return Promise.resolve();
    opening ??= openSession().finally(() => {
      opening = undefined;
    });
    return opening;
  }

  function requireNoLiveCall(operation: string): void {
    if (isLive(current)) {
      throw helplineError('conflict/state', {
        operation,
        entity: 'phone',
        state: current?.$snapshot.get().value ?? 'busy',
      });
    }
  }

  /** Waits for the invite the server is about to send for `cid`, and answers it. */
  function awaitInvite(cid: string, outbound: boolean): Promise<LiveCall> {
    if (expected) clock.clearTimeout(expected.timer);
    return new Promise<LiveCall>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        if (expected?.timer !== timer) return;
        expected = undefined;
        reject(helplineError('connection/timeout', { op: 'call invite', ms: INVITE_WAIT_MS }));
      }, INVITE_WAIT_MS);
      expected = { cid, outbound, timer, resolve };
    });
  }

  return {
    provider: 'vonage',
    $call,
    $session,
    $sessionError,
    connect: ensureSession,
    async call(cid) {
      requireNoLiveCall('call');
      await ensureSession();
      const port = await requireClient();
      const at = clock.now();
      placing += 1;
      let callId: string;
      try {
        callId = await port.serverCall({ cid });
      } catch (error) {
        throw vonageError(error, 'call');
      } finally {
        placing -= 1;
        if (placing === 0) queueMicrotask(() => placing === 0 && early.clear());
      }
      return adopt(
        createCall(callId, cid, 'outbound', voiceSnapshot({ ...wrapUp, direction: 'outbound', at })),
      );
    },
    async dial(cid) {
      requireNoLiveCall('dial');
      await ensureSession();
      const invited = awaitInvite(cid, true);
      try {
        await control.dial(cid);
      } catch (error) {
        if (expected?.cid === cid) {
          clock.clearTimeout(expected.timer);
          expected = undefined;
        }
        void invited.catch(() => undefined);
        throw vonageError(error, 'dial');
      }
      return invited;
    },
    async expect(cid) {
      const ringing = current;
      if (ringing && ringing.cid === undefined && ringing.$snapshot.get().value === 'ringing') {
        // The invite beat the accept's answer to the console: link it and answer it now.
        ringing.link(cid);
        await ringing.answer();
        return ringing;
      }
      requireNoLiveCall('answer');
      await ensureSession();
      return awaitInvite(cid, false);
    },
    async reattach() {
      const stored = readStoredCall(storage);
      if (!stored) return undefined;
      const start = voiceSnapshot({ ...wrapUp, direction: stored.direction, at: stored.startedAt });
      const call = createCall(stored.callId, stored.cid, stored.direction, start);
      if (stored.answeredAt !== undefined) {
        call.apply([
          [
            { type: 'ANSWER', at: stored.answeredAt },
            { type: 'CONNECTED', at: stored.answeredAt },
          ],
        ]);
      }
      adopt(call);
      try {
        await ensureSession();
        const port = await requireClient();
        await port.reconnectCall(stored.callId);
      } catch (error) {
        call.errorStore.set(vonageError(error, 'reconnect'));
        call.apply([[{ type: 'FAIL', at: clock.now() }]]);
        forgetStored();
      }
      return call;
    },
    async dispose() {
      disposed = true;
      clearRefresh();
      if (expected) clock.clearTimeout(expected.timer);
      expected = undefined;
      const port = client;
      if (!port) return;
      for (const [name, symbol] of listeners.splice(0)) port.off(name as 'callInvite', symbol);
      $session.set('idle');
      await port.deleteSession().catch(() => undefined);
    },
  };
}
