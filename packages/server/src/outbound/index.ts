import { helplineError } from '@helpline/core';
import type {
  Authenticate,
  ConsultTelephony,
  DialOptions,
  Hub,
  HubClock,
  OutboundCall,
} from '@helpline/core/hub';
import type { ServerConfig } from '../config/config';
import type { Logger } from '../log/logger';
import type { SqlQueryable } from '../storage/sql.client';
import { createBridgeTokens } from '../vonage/vonage.bridge';
import type { OutboundConfig } from './outbound.config';
import { createDoNotCallStore } from './outbound.dnc';
import { createDialPolicy } from './outbound.policy';
import { createSimulatedPhoneLine, type SimulatedPhoneLine } from './outbound.simulated';

export { checkOutboundConfig, type OutboundConfig, outboundConfigSchema, toE164 } from './outbound.config';
export { createDoNotCallStore, type DoNotCallStore } from './outbound.dnc';
export { createDialPolicy, phoneCustomerId } from './outbound.policy';
export { createSimulatedPhoneLine, type SimulatedPhoneLine } from './outbound.simulated';

/** Places the phone leg of an outbound call on a real network (the Vonage gateway). */
export interface PhoneNetwork {
  placeOutbound(call: OutboundCall): void;
}

/** Click-to-dial before the hub exists: its policy goes into the hub's options, its phone line starts with the hub. */
export interface OutboundSetup {
  /** The hub's `authenticate`: the simulated line's bridge connections first, then `inner`. */
  authenticate(inner: Authenticate): Authenticate;
  /** `HubOptions.dial`: checks, the do-not-call list in `sql`, and the phone leg (simulated without a network). */
  dial(sql: SqlQueryable): DialOptions;
  /**
   * `HubOptions.telephony` without a phone network: consults of numbers on the simulated line, checked with `check`
   * as dials are. Answers once the line starts.
   */
  simulatedTelephony(check: DialOptions['check']): ConsultTelephony;
  /** Once the hub runs: where phone legs go (Vonage when given, else the simulated line). */
  start(deps: { readonly hub: Hub; readonly network?: PhoneNetwork | undefined }): void;
  close(): void;
}

/**
 * Reads the `outbound` section; undefined when it is absent (agents cannot dial). Without a phone network (no
 * `vonage` section) calls are simulated, and consoles say so.
 *
 * @example
 * ```ts
 * const outbound = prepareOutbound({ config, simulated: !vonage, log, now: Date.now });
 * const hub = createHub({ …, ...(outbound ? { dial: outbound.dial(storage.sql) } : {}) });
 * outbound?.start({ hub, network: vonageRoutes?.gateway });
 * ```
 */
export function prepareOutbound(options: {
  readonly config: ServerConfig;
  readonly simulated: boolean;
  readonly log: Logger;
  readonly now: () => number;
  readonly clock?: HubClock | undefined;
}): OutboundSetup | undefined {
  const section = (options.config.file as { outbound?: OutboundConfig }).outbound;
  if (!section) return undefined;
  const bridgeTokens = createBridgeTokens();
  let place: (call: OutboundCall) => void = () => {
    throw new Error('the outbound phone line has not started');
  };
  let line: SimulatedPhoneLine | undefined;
  return {
    authenticate: (inner) => bridgeTokens.wrap(inner),
    dial(sql) {
      const doNotCall = createDoNotCallStore({
        sql,
        configured: section.doNotCall,
        defaultRegion: section.defaultRegion,
        log: options.log,
        now: options.now,
      });
      const check = createDialPolicy({ config: section, queues: options.config.queues, doNotCall });
      return { simulated: options.simulated, check, place: (call) => place(call), doNotCall };
    },
    simulatedTelephony(check) {
      const queues = new Map(options.config.queues.map((queue) => [queue.id, queue]));
      const started = () => {
        if (!line) throw helplineError('voice/unsupported', { detail: 'the simulated line has not started' });
        return line.telephony(check, queues);
      };
      let telephony: ConsultTelephony | undefined;
      const current = () => {
        telephony ??= started();
        return telephony;
      };
      return {
        check: (subject, number, interaction) => current().check(subject, number, interaction),
        place: (leg) => current().place(leg),
        merge: (leg) => current().merge(leg),
        transfer: (leg) => current().transfer(leg),
        hangup: (leg) => current().hangup(leg),
      };
    },
    start({ hub, network }) {
      if (network) {
        place = (call) => network.placeOutbound(call);
        return;
      }
      line = createSimulatedPhoneLine({ hub, bridgeTokens, log: options.log, clock: options.clock });
      const simulated = line;
      place = (call) => simulated.place(call);
    },
    close() {
      line?.close();
    },
  };
}
