/** A ringtone for incoming calls. */
export interface Ringer {
  /** Starts ringing; resolves `false` when the browser blocks sound until a user gesture (autoplay policy). */
  start(): Promise<boolean>;
  stop(): void;
  /** Retries blocked sound; call it from a click handler. Resolves `true` when sound can play. */
  unblock(): Promise<boolean>;
}

/** Options of {@link createRinger}. */
export interface RingerOptions {
  /**
   * Default the global `AudioContext`. Typed as any class so that Node code compiles without the DOM lib; pass
   * the Web Audio `AudioContext` (or a fake of it).
   */
  readonly AudioContext?: abstract new () => object;
  /** 0–1. Default 0.2. */
  readonly volume?: number | undefined;
  /** How long to wait for a suspended audio context to start before calling it blocked, ms. Default 300. */
  readonly blockedAfterMs?: number | undefined;
}

/** One ring: two tones (440 + 480 Hz, as telephone ringback), 1.2 s on, then silence until the next ring. */
const RING_MS = 1200;
const CYCLE_MS = 4000;

/**
 * A ringtone synthesized with Web Audio (no audio file to fetch, so nothing to host or to block by CSP). Browsers
 * keep a page's audio suspended until the user interacts with it; `start()` detects that so the UI can show a
 * "click to hear calls" prompt that calls `unblock()`.
 *
 * @example
 * ```ts
 * const ringer = createRinger();
 * if (!(await ringer.start())) showEnableSoundButton(() => ringer.unblock());
 * ```
 */
export function createRinger(options: RingerOptions = {}): Ringer {
  const volume = options.volume ?? 0.2;
  const blockedAfterMs = options.blockedAfterMs ?? 300;
  let context: AudioContext | undefined;
  let cycle: ReturnType<typeof setInterval> | undefined;
  let ringing = false;

  function audioContext(): AudioContext | undefined {
    const Context = (options.AudioContext ??
      (globalThis as { AudioContext?: typeof AudioContext }).AudioContext) as typeof AudioContext | undefined;
    if (!context && Context) context = new Context();
    return context;
  }

  function ring(ctx: AudioContext): void {
    if (ctx.state !== 'running') return;
    const gain = ctx.createGain();
    const at = ctx.currentTime;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(volume, at + 0.02);
    gain.gain.setValueAtTime(volume, at + RING_MS / 1000 - 0.02);
    gain.gain.linearRampToValueAtTime(0, at + RING_MS / 1000);
    gain.connect(ctx.destination);
    for (const frequency of [440, 480]) {
      const oscillator = ctx.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(at);
      oscillator.stop(at + RING_MS / 1000);
    }
  }

  async function running(ctx: AudioContext): Promise<boolean> {
    if (ctx.state === 'running') return true;
    // Under the autoplay policy `resume()` stays pending until a gesture: give it a moment, then call it blocked.
    await Promise.race([ctx.resume(), new Promise((resolve) => setTimeout(resolve, blockedAfterMs))]);
    return (ctx.state as string) === 'running';
  }

  return {
    async start() {
      const ctx = audioContext();
      // No Web Audio here: nothing can ring, but nothing is blocked either.
      if (!ctx) return true;
      ringing = true;
      const audible = await running(ctx);
      if (!ringing) return audible;
      ring(ctx);
      if (cycle === undefined) cycle = setInterval(() => ring(ctx), CYCLE_MS);
      return audible;
    },
    stop() {
      ringing = false;
      if (cycle !== undefined) clearInterval(cycle);
      cycle = undefined;
    },
    async unblock() {
      const ctx = audioContext();
      if (!ctx) return true;
      const audible = await running(ctx);
      if (audible && ringing) ring(ctx);
      return audible;
    },
  };
}
