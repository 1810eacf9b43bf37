import { atom, type ReadableAtom } from 'nanostores';
import { type Clock, systemClock } from '../clock/clock';
import { createRinger, type Ringer } from '../voice/ring';
import type { AgentOffer, AgentSession } from './agent.session';

/** Options of {@link createOfferAlert}. */
export interface OfferAlertOptions {
  /** The agent session: its `$offers`, and `$isLeader` to alert in one tab of the browser only. */
  readonly session: Pick<AgentSession, '$offers' | '$isLeader'>;
  /** The sound while offers wait; default a Web Audio ringer (`createRinger()`), `false` for none. */
  readonly ringer?: Ringer | false | undefined;
  /**
   * Which offers ring; default every one. A console whose call session rings for voice offers itself leaves
   * those out, so one offer never rings twice.
   */
  readonly rings?: (offer: AgentOffer) => boolean;
  /**
   * Shows a notification for an offer and returns how to take it away; default none. See
   * {@link createBrowserOfferNotifier} for desktop notifications.
   */
  readonly notify?: (offer: AgentOffer) => (() => void) | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * The alert for offers: one ringtone and one notification per browser, whichever tab the agent looks at. Every
 * tab shows the offer toast; this is the part that must not repeat.
 */
export interface OfferAlert {
  /** Ids of the offers this tab alerts for (rings, notifies) now: empty in every tab but the leader. */
  readonly $alerting: ReadableAtom<readonly string[]>;
  /** The browser keeps sound off until the agent clicks in this tab: show a button that calls `unblock()`. */
  readonly $soundBlocked: ReadableAtom<boolean>;
  /** Turns sound on after the browser blocked it; call it from a click. */
  unblock(): Promise<void>;
  /** Stops ringing, takes the notifications away and stops listening. */
  dispose(): void;
}

/**
 * Rings and notifies for the offers waiting for the agent, in the leader tab only, from the moment an offer
 * arrives until it is answered in any tab, revoked or expired. When the leader tab goes away while an offer
 * waits, the tab that takes over rings for it.
 *
 * @example
 * ```ts
 * const agent = createAgentSession({ transport: createLeaderTransport({ transport, scope: 'acme:alice' }), token });
 * const alert = createOfferAlert({
 *   session: agent,
 *   notify: createBrowserOfferNotifier({ title: (offer) => `Chat from ${offer.interaction.customer.name}` }),
 * });
 * alert.$soundBlocked.subscribe((blocked) => (enableSoundButton.hidden = !blocked));
 * ```
 */
export function createOfferAlert(options: OfferAlertOptions): OfferAlert {
  const { session } = options;
  const clock = options.clock ?? systemClock;
  const ringer = options.ringer === false ? undefined : (options.ringer ?? createRinger());
  const rings = options.rings ?? (() => true);
  const $alerting = atom<readonly string[]>([]);
  const $soundBlocked = atom(false);
  /** How to take each shown notification away, by offer id. */
  const shown = new Map<string, (() => void) | undefined>();
  let ringing = false;
  let expiry: unknown;
  let disposed = false;

  function setRinging(on: boolean): void {
    if (on === ringing || !ringer) return;
    ringing = on;
    if (!on) {
      ringer.stop();
      $soundBlocked.set(false);
      return;
    }
    void ringer.start().then((audible) => {
      if (ringing && !audible) $soundBlocked.set(true);
    });
  }

  /** The one writer of this tab's alerts: brings them in line with the offers and the leadership. */
  function update(): void {
    if (expiry !== undefined) clock.clearTimeout(expiry);
    expiry = undefined;
    const now = clock.now();
    const live = disposed || !session.$isLeader.get() ? [] : Object.values(session.$offers.get());
    const waiting = live.filter((offer) => offer.expiresAt > now);
    const ids = new Set(waiting.map((offer) => offer.interaction.id));
    for (const [id, close] of [...shown]) {
      if (ids.has(id)) continue;
      shown.delete(id);
      close?.();
    }
    for (const offer of waiting) {
      if (!shown.has(offer.interaction.id)) shown.set(offer.interaction.id, options.notify?.(offer));
    }
    setRinging(waiting.some(rings));
    const current = $alerting.get();
    const next = waiting.map((offer) => offer.interaction.id);
    if (next.length !== current.length || next.some((id, i) => id !== current[i])) $alerting.set(next);
    // An offer whose expiry notice is late stops ringing on time all the same.
    const soonest = Math.min(...waiting.map((offer) => offer.expiresAt));
    if (Number.isFinite(soonest)) expiry = clock.setTimeout(update, soonest - now);
  }

  const unsubscribers = [session.$offers.subscribe(update), session.$isLeader.listen(update)];

  return {
    $alerting,
    $soundBlocked,
    async unblock() {
      if (!ringer) return;
      if (await ringer.unblock()) $soundBlocked.set(false);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const unsubscribe of unsubscribers) unsubscribe();
      update();
    },
  };
}

/** Options of {@link createBrowserOfferNotifier}. */
export interface BrowserOfferNotifierOptions {
  /** The notification's title, in the agent's language (for example "Chat from Ada"). */
  readonly title: (offer: AgentOffer) => string;
  /** Its text under the title (queue, topic). */
  readonly body?: (offer: AgentOffer) => string;
  /**
   * Default `globalThis.Notification`. Typed by the little it uses so that Node code compiles without the DOM
   * lib; pass the browser's `Notification` (or a fake of it).
   */
  readonly Notification?: { readonly permission: string } & (abstract new (
    title: string,
    options?: { tag?: string; body?: string },
  ) => object);
}

/**
 * Desktop notifications for {@link createOfferAlert}'s `notify`, once the agent allowed them
 * (`Notification.requestPermission()` from a click); nothing otherwise. A click on one brings the console's tab
 * forward. Each is tagged with the offer, so a browser shows one per offer even if a second tab tried.
 *
 * @example
 * ```ts
 * const notify = createBrowserOfferNotifier({ title: (offer) => `Chat from ${offer.interaction.customer.name}` });
 * ```
 */
export function createBrowserOfferNotifier(
  options: BrowserOfferNotifierOptions,
): (offer: AgentOffer) => (() => void) | undefined {
  return (offer) => {
    const Api = (options.Notification ??
      (globalThis as { Notification?: typeof Notification }).Notification) as typeof Notification | undefined;
    if (Api?.permission !== 'granted') return undefined;
    try {
      const body = options.body?.(offer);
      const notification = new Api(options.title(offer), {
        tag: `helpline-offer:${offer.interaction.id}`,
        ...(body ? { body } : {}),
      });
      notification.onclick = () => {
        globalThis.focus?.();
        notification.close();
      };
      return () => notification.close();
    } catch {
      // Some browsers only allow notifications from a service worker: the toast and the ringtone remain.
      return undefined;
    }
  };
}
