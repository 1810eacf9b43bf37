import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { atom, map } from 'nanostores';
import type { WireInteraction } from '../protocol/protocol.types';
import { createTestClock, flush } from '../testing';
import type { Ringer } from '../voice/ring';
import type { AgentOffer } from './agent.session';
import { createBrowserOfferNotifier, createOfferAlert, type OfferAlert } from './offer.alert';

/** A ringer that records whether it rings; `blocked` plays the browser's autoplay policy until a click. */
function fakeRinger(blocked = false) {
  const state = { ringing: false, starts: 0, blocked };
  const ringer: Ringer = {
    async start() {
      state.ringing = true;
      state.starts++;
      return !state.blocked;
    },
    stop() {
      state.ringing = false;
    },
    async unblock() {
      state.blocked = false;
      return true;
    },
  };
  return { ringer, state };
}

function offer(id: string, expiresAt: number, channel: WireInteraction['channel'] = 'chat'): AgentOffer {
  return {
    interaction: { id, channel, customer: { id: `c-${id}`, name: 'Ada' } } as unknown as WireInteraction,
    expiresAt,
  };
}

const alerts: OfferAlert[] = [];
afterEach(() => {
  for (const alert of alerts.splice(0)) alert.dispose();
});

function setup(options: { leader?: boolean; blocked?: boolean } = {}) {
  const clock = createTestClock();
  const $offers = map<Record<string, AgentOffer>>({});
  const $isLeader = atom(options.leader ?? true);
  const { ringer, state } = fakeRinger(options.blocked);
  const notified: string[] = [];
  const closed: string[] = [];
  const alert = createOfferAlert({
    session: { $offers, $isLeader },
    ringer,
    clock,
    rings: (o) => o.interaction.channel !== 'voice',
    notify: (o) => {
      notified.push(o.interaction.id);
      return () => closed.push(o.interaction.id);
    },
  });
  alerts.push(alert);
  const add = (o: AgentOffer) => $offers.setKey(o.interaction.id, o);
  const remove = (id: string) => {
    const { [id]: _answered, ...rest } = $offers.get();
    $offers.set(rest);
  };
  return { clock, $offers, $isLeader, state, notified, closed, alert, add, remove };
}

describe('createOfferAlert', () => {
  it('rings and notifies once per offer while it waits, and stops when it is answered', async () => {
    const t = setup();
    const now = t.clock.now();
    t.add(offer('c1', now + 30_000));
    t.add(offer('c2', now + 30_000));
    await flush();
    assert.equal(t.state.ringing, true);
    assert.equal(t.state.starts, 1, 'one ringtone for every waiting offer');
    assert.deepEqual(t.notified, ['c1', 'c2']);
    assert.deepEqual(t.alert.$alerting.get(), ['c1', 'c2']);

    t.remove('c1');
    assert.deepEqual(t.closed, ['c1']);
    assert.equal(t.state.ringing, true, 'c2 still waits');
    t.remove('c2');
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.closed, ['c1', 'c2']);
    assert.deepEqual(t.notified, ['c1', 'c2'], 'nothing notified twice');
  });

  it('stays silent in a tab that does not lead, and takes over when it comes to lead', async () => {
    const t = setup({ leader: false });
    t.add(offer('c1', t.clock.now() + 30_000));
    await flush();
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.notified, []);
    assert.deepEqual(t.alert.$alerting.get(), []);

    t.$isLeader.set(true); // The leader tab closed while the offer waited.
    assert.equal(t.state.ringing, true);
    assert.deepEqual(t.notified, ['c1']);

    t.$isLeader.set(false); // This tab went into the back/forward cache.
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.closed, ['c1']);
  });

  it('stops at the offer’s expiry even when the server’s word is late', async () => {
    const t = setup();
    t.add(offer('c1', t.clock.now() + 10_000));
    await flush();
    assert.equal(t.state.ringing, true);
    await t.clock.advance(9_999);
    assert.equal(t.state.ringing, true);
    await t.clock.advance(1);
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.closed, ['c1']);
    assert.deepEqual(t.alert.$alerting.get(), []);
  });

  it('notifies but does not ring for offers another part rings for (voice, with a call session)', async () => {
    const t = setup();
    t.add(offer('v1', t.clock.now() + 30_000, 'voice'));
    await flush();
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.notified, ['v1']);
  });

  it('reports sound the browser blocked until the agent clicks', async () => {
    const t = setup({ blocked: true });
    t.add(offer('c1', t.clock.now() + 30_000));
    await flush();
    assert.equal(t.alert.$soundBlocked.get(), true);
    await t.alert.unblock();
    assert.equal(t.alert.$soundBlocked.get(), false);
    t.remove('c1');
    assert.equal(t.state.ringing, false);
  });

  it('stops everything when disposed', async () => {
    const t = setup();
    t.add(offer('c1', t.clock.now() + 30_000));
    await flush();
    t.alert.dispose();
    assert.equal(t.state.ringing, false);
    assert.deepEqual(t.closed, ['c1']);
    t.add(offer('c2', t.clock.now() + 30_000));
    assert.deepEqual(t.notified, ['c1'], 'no longer listening');
    assert.equal(t.clock.pendingTimers, 0);
  });
});

describe('createBrowserOfferNotifier', () => {
  function fakeNotification(permission: NotificationPermission) {
    const made: { title: string; options: NotificationOptions | undefined; closed: boolean }[] = [];
    class FakeNotification {
      static permission = permission;
      onclick: (() => void) | null = null;
      readonly record: (typeof made)[number];
      constructor(title: string, options?: NotificationOptions) {
        this.record = { title, options, closed: false };
        made.push(this.record);
      }
      close() {
        this.record.closed = true;
      }
    }
    return { Api: FakeNotification as unknown as typeof Notification, made };
  }

  it('shows one tagged notification per offer once the agent allowed them', () => {
    const { Api, made } = fakeNotification('granted');
    const notify = createBrowserOfferNotifier({
      title: (o) => `Chat from ${o.interaction.customer.name}`,
      body: () => 'Queue: Support',
      Notification: Api,
    });
    const close = notify(offer('c1', 0));
    assert.deepEqual(
      made.map((n) => [n.title, n.options?.tag, n.options?.body]),
      [['Chat from Ada', 'helpline-offer:c1', 'Queue: Support']],
    );
    close?.();
    assert.equal(made[0]?.closed, true);
  });

  it('shows nothing without the agent’s permission', () => {
    const { Api, made } = fakeNotification('default');
    const notify = createBrowserOfferNotifier({ title: () => 'Chat', Notification: Api });
    assert.equal(notify(offer('c1', 0)), undefined);
    assert.equal(made.length, 0);
  });
});
