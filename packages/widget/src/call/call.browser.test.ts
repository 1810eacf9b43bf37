/// <reference types="mocha" />
import { DEFAULT_SURVEY } from '@helpline/core';
import { createVisitorSession } from '@helpline/core/session';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { micDenied } from '../testing/fake-voice';
import { createWidgetWorld, type WidgetWorld, type WidgetWorldOptions } from '../testing/widget-world';

let w: WidgetWorld | undefined;
const worlds: WidgetWorld[] = [];
afterEach(() => {
  w?.close();
  w = undefined;
  for (const created of worlds.splice(0)) created.close();
});

async function openCall(world: WidgetWorld): Promise<void> {
  await world.open();
  world.$<HTMLButtonElement>('[part~="call"]').click();
  await waitFor(() => world.has('[part~="start-call"]'), 'call screen');
}

describe('click-to-call UI against a fake voice engine', () => {
  it('walks dialing → ringing → active (timer) → muted → ended, announcing each state', async () => {
    w = await createWidgetWorld({ config: { channels: { voice: true } } });
    const world = w;
    await openCall(world);
    world.$<HTMLButtonElement>('[part~="start-call"]').click();
    await world.waitForText('Connecting…');
    assert.strictEqual(world.$('[part~="call-state"]').getAttribute('role'), 'status');
    assert.deepEqual(
      world.voice.requests.map((r) => r.language),
      ['en'],
    );
    const call = world.voice.current;
    if (!call) throw new Error('no call placed');
    call.ring();
    await world.waitForText('Ringing…');
    call.answer(Date.now() - 65_000);
    await world.waitForText('In call');
    assert.strictEqual(world.$('[part~="call-timer"]').textContent, '1:05');
    // The timer runs on its own while the call is talked on, with nothing else changing.
    await waitFor(() => world.$('[part~="call-timer"]').textContent === '1:06', 'the timer ticks', 2500);
    call.mediaReconnecting();
    await world.waitForText('Reconnecting audio…');
    call.mediaRestored();
    const mute = world.$<HTMLButtonElement>('[part~="mute"]');
    assert.strictEqual(mute.getAttribute('aria-pressed'), 'false');
    mute.click();
    await waitFor(() => world.$('[part~="mute"]').getAttribute('aria-pressed') === 'true', 'muted');
    assert.strictEqual(world.$('[part~="mute"]').textContent?.trim(), 'Unmute');
    world.$<HTMLButtonElement>('[part~="hang-up"]').click();
    await world.waitForText('The call has ended.');
    assert.deepEqual(call.actions, ['mute', 'hangUp']);
  });

  it('explains a refused microphone', async () => {
    w = await createWidgetWorld({ config: { channels: { voice: true } }, lang: 'zh-Hant' });
    const world = w;
    world.voice.failNextCall(micDenied());
    await world.open();
    world.$<HTMLButtonElement>('[part~="call"]').click();
    await waitFor(() => world.has('[part~="start-call"]'));
    world.$<HTMLButtonElement>('[part~="start-call"]').click();
    await waitFor(() => (world.$('[role="alert"]').textContent ?? '').includes('麥克風權限遭拒'), 'alert');
  });
});

/** A world whose fake calls start real voice interactions in the hub (queue, offer, end, survey). */
async function callWorld(options: WidgetWorldOptions = {}): Promise<WidgetWorld> {
  const created = await createWidgetWorld({
    config: { channels: { voice: true } },
    voiceInteractions: true,
    ...options,
  });
  worlds.push(created);
  return created;
}

/** Alice takes the next voice offer. */
async function acceptCall(world: WidgetWorld): Promise<string> {
  await waitFor(
    () => Object.values(world.agent.$offers.get()).some((o) => o.interaction.channel === 'voice'),
    'the call offered',
  );
  const cid =
    Object.values(world.agent.$offers.get()).find((o) => o.interaction.channel === 'voice')?.interaction.id ??
    '';
  await world.agent.accept(cid);
  return cid;
}

describe('the call view against the hub', () => {
  it('shows the place in line and the estimated wait while the call waits, as the chat does', async () => {
    const world = await callWorld();
    // Alice handles one call (the queue learns a handle time), then takes another and is busy.
    const first = createVisitorSession({
      transport: world.transport,
      token: 'dev:visitor:v2:Bo',
      storageKey: false,
    });
    const second = createVisitorSession({
      transport: world.transport,
      token: 'dev:visitor:v3:Cy',
      storageKey: false,
    });
    try {
      await first.startChat({ channel: 'voice' });
      const handled = await acceptCall(world);
      await world.agent.end(handled);
      await world.agent.wrapUp(handled, { disposition: 'resolved' });
      await second.startChat({ channel: 'voice' });
      const busy = await acceptCall(world);

      await openCall(world);
      world.$<HTMLButtonElement>('[part~="start-call"]').click();
      await world.waitForText('You are number 1 in line. Estimated wait: 1 minute.');
      assert.strictEqual(world.$('[part~="call-state"]').textContent?.trim(), 'Waiting for an agent…');
      assert.strictEqual(world.$('[part~="queue"]').getAttribute('role'), 'status');
      assert.isTrue(world.has('[part~="hang-up"]'), 'the caller can give up while waiting');

      // Alice is free again: the call is offered and answered; the place in line goes away.
      await world.agent.end(busy);
      await world.agent.wrapUp(busy, { disposition: 'resolved' });
      await acceptCall(world);
      world.voice.current?.answer();
      await world.waitForText('In call');
      assert.isFalse(world.has('[part~="queue"]'));
    } finally {
      first.close();
      second.close();
    }
  });

  it('shows the place in line in Arabic, right to left', async () => {
    const world = await callWorld({ lang: 'ar' });
    await world.agent.setPresence('away', 'break');
    await openCall(world);
    world.$<HTMLButtonElement>('[part~="start-call"]').click();
    await world.waitForText(`ترتيبك في قائمة الانتظار هو ${(1).toLocaleString('ar')}.`);
    assert.strictEqual(world.$('[part~="panel"]').getAttribute('dir'), 'rtl');
  });

  it('asks the same survey after a web call: the rating, then NPS', async () => {
    const world = await callWorld({ survey: { ...DEFAULT_SURVEY, nps: true } });
    await openCall(world);
    world.$<HTMLButtonElement>('[part~="start-call"]').click();
    const cid = await acceptCall(world);
    world.voice.current?.answer();
    await world.waitForText('In call');
    await world.agent.end(cid);
    await world.waitForText('The call has ended.');
    await waitFor(() => world.has('form[part~="csat"]'), 'the rating');
    assert.include(world.$('form[part~="csat"] legend').textContent, 'How would you rate this call?');
    world.$<HTMLInputElement>('input[aria-label="5 out of 5"]').click();
    await waitFor(() => !world.$<HTMLButtonElement>('form[part~="csat"] [part~="submit"]').disabled);
    world.$<HTMLButtonElement>('form[part~="csat"] [part~="submit"]').click();
    await waitFor(() => world.has('form[part~="nps"]'), 'the NPS question');
    world.$<HTMLInputElement>('input[aria-label="10 out of 10"]').click();
    await waitFor(() => !world.$<HTMLButtonElement>('form[part~="nps"] [part~="submit"]').disabled);
    world.$<HTMLButtonElement>('form[part~="nps"] [part~="submit"]').click();
    await world.waitForText('Thank you for your feedback!');
    assert.deepEqual(world.hub.interaction(cid)?.csat, { score: 5, nps: 10 });
    world.$<HTMLButtonElement>('[part~="back-to-start"]').click();
    await waitFor(() => world.has('[part~="call"]'), 'the start screen');
  });

  it('takes over its live call after a reload', async () => {
    const first = await callWorld();
    await openCall(first);
    first.$<HTMLButtonElement>('[part~="start-call"]').click();
    const cid = await acceptCall(first);
    first.voice.current?.answer();
    await first.waitForText('In call');
    // "Reload": the widget goes away, a new one with the same visitor comes up on the same hub.
    first.widget.remove();
    const second = await callWorld({ hub: first.hub });
    await second.open();
    await second.waitForText('In call');
    assert.deepEqual(
      second.voice.attaches.map((request) => request.cid),
      [cid],
    );
    assert.isTrue(second.has('[part~="hang-up"]'));
    second.$<HTMLButtonElement>('[part~="hang-up"]').click();
    await waitFor(() => second.hub.interaction(cid)?.endedBy === 'visitor', 'hung up from the reloaded page');
  });

  it('ends a call it cannot take over after a reload, and says why', async () => {
    const first = await callWorld();
    await openCall(first);
    first.$<HTMLButtonElement>('[part~="start-call"]').click();
    const cid = await acceptCall(first);
    first.widget.remove();
    const second = await callWorld({ hub: first.hub });
    second.voice.attachFinds('gone');
    await second.open();
    await second.waitForText('The page was reloaded and the call could not be reconnected, so it was ended.');
    assert.strictEqual(second.$('[part~="call-state"]').textContent?.trim(), 'The call has ended.');
    await waitFor(() => second.hub.interaction(cid)?.endedBy === 'visitor', 'ended in the hub');
    assert.isTrue(second.has('form[part~="csat"]'), 'the survey follows, as after any call');
  });

  it('explains a microphone refused on re-attach, and leaves a call another tab runs alone', async () => {
    const first = await callWorld({ lang: 'nl' });
    await openCall(first);
    first.$<HTMLButtonElement>('[part~="start-call"]').click();
    const cid = await acceptCall(first);
    first.widget.remove();
    const elsewhere = await callWorld({ hub: first.hub, lang: 'nl' });
    elsewhere.voice.attachFinds('elsewhere');
    await elsewhere.open();
    await elsewhere.waitForText('Dit gesprek loopt verder in een ander tabblad van deze browser.');
    assert.strictEqual(elsewhere.hub.interaction(cid)?.state, 'active', 'the call goes on');
    elsewhere.widget.remove();

    const refused = await callWorld({ hub: first.hub, lang: 'nl' });
    refused.voice.attachFinds(micDenied());
    await refused.open();
    await refused.waitForText(
      'De pagina is opnieuw geladen en het gesprek kon niet opnieuw worden verbonden',
    );
    await waitFor(
      () => (refused.$('[role="alert"]').textContent ?? '').includes('microfoon is geweigerd'),
      'the alert',
    );
    await waitFor(() => refused.hub.interaction(cid)?.endedBy === 'visitor', 'ended in the hub');
  });
});

describe('the call view tells the visitor the call is recorded', () => {
  it('announces recording and its pause politely, in the visitor’s language, only while the call is live', async () => {
    w = await createWidgetWorld({ config: { channels: { voice: true } }, lang: 'nl' });
    const world = w;
    await openCall(world);
    world.$<HTMLButtonElement>('[part~="start-call"]').click();
    await waitFor(() => world.voice.current !== undefined, 'the call placed');
    const call = world.voice.current;
    if (!call) throw new Error('no call placed');
    call.answer();
    await waitFor(() => world.has('[part~="call-timer"]'), 'the call is active');
    assert.isFalse(world.has('[part~="call-recording"]'), 'nothing said while the call is not recorded');
    call.record('on');
    await waitFor(() => world.has('[part~="call-recording"]'), 'the notice');
    const notice = world.$('[part~="call-recording"]');
    assert.strictEqual(notice.getAttribute('aria-live'), 'polite');
    assert.strictEqual(notice.getAttribute('role'), 'status');
    assert.strictEqual(notice.textContent?.trim(), 'Dit gesprek wordt opgenomen.');
    call.record('paused');
    await waitFor(
      () => world.$('[part~="call-recording"]').textContent?.includes('gepauzeerd') === true,
      'the pause is told',
    );
    call.remoteHangUp();
    await waitFor(() => !world.has('[part~="call-recording"]'), 'gone once the call ended');
  });
});
