/// <reference types="mocha" />
import { type AgentSession, createAgentSession, dialError } from '@helpline/core';
import {
  createHub,
  createMemoryTransport,
  devAuthenticate,
  type Hub,
  type OutboundCall,
} from '@helpline/core/hub';
import { fakeVoiceProvider, salesQueue, supportQueue, testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import {
  adoptStyles,
  assertAccessible,
  assertKeyboardAndCsp,
  cleanup,
  click,
  mount,
  settle,
  waitForUi,
} from '../testing/harness';
import { ClickToDial, PhoneNumberText } from './ClickToDial';
import { Softphone } from './Softphone';

// A real hub (memory transport) whose dial policy refuses one number as do-not-call and another as outside calling
// hours, like the server's; the placed calls are only recorded (no phone network here: the call is simulated).

const DNC = '+442079460999';
const LATE = '+12125550123';

describe('ClickToDial', () => {
  let hub: Hub;
  let placed: OutboundCall[];
  const sessions: AgentSession[] = [];

  function agent(voice = true): AgentSession {
    const session = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      voice: voice ? { provider: () => fakeVoiceProvider().provider, ringer: false } : false,
    });
    sessions.push(session);
    return session;
  }

  before(adoptStyles);

  beforeEach(() => {
    placed = [];
    hub = createHub({
      queues: [supportQueue, salesQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      dial: {
        simulated: true,
        async check({ number }) {
          const e164 = `+${number.replace(/\D/g, '')}`;
          if (e164 === DNC) throw dialError('dial/do-not-call', { number: e164 });
          if (e164 === LATE) {
            throw dialError('dial/outside-hours', {
              number: e164,
              start: '08:00',
              end: '21:00',
              timeZone: 'America/New_York',
              localTime: 'Thu 22:10',
              nextAllowed: 'Fri 08:00 America/New_York',
              nextAllowedUtc: '2026-12-11T13:00:00.000Z',
            });
          }
          return {
            number: e164,
            callerId: '+442079460000',
            customer: { id: `tel-${e164.slice(1)}`, name: number },
          };
        },
        place: (call) => placed.push(call),
      },
    });
  });

  afterEach(() => {
    cleanup();
    for (const session of sessions.splice(0)) session.close();
    hub.close();
  });

  it('dials the number on a click, and says the call is simulated', async () => {
    const alice = agent();
    await act(async () => {
      await alice.setPresence('available');
    });
    const { container } = mount(
      <HelplineProvider agent={alice}>
        <p>
          Ada: <ClickToDial number="+44 20 7946 0958" />
        </p>
      </HelplineProvider>,
    );
    await settle();
    const button = container.querySelector('button');
    assert.strictEqual(button?.getAttribute('aria-label'), 'Call +44 20 7946 0958');
    assert.strictEqual(button?.getAttribute('aria-disabled'), 'false');
    await assertAccessible(container);
    assertKeyboardAndCsp(container);
    await click(button);
    await waitForUi(() => placed.length === 1, 'the call is placed');
    const status = container.querySelector('[role="status"]');
    await waitForUi(
      () => /Simulated call — no Vonage account configured\./.test(status?.textContent ?? ''),
      `simulated (${status?.textContent})`,
    );
    assert.strictEqual(status?.getAttribute('aria-live'), 'polite');
    assert.match(status?.textContent ?? '', /^Calling \+442079460958\./);
    assert.strictEqual(placed[0]?.agentId, 'alice');
    await assertAccessible(container);
  });

  it('the softphone labels a dialled call on a simulated line as no real call', async () => {
    const alice = agent();
    await act(async () => {
      await alice.setPresence('available');
    });
    const dial = mount(
      <HelplineProvider agent={alice}>
        <ClickToDial number="+44 20 7946 0958" />
      </HelplineProvider>,
    );
    await settle();
    await click(dial.container.querySelector('button'));
    await waitForUi(() => placed.length === 1, 'the call is placed');
    // The agent session's call session takes the dialled call (dialing, then ringing as the phone network reports).
    await waitForUi(
      () => alice.$calls.get()?.$call.get()?.cid === placed[0]?.cid,
      'the call session shows the dialled call',
    );
    const { container } = mount(
      <HelplineProvider agent={alice} voice={alice.$calls.get()}>
        <Softphone />
      </HelplineProvider>,
    );
    await waitForUi(
      () => /Simulated line — no real call\./.test(container.textContent ?? ''),
      `the simulated label (${container.textContent})`,
    );
    assert.strictEqual(container.querySelector('.helpline-softphone')?.getAttribute('data-state'), 'dialing');
    // No offer named the far end: the agent's interaction does (the number, as the server calls the customer).
    assert.strictEqual(
      container.querySelector('.helpline-softphone__status')?.textContent,
      'Dialing +44 20 7946 0958…',
    );
    // A number has no initials: its avatar is a phone.
    assert.ok(container.querySelector('.helpline-softphone__avatar svg'), 'a phone, not "+4"');
    await assertAccessible(container);
  });

  it('once the dialled call is over and wrapped up, nothing says "Calling…" and the softphone is idle', async () => {
    const alice = agent();
    await act(async () => {
      await alice.setPresence('available');
    });
    // Support requires wrap-up: the call's work stays open after the hang-up until a disposition is given.
    const { container } = mount(
      <HelplineProvider agent={alice}>
        <ClickToDial number="+44 20 7946 0958" queueId="support" />
      </HelplineProvider>,
    );
    await settle();
    await click(container.querySelector('button'));
    await waitForUi(() => placed.length === 1, 'the call is placed');
    const cid = placed[0]?.cid ?? '';
    await waitForUi(() => alice.$calls.get()?.$call.get()?.cid === cid, 'the call session has the call');
    const phone = mount(
      <HelplineProvider agent={alice} voice={alice.$calls.get()}>
        <Softphone />
      </HelplineProvider>,
    );
    const status = container.querySelector('.helpline-dial__status');
    await waitForUi(() => /^Calling /.test(status?.textContent ?? ''), 'calling');
    await act(() => alice.$calls.get()?.hangUp() ?? Promise.resolve());
    await waitForUi(() => status?.textContent === '', `the line cleared (${status?.textContent})`);
    assert.strictEqual(container.querySelector('.helpline-dial')?.getAttribute('data-state'), 'idle');
    const softphone = () => phone.container.querySelector('.helpline-softphone');
    // In wrap-up the softphone still shows the call that ended; once the work is finished, it is ready again.
    assert.notStrictEqual(softphone()?.getAttribute('data-state'), 'idle');
    await act(() => alice.wrapUp(cid, { disposition: 'resolved' }));
    await waitForUi(() => softphone()?.getAttribute('data-state') === 'idle', 'the softphone idle');
    assert.include(phone.container.textContent, 'No call.');
  });

  it('shows the server’s refusal (do-not-call, calling hours with the next time) in the live region', async () => {
    const alice = agent();
    await act(async () => {
      await alice.setPresence('available');
    });
    const { container } = mount(
      <HelplineProvider agent={alice}>
        <ClickToDial number={DNC} />
        <ClickToDial number="+1 212 555 0123" />
      </HelplineProvider>,
    );
    await settle();
    const [dnc, late] = [...container.querySelectorAll<HTMLElement>('.helpline-dial')];
    await click(dnc?.querySelector('button'));
    await waitForUi(() => /do-not-call/.test(dnc?.textContent ?? ''), 'the do-not-call refusal');
    assert.match(
      dnc?.querySelector('[role="status"]')?.textContent ?? '',
      /^Not dialled: The number \+442079460999 is on the do-not-call list\.$/,
    );
    assert.strictEqual(dnc?.getAttribute('data-state'), 'refused');
    await click(late?.querySelector('button'));
    await waitForUi(() => /Next allowed/.test(late?.textContent ?? ''), 'the calling-hours refusal');
    assert.match(late?.textContent ?? '', /Next allowed: Fri 08:00 America\/New_York/);
    // Each button speaks of its own dial only.
    assert.notMatch(dnc?.textContent ?? '', /Next allowed/);
    assert.strictEqual(placed.length, 0);
    await assertAccessible(container);
  });

  it('is disabled, with the reason, while offline or in a console that takes no calls', async () => {
    const offline = agent();
    const { container } = mount(
      <HelplineProvider agent={offline}>
        <ClickToDial number="+44 20 7946 0958" />
      </HelplineProvider>,
    );
    await settle();
    const button = container.querySelector('button');
    assert.strictEqual(button?.getAttribute('aria-disabled'), 'true');
    const why = container.querySelector(`#${CSS.escape(button?.getAttribute('aria-describedby') ?? '')}`);
    assert.match(why?.textContent ?? '', /offline/);
    await click(button);
    await settle();
    assert.strictEqual(placed.length, 0);
    await assertAccessible(container);
    cleanup();

    const mute = agent(false);
    await act(async () => {
      await mute.setPresence('available');
    });
    const second = mount(
      <HelplineProvider agent={mute}>
        <ClickToDial number="+44 20 7946 0958" />
      </HelplineProvider>,
    );
    await settle();
    assert.strictEqual(second.container.querySelector('button')?.getAttribute('aria-disabled'), 'true');
    assert.match(second.container.textContent ?? '', /This console takes no calls\./);
  });

  it('turns the numbers in a text into buttons and keeps the rest as text, never HTML', async () => {
    const alice = agent();
    const { container } = mount(
      <HelplineProvider agent={alice}>
        <PhoneNumberText text={'<b>Ada</b>: +44 20 7946 0958, office 020 7946 0959 (order 12-34)'} />
      </HelplineProvider>,
    );
    await settle();
    const labels = [...container.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    assert.deepEqual(labels, ['Call +44 20 7946 0958', 'Call 020 7946 0959']);
    assert.isNull(container.querySelector('b'), 'markup stays text');
    assert.include(container.textContent, '<b>Ada</b>: ');
    assert.include(container.textContent, '(order 12-34)');
  });
});
