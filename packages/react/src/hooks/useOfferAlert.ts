'use client';
import { type AgentOffer, createOfferAlert, type OfferAlert, type Ringer } from '@helpline/core';
import { useEffect, useRef, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import { constantStore, useStore } from './useStore';

/** Options of {@link useOfferAlert}; the functions may change between renders. */
export interface OfferAlertSettings {
  /** The sound while offers wait; default a Web Audio ringer, `false` for none. */
  readonly ringer?: Ringer | false | undefined;
  /** Which offers ring; default every one. */
  readonly rings?: (offer: AgentOffer) => boolean;
  /** Shows a notification for an offer and returns how to take it away (`createBrowserOfferNotifier`). */
  readonly notify?: (offer: AgentOffer) => (() => void) | undefined;
}

/** What {@link useOfferAlert} returns. */
export interface OfferAlertView {
  /** The browser keeps the ringtone silent until a click in this tab: show a button that calls `unblock`. */
  readonly soundBlocked: boolean;
  unblock(): Promise<void>;
}

const notBlocked = constantStore(false);

/**
 * Rings and notifies for the agent's offers while the component is mounted: in one tab of the browser (the
 * session's `$isLeader`), until an offer is answered in any tab. Mount it once per console; `<OfferToasts>` does.
 *
 * @example
 * ```tsx
 * const { soundBlocked, unblock } = useOfferAlert();
 * {soundBlocked && <button onClick={unblock}>Turn on sound</button>}
 * ```
 */
export function useOfferAlert(settings: OfferAlertSettings = {}, enabled = true): OfferAlertView {
  const session = useClient('agent');
  const latest = useRef(settings);
  latest.current = settings;
  const [alert, setAlert] = useState<OfferAlert>();
  const { ringer } = settings;
  useEffect(() => {
    if (!enabled) return;
    const created = createOfferAlert({
      session,
      ...(ringer === undefined ? {} : { ringer }),
      rings: (offer) => latest.current.rings?.(offer) ?? true,
      notify: (offer) => latest.current.notify?.(offer),
    });
    setAlert(created);
    return () => {
      created.dispose();
      setAlert(undefined);
    };
  }, [session, ringer, enabled]);
  const soundBlocked = useStore(alert?.$soundBlocked ?? notBlocked);
  return { soundBlocked, unblock: async () => alert?.unblock() };
}
