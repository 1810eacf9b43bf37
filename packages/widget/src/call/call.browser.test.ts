/// <reference types="mocha" />
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { micDenied } from '../testing/fake-voice';
import { createWidgetWorld, type WidgetWorld } from '../testing/widget-world';

let w: WidgetWorld | undefined;
afterEach(() => w?.close());

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
