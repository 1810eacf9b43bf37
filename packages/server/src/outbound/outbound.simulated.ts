import { helplineError, isHelplineError, type Queue, systemClock } from '@helpline/core';
import type { ConsultTelephony, DialOptions, Hub, HubClock, OutboundCall } from '@helpline/core/hub';
import type { Logger } from '../log/logger';
import { type BridgeClient, type BridgeTokens, openBridge } from '../vonage/vonage.bridge';

// A phone network for servers without Vonage (dev mode, the demo): the dialled number rings after `ringMs` and picks
// up after `answerMs`, then stays on the line until the agent hangs up. It reports exactly what the Vonage gateway
// reports for a real phone leg (call.ring, call.answer, call.media), as the customer, through a bridge connection,
// so the console, the machines, wrap-up and KPIs run as they would on Vonage. Consoles show the call as simulated.

/** The simulated phone network. */
export interface SimulatedPhoneLine {
  place(call: OutboundCall): void;
  /**
   * Consults and transfers to numbers (`HubOptions.telephony`): a consulted number, checked with `check` as a dial
   * is, picks up after `answerMs` and stays on the line until the agent returns, merges or transfers; nothing is
   * heard (logged `outbound.simulated-consult`).
   */
  telephony(check: DialOptions['check'], queues: ReadonlyMap<string, Queue>): ConsultTelephony;
  close(): void;
}

/**
 * Creates the simulated phone network.
 *
 * @example
 * ```ts
 * const line = createSimulatedPhoneLine({ hub, bridgeTokens, log });
 * const dial = { simulated: true, check, place: (call) => line.place(call) };
 * ```
 */
export function createSimulatedPhoneLine(options: {
  readonly hub: Hub;
  readonly bridgeTokens: BridgeTokens;
  readonly log: Logger;
  readonly clock?: HubClock | undefined;
  readonly ringMs?: number | undefined;
  readonly answerMs?: number | undefined;
}): SimulatedPhoneLine {
  const clock = options.clock ?? systemClock;
  const lines = new Set<BridgeClient>();
  const timers = new Set<unknown>();

  function later(ms: number, task: () => Promise<unknown>): void {
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      task().catch((error: unknown) => {
        // The agent hung up first: the far end has nothing more to say.
        if (isHelplineError(error) && (error.code === 'conflict/state' || error.code === 'connection/closed'))
          return;
        options.log.warn(
          'outbound.simulated-failed',
          { code: isHelplineError(error) ? error.code : 'internal' },
          error,
        );
      });
    }, ms);
    timers.add(timer);
  }

  return {
    place(call) {
      const ref = { cid: call.cid, callId: call.callId };
      let bridge: BridgeClient | undefined;
      openBridge(
        options.hub,
        options.bridgeTokens,
        call.customer,
        { ip: 'simulated' },
        {
          notice(notice) {
            if (notice.type !== 'call' || notice.call.callId !== call.callId || notice.call.state !== 'ended')
              return;
            // Hung up: the line is free again.
            if (bridge) lines.delete(bridge);
            const line = bridge;
            queueMicrotask(() => line?.close());
          },
        },
      )
        .then(async (opened) => {
          bridge = opened;
          lines.add(opened);
          await opened.command('call.attach', { cid: call.cid });
          options.log.info('outbound.simulated', { cid: call.cid, agent: call.agentId });
          later(options.ringMs ?? 1_500, () => opened.command('call.ring', ref));
          later(options.answerMs ?? 4_000, async () => {
            await opened.command('call.answer', ref);
            await opened.command('call.media', { ...ref, media: 'connected' });
          });
        })
        .catch((error: unknown) => options.log.error('outbound.simulated-failed', { cid: call.cid }, error));
    },
    telephony(check, queues) {
      const ringing = new Map<string, unknown>();
      const stop = (legId: string) => {
        const timer = ringing.get(legId);
        if (timer !== undefined) clock.clearTimeout(timer);
        timers.delete(timer);
        ringing.delete(legId);
      };
      return {
        async check(subject, number, current) {
          const queue = queues.get(current.interaction.queueId);
          if (!queue) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
          const plan = await check({ number, queue, agentId: subject.id, at: clock.now() });
          return plan.number;
        },
        async place(leg) {
          options.log.info('outbound.simulated-consult', { cid: leg.cid, agent: leg.agentId });
          const timer = clock.setTimeout(() => {
            ringing.delete(leg.legId);
            timers.delete(timer);
            options.hub.consultEvent(leg.cid, leg.legId, 'answered').catch((error: unknown) => {
              options.log.warn('outbound.simulated-failed', { cid: leg.cid }, error);
            });
          }, options.answerMs ?? 4_000);
          ringing.set(leg.legId, timer);
          timers.add(timer);
        },
        async merge(leg) {
          stop(leg.legId);
        },
        async transfer(leg) {
          stop(leg.legId);
        },
        async hangup(leg) {
          stop(leg.legId);
        },
      };
    },
    close() {
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      for (const line of lines) line.close();
      lines.clear();
    },
  };
}
