/**
 * A page lifecycle signal that matters to a connection:
 * - `online`: the browser says the network is back;
 * - `visible` / `hidden`: the tab was shown or hidden (`visibilitychange`);
 * - `pageshow` / `resume`: the page came back from the back/forward cache or from being frozen;
 * - `pagehide` / `freeze`: the page is going into the back/forward cache, unloading, or being frozen.
 */
export type LifecycleSignal = 'online' | 'visible' | 'hidden' | 'pageshow' | 'resume' | 'pagehide' | 'freeze';

/**
 * Where lifecycle signals come from: the browser page by default, a manual emitter in tests, or a host app's own
 * hooks (a native shell, an Electron window). The same seam as TanStack Query's `onlineManager.setEventListener`:
 * `listen` subscribes and returns the unsubscribe.
 *
 * @example
 * ```ts
 * const appShell: ConnectionEnvironment = {
 *   listen(emit) {
 *     const off = shell.onResume(() => emit('resume'));
 *     return off;
 *   },
 * };
 * createConnection({ transport, token, environment: appShell }, commandResultSchemas, serverFrameGuard);
 * ```
 */
export interface ConnectionEnvironment {
  /** Starts listening; every signal goes to `emit`. Returns a function that stops listening. */
  listen(emit: (signal: LifecycleSignal) => void): () => void;
  /** Whether the page is hidden right now (read once when a connection binds to the environment). */
  isHidden?(): boolean;
}

/** What the environment drives on a connection (a subset of `Connection`). */
export interface LifecycleTarget {
  probe(): void;
  suspend(): void;
  resume(): void;
  setHidden(hidden: boolean): void;
}

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface PageGlobals {
  readonly window?: EventTargetLike | undefined;
  readonly document?: (EventTargetLike & { readonly visibilityState?: string }) | undefined;
}

/**
 * The browser's lifecycle signals: `online`, `pageshow` and `pagehide` on `window`; `visibilitychange`,
 * `freeze` and `resume` on `document`.
 *
 * @example
 * ```ts
 * createConnection({ transport, token, environment: browserEnvironment() }, commandResultSchemas, serverFrameGuard);
 * ```
 */
export function browserEnvironment(page: PageGlobals = globalThis as PageGlobals): ConnectionEnvironment {
  const { window: win, document: doc } = page;
  return {
    listen(emit) {
      const onVisibility = () => emit(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      const bindings: [EventTargetLike | undefined, string, () => void][] = [
        [win, 'online', () => emit('online')],
        [win, 'pageshow', () => emit('pageshow')],
        [win, 'pagehide', () => emit('pagehide')],
        [doc, 'visibilitychange', onVisibility],
        [doc, 'freeze', () => emit('freeze')],
        [doc, 'resume', () => emit('resume')],
      ];
      for (const [target, type, listener] of bindings) target?.addEventListener(type, listener);
      return () => {
        for (const [target, type, listener] of bindings) target?.removeEventListener(type, listener);
      };
    },
    isHidden: () => doc?.visibilityState === 'hidden',
  };
}

/**
 * The environment a connection gets when none is given: the browser's in a page, none in Node or a worker.
 */
export function defaultEnvironment(): ConnectionEnvironment | undefined {
  const page = globalThis as PageGlobals;
  return page.window !== undefined && page.document !== undefined ? browserEnvironment(page) : undefined;
}

/** An environment a test drives by hand. */
export interface ManualEnvironment extends ConnectionEnvironment {
  /** Sends a signal to every listener. */
  emit(signal: LifecycleSignal): void;
  /** Number of current listeners (0 once every connection using it is closed). */
  readonly listeners: number;
}

/**
 * Creates an environment whose signals a test emits.
 *
 * @example
 * ```ts
 * const environment = createManualEnvironment();
 * const connection = createConnection({ transport, token, environment }, visitorResultSchemas, visitorFrameGuard);
 * environment.emit('freeze'); // the socket closes; `resume` reconnects
 * ```
 */
export function createManualEnvironment(initiallyHidden = false): ManualEnvironment {
  const listeners = new Set<(signal: LifecycleSignal) => void>();
  let hidden = initiallyHidden;
  return {
    listen(emit) {
      listeners.add(emit);
      return () => listeners.delete(emit);
    },
    isHidden: () => hidden,
    emit(signal) {
      if (signal === 'hidden' || signal === 'visible') hidden = signal === 'hidden';
      for (const listener of [...listeners]) listener(signal);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/**
 * Drives a connection from lifecycle signals: probe at once when the network or the page comes back, judge
 * liveness only while visible, close the socket while the page is hidden in the cache or frozen, and reconnect
 * when it returns. Returns the function that stops it.
 *
 * @example
 * ```ts
 * const stop = bindEnvironment(connection, browserEnvironment());
 * ```
 */
export function bindEnvironment(target: LifecycleTarget, environment: ConnectionEnvironment): () => void {
  target.setHidden(environment.isHidden?.() === true);
  return environment.listen((signal) => {
    switch (signal) {
      case 'hidden':
        // Browsers throttle and freeze timers in hidden tabs; a late timer is not a dead socket.
        target.setHidden(true);
        return;
      case 'visible':
        target.setHidden(false);
        target.resume();
        target.probe();
        return;
      case 'online':
      case 'pageshow':
      case 'resume':
        target.resume();
        target.probe();
        return;
      case 'pagehide':
      case 'freeze':
        // An open socket keeps a page out of the back/forward cache, and a frozen page cannot answer pings.
        target.suspend();
        return;
    }
  });
}
