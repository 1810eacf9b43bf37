/// <reference types="mocha" />
import { type AgentSession, isHelplineError, type VisitorSession } from '@helpline/core';
import { supportQueue } from '@helpline/core/testing';
import { assert } from 'chai';
import { atom } from 'nanostores';
import { act, type ReactNode } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import {
  acceptChat,
  cleanup,
  click,
  createClock,
  createFakeCall,
  createFakeSupervisor,
  createWorld,
  kpiReport,
  mount,
  offerChat,
  QUEUES,
  renderHook,
  settle,
  type World,
  waitForUi,
} from '../testing/harness';
import { useAction } from './useAction';
import { useAgent } from './useAgent';
import { useCall } from './useCall';
import { useCustomer } from './useCustomer';
import { useInteraction } from './useInteraction';
import { useInteractions } from './useInteractions';
import { useMessages } from './useMessages';
import { tickingClock, useNow } from './useNow';
import { useOffers } from './useOffers';
import { usePresence } from './usePresence';
import { useCannedResponses, useQueues } from './useQueues';
import { useStore } from './useStore';
import { useAgentsBoard, useBoard, useKpis, useQueueStats } from './useSupervisor';

function Offers({ onRender }: { onRender: (view: ReturnType<typeof useOffers>) => void }): ReactNode {
  const view = useOffers();
  onRender(view);
  return view.offers.map((offer) => (
    <div key={offer.interaction.id}>
      <button {...view.getAcceptProps(offer.interaction.id, { className: 'accept' })}>accept</button>
      <button {...view.getRejectProps(offer.interaction.id, { className: 'reject' })}>reject</button>
    </div>
  ));
}

function OffersProbe({ onRender }: { onRender: (view: ReturnType<typeof useOffers>) => void }): ReactNode {
  const view = useOffers();
  onRender(view);
  return <button {...view.getAcceptProps('c-gone', { className: 'ghost' })}>ghost</button>;
}

function Controls({ onRender }: { onRender: (call: ReturnType<typeof useCall>) => void }): ReactNode {
  const call = useCall();
  onRender(call);
  return (
    <>
      <button {...call.getMuteProps({ className: 'mute' })}>mute</button>
      <button {...call.getHoldProps({ className: 'hold' })}>hold</button>
      <button {...call.getHangUpProps({ className: 'hang-up' })}>hang up</button>
    </>
  );
}

describe('hooks over the memory transport', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;

  beforeEach(async () => {
    world = createWorld();
    agent = world.agent();
    visitor = world.visitor();
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    cleanup();
    world.close();
  });

  describe('useStore', () => {
    it('re-renders on change and unsubscribes on unmount', async () => {
      const $count = atom(1);
      const result = renderHook(() => useStore($count));
      assert.strictEqual(result.current, 1);
      act(() => $count.set(2));
      assert.strictEqual(result.current, 2);
      result.mounted.unmount();
      assert.strictEqual($count.lc, 0, 'no listener left after unmount');
    });
  });

  describe('useAgent', () => {
    it('tells who the agent is and that the connection is up', async () => {
      const result = renderHook(() => useAgent(), { agent });
      await waitForUi(() => result.current.me !== undefined, 'welcome');
      assert.deepInclude(result.current.me, { id: 'alice', name: 'Alice' });
      assert.include(['connected', 'caught-up'], result.current.connection);
      assert.strictEqual(result.current.session, agent);
    });
  });

  describe('usePresence', () => {
    it('follows the presence, with reason and derived busy', async () => {
      const result = renderHook(() => usePresence(), { agent });
      await waitForUi(() => result.current.status === 'available', 'available');
      assert.isTrue(result.current.isAvailable);
      assert.strictEqual(result.current.display, 'available');

      await acceptChat(agent, visitor);
      await waitForUi(() => result.current.isBusy, 'busy');
      assert.strictEqual(result.current.display, 'busy');
      assert.strictEqual(result.current.load.chat, 1);

      await act(() => result.current.setPresence('away', 'lunch'));
      assert.strictEqual(result.current.status, 'away');
      assert.strictEqual(result.current.reason, 'lunch');
      assert.isTrue(result.current.isAway);
      assert.isTrue(result.current.isBusy, 'going away keeps the chat');
    });

    it('refuses to go offline while holding work, changing nothing; allows it once free', async () => {
      const result = renderHook(() => usePresence(), { agent });
      const cid = await acceptChat(agent, visitor);
      await waitForUi(() => result.current.isBusy, 'busy');
      let error: unknown;
      await act(async () => {
        await result.current.setPresence('offline').catch((caught: unknown) => {
          error = caught;
        });
      });
      assert.isTrue(isHelplineError(error) && error.code === 'agent/has-work', String(error));
      assert.strictEqual(result.current.status, 'available');
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active', 'the chat is untouched');

      await act(async () => {
        await agent.end(cid);
        await agent.wrapUp(cid, { disposition: 'resolved' });
      });
      await waitForUi(() => !result.current.isBusy, 'free');
      await act(() => result.current.setPresence('offline'));
      assert.strictEqual(result.current.status, 'offline');
    });
  });

  describe('useOffers', () => {
    it('lists offers with their deadline; the accept props getter accepts', async () => {
      let view: ReturnType<typeof useOffers> | undefined;
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <Offers onRender={(value) => (view = value)} />
        </HelplineProvider>,
      );
      const cid = await offerChat(agent, visitor);
      await waitForUi(() => view?.offers.length === 1, 'offer rendered');
      assert.isAbove(view?.offers[0]?.expiresAt ?? 0, Date.now());
      const accept = container.querySelector<HTMLButtonElement>('button.accept');
      assert.strictEqual(accept?.type, 'button');
      await click(accept);
      await waitForUi(() => agent.$interactions.get()[cid]?.state === 'active', 'accepted');
      assert.lengthOf(view?.offers ?? [], 0);
      assert.isUndefined(view?.error);
    });

    it('the reject getter declines; a caller preventDefault() stops the action', async () => {
      const rejected: string[] = [];
      const reject = agent.reject;
      agent.reject = async (cid) => {
        rejected.push(cid);
        await reject(cid);
      };
      let view: ReturnType<typeof useOffers> | undefined;
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <Offers onRender={(value) => (view = value)} />
        </HelplineProvider>,
      );
      const cid = await offerChat(agent, visitor);
      await waitForUi(() => view?.offers.length === 1, 'offer');
      const prevented = mount(
        <HelplineProvider agent={agent}>
          <button
            {...view?.getAcceptProps(cid, {
              className: 'blocked',
              onClick: (event) => event.preventDefault(),
            })}
          >
            x
          </button>
        </HelplineProvider>,
      );
      await click(prevented.container.querySelector('button.blocked'));
      await settle();
      assert.isUndefined(agent.$interactions.get()[cid], 'prevented: not accepted');
      await click(container.querySelector('button.reject'));
      await waitForUi(() => rejected.length === 1 && view?.pending === false, 'rejected');
      assert.deepEqual(rejected, [cid]);
      assert.isUndefined(view?.error);
      assert.isUndefined(agent.$interactions.get()[cid]);
    });

    it('records why an answer failed instead of throwing', async () => {
      let view: ReturnType<typeof useOffers> | undefined;
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <Offers onRender={(value) => (view = value)} />
          <OffersProbe onRender={(value) => (view = value)} />
        </HelplineProvider>,
      );
      await settle();
      const probe = container.querySelector<HTMLButtonElement>('button.ghost');
      await click(probe);
      await waitForUi(() => view?.error !== undefined, 'error recorded');
      assert.isTrue(isHelplineError(view?.error) && view?.error.code === 'not-found');
      assert.isFalse(view?.pending);
    });
  });

  describe('useInteractions', () => {
    it('lists handled interactions with unread counts and the reply timer', async () => {
      const result = renderHook(() => useInteractions(), { agent });
      const cid = await acceptChat(agent, visitor);
      await waitForUi(() => result.current.length === 1, 'listed');
      assert.strictEqual(result.current[0]?.interaction.id, cid);
      assert.strictEqual(result.current[0]?.unread, 0);
      assert.isUndefined(result.current[0]?.awaitingReplySince);

      await act(() => visitor.sendMessage('Hello?'));
      await act(() => visitor.sendMessage('Anyone?'));
      await waitForUi(() => result.current[0]?.unread === 2, 'two unread');
      const since = result.current[0]?.awaitingReplySince ?? 0;
      assert.isAbove(since, 0);

      await act(() => agent.markRead(cid));
      await waitForUi(() => result.current[0]?.unread === 0, 'read');
      assert.strictEqual(result.current[0]?.awaitingReplySince, since, 'still waiting for a reply');

      await act(() => agent.sendMessage(cid, 'Hi!'));
      await waitForUi(() => result.current[0]?.awaitingReplySince === undefined, 'answered');
    });
  });

  describe('useInteraction', () => {
    it('gives the offered interaction, then its flags through end and wrap-up', async () => {
      const cid = await offerChat(agent, visitor);
      const view = renderHook(() => useInteraction(cid), { agent, queues: QUEUES });
      await waitForUi(() => view.current.interaction?.state === 'offered', 'offered');
      assert.strictEqual(view.current.queue?.id, 'support');
      assert.isTrue(view.current.flags?.canAccept);

      await act(() => agent.accept(cid));
      await waitForUi(() => view.current.flags?.isActive === true, 'active');
      assert.isTrue(view.current.flags?.canEnd);

      await act(() => view.current.end());
      await waitForUi(() => view.current.flags?.isWrappingUp === true, 'wrap-up');
      assert.isTrue(view.current.flags?.needsDisposition, 'support requires a disposition');
      assert.isFalse(view.current.flags?.canSkipWrapUp);

      let refused: unknown;
      await act(async () => {
        await view.current.wrapUp({ notes: 'forgot' }).catch((error: unknown) => {
          refused = error;
        });
      });
      assert.isTrue(isHelplineError(refused) && refused.code === 'wrapup/disposition-required');
      assert.strictEqual(view.current.interaction?.state, 'wrap-up', 'still in wrap-up');

      await act(() => view.current.wrapUp({ disposition: 'resolved', notes: 'done' }));
      await waitForUi(() => view.current.interaction?.state === 'ended', 'ended');
      assert.strictEqual(view.current.interaction?.disposition, 'resolved');
      assert.isTrue(view.current.flags?.isEnded);
    });
  });

  describe('useMessages', () => {
    it('sends, shows the customer typing and what they have read', async () => {
      const cid = await acceptChat(agent, visitor);
      const result = renderHook(() => useMessages(cid), { agent });
      assert.deepEqual(result.current.getLogProps(), {
        role: 'log',
        'aria-live': 'polite',
        'aria-relevant': 'additions',
      });

      await act(() => result.current.send('Hello **Ada**'));
      await waitForUi(() => result.current.messages.some((m) => m.status === 'sent'), 'sent');
      const mine = result.current.messages.at(-1);
      assert.strictEqual(mine?.from.id, result.current.me);
      assert.strictEqual(mine?.text, 'Hello **Ada**');

      await act(() => visitor.setTyping(true));
      await waitForUi(() => result.current.typing, 'typing');
      await act(() => visitor.setTyping(false));
      await waitForUi(() => !result.current.typing, 'stopped typing');

      assert.isBelow(result.current.readByCustomerUpTo, mine?.seq ?? 0);
      await waitForUi(() => visitor.$messages.get().length === 1, 'visitor got it');
      await act(() => visitor.markRead());
      await waitForUi(
        () => result.current.readByCustomerUpTo >= (mine?.seq ?? Number.POSITIVE_INFINITY),
        'read',
      );
    });
  });

  describe('useCustomer', () => {
    it('collects the customer and their interactions across channels, newest first', async () => {
      const first = await acceptChat(agent, visitor, { queueId: 'support', prechat: { name: 'Ada' } });
      await act(async () => {
        await agent.end(first);
        await agent.wrapUp(first, { disposition: 'resolved' });
      });
      const second = await acceptChat(agent, visitor, {
        channel: 'voice',
        queueId: 'sales',
        prechat: { name: 'Ada' },
      });
      const customerId = agent.$interactions.get()[second]?.customer.id;
      const result = renderHook(() => useCustomer(customerId), { agent });
      await waitForUi(() => result.current.history.length === 2, 'two contacts');
      assert.deepEqual(
        result.current.history.map((i) => [i.id, i.channel]),
        [
          [second, 'voice'],
          [first, 'chat'],
        ],
      );
      assert.strictEqual(result.current.customer?.name, 'Ada');
      assert.strictEqual(result.current.history[1]?.disposition, 'resolved');
      const nobody = renderHook(() => useCustomer('v-unknown'), { agent });
      assert.deepEqual(nobody.current, { customer: undefined, history: [] });
    });
  });

  describe('useCall', () => {
    it('is idle (and says voice is unavailable) without a controller', () => {
      const result = renderHook(() => useCall(), { agent });
      assert.strictEqual(result.current.state, 'idle');
      assert.isFalse(result.current.available);
      assert.isUndefined(result.current.flags);
    });

    it('is idle with a controller but no call', () => {
      const result = renderHook(() => useCall(), { voice: createFakeCall('none') });
      assert.strictEqual(result.current.state, 'idle');
      assert.isTrue(result.current.available);
    });

    it('follows the call; props getters carry aria-pressed and drive the controller', async () => {
      const voice = createFakeCall('ringing');
      let call: ReturnType<typeof useCall> | undefined;
      const { container } = mount(
        <HelplineProvider voice={voice}>
          <Controls onRender={(value) => (call = value)} />
        </HelplineProvider>,
      );
      const mute = container.querySelector<HTMLButtonElement>('button.mute');
      const hold = container.querySelector<HTMLButtonElement>('button.hold');
      const hangUp = container.querySelector<HTMLButtonElement>('button.hang-up');
      assert.strictEqual(call?.state, 'ringing');
      assert.isTrue(call?.flags?.canAnswer);
      assert.isTrue(hold?.disabled, 'no hold while ringing');

      await act(async () => {
        await call?.perform('answer');
      });
      assert.strictEqual(call?.state, 'active');
      assert.strictEqual(mute?.getAttribute('aria-pressed'), 'false');
      await click(mute);
      assert.isTrue(call?.call?.snapshot.context.muted);
      assert.strictEqual(mute?.getAttribute('aria-pressed'), 'true');
      await click(mute);
      assert.isFalse(call?.call?.snapshot.context.muted);

      await click(hold);
      assert.strictEqual(call?.state, 'held');
      assert.strictEqual(hold?.getAttribute('aria-pressed'), 'true');
      await click(hold);
      assert.strictEqual(call?.state, 'active');

      await act(async () => {
        await call?.perform('sendDigits', '5');
      });
      assert.deepEqual(voice.digits, ['5']);

      await click(hangUp);
      assert.strictEqual(call?.state, 'wrap-up');
      assert.isTrue(hangUp?.disabled);
      assert.isNull(hangUp?.getAttribute('aria-pressed'));
    });

    it('records a refused action as an error, leaving the call as it was', async () => {
      const voice = createFakeCall('active');
      const result = renderHook(() => useCall(), { voice });
      await act(async () => {
        await result.current.perform('resume');
      });
      assert.isDefined(result.current.error);
      assert.strictEqual(result.current.state, 'active');
    });
  });

  describe('queue configuration', () => {
    it('useQueues and useCannedResponses read the provider, empty without configuration', () => {
      const canned = { support: [{ id: 'hi', label: 'Greeting', text: 'Hi {customer.name}' }] };
      const result = renderHook(
        () => [useQueues(), useCannedResponses('support'), useCannedResponses('sales')] as const,
        {
          queues: [supportQueue],
          cannedResponses: canned,
        },
      );
      assert.deepEqual(result.current[0], [supportQueue]);
      assert.strictEqual(result.current[1], canned.support);
      assert.deepEqual(result.current[2], []);
      const bare = renderHook(() => [useQueues(), useCannedResponses(undefined)] as const);
      assert.deepEqual(bare.current, [[], []]);
    });
  });

  describe('supervisor hooks', () => {
    it('are empty without a supervisor session', () => {
      const result = renderHook(() => [useQueueStats(), useAgentsBoard(), useKpis(), useBoard()] as const, {
        agent,
      });
      assert.deepEqual(result.current, [[], [], undefined, { queues: [], agents: [] }]);
    });

    it('follow the board and the KPIs', () => {
      const supervisor = createFakeSupervisor(
        {
          queues: [
            {
              queueId: 'support',
              name: 'Support',
              waiting: 2,
              offered: 0,
              longestWaitSeconds: 40,
              slaTargetSeconds: 30,
              open: true,
            },
          ],
          agents: [{ agentId: 'alice', name: 'Alice', presence: 'available', since: 0, interactions: [] }],
        },
        kpiReport({ serviceLevel: 0.5 }),
      );
      const result = renderHook(() => [useQueueStats(), useAgentsBoard(), useKpis()] as const, {
        supervisor,
      });
      assert.strictEqual(result.current[0][0]?.waiting, 2);
      assert.strictEqual(result.current[1][0]?.presence, 'available');
      assert.strictEqual(result.current[2]?.serviceLevel, 0.5);
      act(() => supervisor.$kpis.set(kpiReport({ serviceLevel: 0.75 })));
      assert.strictEqual(result.current[2]?.serviceLevel, 0.75);
      act(() => supervisor.$board.set({ ...supervisor.$board.get(), queues: [] }));
      assert.deepEqual(result.current[0], []);
    });
  });

  describe('useNow', () => {
    it('reads the provider clock', () => {
      const clock = createClock(1000);
      const result = renderHook(() => useNow(), { clock });
      assert.strictEqual(result.current, 1000);
      act(() => clock.set(5000));
      assert.strictEqual(result.current, 5000);
    });

    it('a ticking clock runs one timer while listened to and none when nobody listens', async () => {
      const running = new Set<number>();
      const { setInterval: realSet, clearInterval: realClear } = window;
      window.setInterval = ((handler: () => void, ms: number) => {
        const id = realSet(handler, ms);
        running.add(id);
        return id;
      }) as typeof window.setInterval;
      window.clearInterval = ((id: number) => {
        running.delete(id);
        realClear(id);
      }) as typeof window.clearInterval;
      try {
        const clock = tickingClock(5);
        const ticks: number[] = [];
        let stopFirst: () => void = () => {};
        const twoTicks = new Promise<void>((resolve) => {
          stopFirst = clock.listen((now) => {
            ticks.push(now);
            if (ticks.length === 2) resolve();
          });
        });
        const stopSecond = clock.listen(() => {});
        assert.strictEqual(running.size, 1);
        await twoTicks;
        assert.isAtLeast(ticks[1] ?? 0, ticks[0] ?? Number.POSITIVE_INFINITY);
        assert.strictEqual(clock.get(), ticks.at(-1));
        stopFirst();
        assert.strictEqual(running.size, 1, 'still listened to');
        stopSecond();
        assert.strictEqual(running.size, 0, 'stopped with the last listener');
      } finally {
        window.setInterval = realSet;
        window.clearInterval = realClear;
      }
    });
  });

  describe('useAction', () => {
    it('tracks pending, keeps the error and never rejects', async () => {
      const result = renderHook(() => useAction());
      let release: () => void = () => {};
      let outcome: Promise<unknown> = Promise.resolve();
      act(() => {
        outcome = result.current.run(() => new Promise<void>((resolve) => (release = resolve)));
      });
      assert.isTrue(result.current.pending);
      await act(async () => {
        release();
        await outcome;
      });
      assert.isFalse(result.current.pending);
      let value: unknown = 'unset';
      await act(async () => {
        value = await result.current.run(() => {
          throw new Error('sync failure');
        });
      });
      assert.isUndefined(value);
      assert.strictEqual((result.current.error as Error).message, 'sync failure');
      await act(async () => {
        value = await result.current.run(async () => 42);
      });
      assert.strictEqual(value, 42);
      assert.isUndefined(result.current.error);
    });
  });
});
