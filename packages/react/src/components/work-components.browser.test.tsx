/// <reference types="mocha" />
import {
  type AgentSession,
  helplineError,
  type Queue,
  transition,
  type VisitorSession,
  voiceMachine,
  voiceSnapshot,
  type WireInteraction,
} from '@helpline/core';
import { supportQueue } from '@helpline/core/testing';
import { assert } from 'chai';
import { act, type ReactNode } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import {
  acceptChat,
  adoptStyles,
  byLabel,
  byText,
  choose,
  cleanup,
  click,
  createClock,
  createFakeCall,
  createWorld,
  mount,
  press,
  QUEUES,
  renderHook,
  settle,
  typeText,
  type World,
  waitForUi,
} from '../testing/harness';
import { type CallbackItem, CallbackWorklist } from './CallbackWorklist';
import { CustomerCard } from './CustomerCard';
import { EscalateForm } from './EscalateForm';
import {
  DEFAULT_KEYMAP,
  matchesShortcut,
  ShortcutsContext,
  ShortcutsHelp,
  useKeyboardShortcuts,
} from './KeyboardShortcuts';
import { Softphone } from './Softphone';
import { TransferForm } from './TransferForm';
import { TransferResults } from './TransferResults';
import { WrapUpForm } from './WrapUpForm';

function ShortcutProbe({ log }: { log: string[] }): ReactNode {
  useKeyboardShortcuts({ accept: () => log.push('accept'), next: () => log.push('next') });
  return null;
}

describe('work components', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;

  before(adoptStyles);

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

  describe('Softphone', () => {
    it('says when the console takes no calls, and when there is no call', () => {
      const bare = mount(
        <HelplineProvider agent={world.agent('bob', 'Bob', false)}>
          <Softphone />
        </HelplineProvider>,
      );
      assert.include(bare.container.textContent, consoleMessages.callUnavailable);
      const waiting = mount(
        <HelplineProvider agent={agent}>
          <Softphone />
        </HelplineProvider>,
      );
      assert.include(
        waiting.container.textContent,
        consoleMessages.callIdle,
        'voice loads with the first call',
      );
      const idle = mount(
        <HelplineProvider agent={agent} voice={createFakeCall('none')}>
          <Softphone />
        </HelplineProvider>,
      );
      assert.include(idle.container.textContent, consoleMessages.callIdle);
      assert.strictEqual(idle.container.querySelector('section')?.getAttribute('data-state'), 'idle');
    });

    it('answers, holds, mutes, sends digits and hangs up through the voice controller', async () => {
      const voice = createFakeCall('ringing', { remoteName: 'Ada' });
      const clock = createClock();
      const { container } = mount(
        <HelplineProvider agent={agent} voice={voice} clock={clock}>
          <ShortcutsContext.Provider value={DEFAULT_KEYMAP}>
            <Softphone />
          </ShortcutsContext.Provider>
        </HelplineProvider>,
      );
      const status = () => container.querySelector('.helpline-softphone__status')?.textContent;
      assert.strictEqual(status(), 'Incoming call from Ada');
      assert.isNull(container.querySelector('button[aria-pressed]'), 'no call controls while ringing');
      await click(byText(container, 'button', 'Answer'));
      assert.strictEqual(status(), 'On a call with Ada');
      const answeredAt = voice.$call.get()?.snapshot.context.timestamps.answeredAt ?? 0;
      act(() => clock.set(answeredAt + 65_000));
      assert.strictEqual(
        container.querySelector('.helpline-softphone__duration')?.textContent,
        'Duration 1:051:05',
        'the duration said in words, and shown as a timer',
      );
      assert.strictEqual(container.querySelector('.helpline-softphone__timer')?.textContent, '1:05');

      const mute = byText<HTMLButtonElement>(container, 'button', 'Mute');
      assert.strictEqual(mute.getAttribute('aria-keyshortcuts'), 'Alt+M');
      await click(mute);
      assert.strictEqual(mute.getAttribute('aria-pressed'), 'true');
      const hold = byText<HTMLButtonElement>(container, 'button', 'Hold');
      await click(hold);
      assert.strictEqual(status(), 'On hold with Ada');
      assert.strictEqual(hold.getAttribute('aria-pressed'), 'true');
      await click(hold);

      const keypadToggle = byText<HTMLButtonElement>(container, 'button', 'Keypad');
      assert.strictEqual(keypadToggle.getAttribute('aria-expanded'), 'false');
      await click(keypadToggle);
      assert.strictEqual(keypadToggle.getAttribute('aria-expanded'), 'true');
      const keypad = container.querySelector(
        `#${CSS.escape(keypadToggle.getAttribute('aria-controls') ?? '')}`,
      );
      assert.lengthOf(keypad?.querySelectorAll('button') ?? [], 12);
      await click(keypad?.querySelector('button[aria-label="Send 5"]'));
      await click(keypad?.querySelector('button[aria-label="Send #"]'));
      assert.deepEqual(voice.digits, ['5', '#']);
      // Digits can be typed while the keypad has focus; Escape closes it.
      await press({ key: '7', code: 'Digit7' }, keypad?.querySelector('button') ?? document.body);
      assert.deepEqual(voice.digits, ['5', '#', '7']);
      assert.include(container.textContent, 'Sent: 5#7');

      act(() => voice.send({ type: 'MEDIA_RECONNECTING', at: Date.now() }));
      assert.include(container.textContent, consoleMessages.callReconnecting);
      act(() => voice.send({ type: 'MEDIA_RESTORED', at: Date.now() }));

      const hangUp = byText<HTMLButtonElement>(container, 'button', 'Hang up');
      assert.strictEqual(hangUp.getAttribute('aria-keyshortcuts'), 'Alt+H');
      await click(hangUp);
      assert.strictEqual(status(), 'Call ended; wrap-up');
      assert.isNull(container.querySelector('.helpline-keypad'));
    });

    it('says a call the agent placed rings at the far end, and shows a number with a phone, not initials', () => {
      const at = Date.now();
      const ringing = transition(voiceMachine, voiceSnapshot({ direction: 'outbound', at }), {
        type: 'RING',
        at,
      });
      assert.ok(ringing.ok);
      const voice = createFakeCall('none');
      act(() => voice.$call.set({ remoteName: '+44 20 7946 0958', snapshot: ringing.snapshot }));
      const { container } = mount(
        <HelplineProvider agent={agent} voice={voice}>
          <Softphone />
        </HelplineProvider>,
      );
      assert.strictEqual(
        container.querySelector('.helpline-softphone__status')?.textContent,
        'Ringing +44 20 7946 0958…',
      );
      assert.strictEqual(container.querySelector('.helpline-softphone__badge')?.textContent, 'Ringing');
      assert.notInclude(container.textContent, 'Answer', 'nothing to answer here');
      assert.ok(container.querySelector('.helpline-softphone__avatar svg'), 'a phone for a number');
    });

    it('offers transfer while on a call and shows a failed action', async () => {
      const voice = createFakeCall('active');
      voice.hold = async () => {
        throw helplineError('conflict/state', { operation: 'hold', entity: 'call', state: 'active' });
      };
      let transfers = 0;
      const { container } = mount(
        <HelplineProvider agent={agent} voice={voice}>
          <Softphone onTransfer={() => transfers++} />
        </HelplineProvider>,
      );
      await click(byText(container, 'button', 'Transfer'));
      assert.strictEqual(transfers, 1);
      await click(byText(container, 'button', 'Hold'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'error');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.conflict/state'],
      );
    });
  });

  describe('CallbackWorklist', () => {
    const now = Date.UTC(2026, 0, 5, 10);
    const items: CallbackItem[] = [
      { id: 'later', name: 'Cleo', phone: '+31201234567', dueAt: now + 3_600_000 },
      { id: 'due', name: 'Bo', phone: '+31201234568', dueAt: now - 60_000, attempts: 1, maxAttempts: 3 },
      {
        id: 'late',
        name: 'Ada',
        phone: '+31201234569',
        dueAt: now - 20 * 60_000,
        attempts: 2,
        maxAttempts: 3,
      },
    ];

    /** The visitor asks for a callback as soon as possible; the agent accepts it and the worklist lists it. */
    async function acceptCallback(container: HTMLElement): Promise<string> {
      let cid = '';
      await act(async () => {
        cid = await visitor.requestCallback({
          queueId: 'support',
          phone: '+31201234567',
          timeZone: 'Europe/Amsterdam',
          slot: 'asap',
        });
      });
      await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'offered');
      await act(() => agent.accept(cid));
      await waitForUi(() => container.querySelector('.helpline-callback') !== null, 'listed');
      return cid;
    }

    it('lists overdue first, then due, then upcoming, with attempts; dials, reschedules and closes', async () => {
      const clock = createClock(now);
      const calls: string[] = [];
      const { container } = mount(
        <HelplineProvider agent={agent} clock={clock}>
          <CallbackWorklist
            items={items}
            onDial={async (item) => void calls.push(`dial ${item.id}`)}
            onReschedule={async (item, at) =>
              void calls.push(`reschedule ${item.id} ${new Date(at).getFullYear()}`)
            }
            onClose={async (item, outcome) => {
              if (item.id === 'due')
                throw helplineError('conflict/state', {
                  operation: 'close',
                  entity: 'callback',
                  state: 'dialing',
                });
              calls.push(`close ${item.id} ${outcome}`);
            }}
          />
        </HelplineProvider>,
      );
      const rows = [...container.querySelectorAll<HTMLElement>('.helpline-callback')];
      assert.deepEqual(
        rows.map((row) => [row.querySelector('.helpline-callback__name')?.textContent, row.dataset.due]),
        [
          ['Ada', 'overdue'],
          ['Bo', 'due'],
          ['Cleo', 'upcoming'],
        ],
      );
      const [late, due, later] = rows as [HTMLElement, HTMLElement, HTMLElement];
      assert.strictEqual(late.querySelector('.helpline-callback__due')?.textContent, 'Overdue by 20:00');
      assert.strictEqual(late.querySelector('.helpline-callback__attempts')?.textContent, 'Attempt 2 of 3');
      assert.strictEqual(due.querySelector('.helpline-callback__due')?.textContent, 'Due now');
      assert.match(later.querySelector('.helpline-callback__due')?.textContent ?? '', /^Due /);
      assert.strictEqual(later.querySelector('.helpline-callback__attempts')?.textContent, 'Not dialed yet');

      await click(byText(late, 'button', 'Dial'));
      const reschedule = byText<HTMLButtonElement>(later, 'button', 'Reschedule');
      await click(reschedule);
      assert.strictEqual(reschedule.getAttribute('aria-expanded'), 'true');
      await typeText(byLabel(later, 'New time'), '2027-03-01T09:30');
      await click(byText(later, 'button', 'Save'));
      await waitForUi(() => calls.length === 2, 'rescheduled');

      await click(byText(late, 'button', 'Close'));
      const noAnswer = [...late.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find(
        (r) => r.value === 'no-answer',
      );
      await click(noAnswer);
      await click(byText(late, 'button', 'Close callback'));
      await waitForUi(() => calls.length === 3, 'closed');
      assert.deepEqual(calls, ['dial late', 'reschedule later 2027', 'close late no-answer']);

      await click(byText(due, 'button', 'Close'));
      await click(byText(due, 'button', 'Close callback'));
      await waitForUi(() => due.querySelector('[role="alert"]') !== null, 'error');
      assert.strictEqual(
        due.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.conflict/state'],
      );
    });

    it('works from the agent session: callback interactions, started with the voice controller', async () => {
      const voice = createFakeCall('none');
      const { container } = mount(
        <HelplineProvider agent={agent} voice={voice}>
          <CallbackWorklist />
        </HelplineProvider>,
      );
      assert.include(container.textContent, consoleMessages.callbacksEmpty);
      const cid = await acceptCallback(container);
      assert.include(container.querySelector('.helpline-callback__phone')?.textContent, '+31201234567');
      await click(byText(container, 'button', 'Dial'));
      assert.deepEqual(voice.started, [cid], 'a web callback is started by its interaction');
      assert.deepEqual(voice.dialed, []);
      assert.strictEqual(
        container.querySelector('.helpline-callback__attempts')?.textContent,
        'Attempt 1 of 3',
        'accepting counts the first dial',
      );

      await click(byText(container, 'button', 'Close'));
      // Dialing has started, so it can no longer be called off: the server says so.
      const radio = (value: string) =>
        [...container.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find(
          (r) => r.value === value,
        );
      await click(radio('cancelled'));
      await click(byText(container, 'button', 'Close callback'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'refused');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.conflict/state'],
      );
      await click(radio('failed'));
      await click(byText(container, 'button', 'Close callback'));
      await waitForUi(() => world.hub.interaction(cid)?.state === 'failed', 'closed as failed on the server');
      await waitForUi(() => container.querySelector('.helpline-callback') === null, 'gone from the list');
    });

    it('hands a callback back to the server for a new time, refusing a time in the past', async () => {
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <CallbackWorklist />
        </HelplineProvider>,
      );
      const cid = await acceptCallback(container);
      await click(byText(container, 'button', 'Reschedule'));
      const when = byLabel<HTMLInputElement>(container, 'New time');
      assert.match(when.min, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'no earlier than now');

      await typeText(when, '2020-01-01T09:00');
      await click(byText(container, 'button', 'Save'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'refused');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages.rescheduleInvalid,
      );
      assert.strictEqual(when.getAttribute('aria-invalid'), 'true');
      assert.strictEqual(world.hub.interaction(cid)?.state, 'dialing', 'nothing sent');

      // Tomorrow at 10:00 local time.
      const tomorrow = new Date();
      tomorrow.setDate(tomorrow.getDate() + 1);
      tomorrow.setHours(10, 0, 0, 0);
      const pad = (n: number) => String(n).padStart(2, '0');
      await typeText(
        when,
        `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T10:00`,
      );
      assert.isNull(when.getAttribute('aria-invalid'), 'editing clears the error');
      assert.isNull(container.querySelector('[role="alert"]'));
      await click(byText(container, 'button', 'Save'));
      await waitForUi(() => world.hub.interaction(cid)?.state === 'scheduled', 'scheduled on the server');
      const plan = world.hub.interaction(cid)?.callback;
      assert.strictEqual(plan?.slot?.start, tomorrow.getTime());
      assert.strictEqual(plan?.attempts, 0, 'the dial that was never made is given back');
      assert.isUndefined(world.hub.interaction(cid)?.agentId);
      await waitForUi(
        () => container.querySelector('.helpline-callback') === null,
        "out of the agent's hands",
      );
    });
  });

  describe('CustomerCard', () => {
    it('shows identity, host-site attributes as text and the history with dispositions', async () => {
      const first = await acceptChat(agent, visitor, {
        queueId: 'support',
        prechat: { name: 'Ada', email: 'ada@example.com' },
      });
      await act(async () => {
        await agent.end(first);
        await agent.wrapUp(first, { disposition: 'follow-up' });
      });
      const second = await acceptChat(agent, visitor, {
        queueId: 'sales',
        topic: 'pricing',
        prechat: { name: 'Ada', email: 'ada@example.com' },
      });
      const customer = agent.$interactions.get()[second]?.customer;
      const crm: WireInteraction = {
        ...(agent.$interactions.get()[second] as WireInteraction),
        id: 'c-crm-1',
        channel: 'voice',
        state: 'ended',
        queueId: 'support',
        disposition: 'resolved',
        customer: { ...(customer as WireInteraction['customer']), attributes: { plan: '<b>Gold</b>' } },
        timestamps: { createdAt: Date.UTC(2025, 11, 1) },
      };
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES} topics={{ pricing: 'Prices and plans' }}>
          <CustomerCard customerId={customer?.id} history={[crm]} />
        </HelplineProvider>,
      );
      await waitForUi(() => container.querySelectorAll('.helpline-contact').length === 3, 'three contacts');
      assert.strictEqual(container.querySelector('h2')?.textContent, 'Ada');
      assert.include(container.textContent, consoleMessages.customerUnverified);
      assert.include(container.textContent, 'ada@example.com');
      const contacts = [...container.querySelectorAll<HTMLElement>('.helpline-contact')];
      assert.deepEqual(
        contacts.map((c) => c.dataset.status),
        ['open', 'unresolved', 'resolved'],
      );
      // Words only: the queue's name and the topic's label, the open contact's state as the inbox says it.
      assert.include(contacts[0]?.textContent, 'Chat');
      assert.include(contacts[0]?.textContent, ' · Sales · Prices and plans · Active');
      assert.notInclude(contacts[0]?.textContent, 'pricing');
      assert.include(contacts[1]?.textContent, ' · Support · ');
      assert.include(contacts[1]?.textContent, 'Needs follow-up');
      assert.include(contacts[2]?.textContent, 'Call');
      assert.include(contacts[2]?.textContent, 'Resolved');
      assert.isNull(container.querySelector('b'), 'attributes are text');
    });

    it('shows the host-site attributes of the customer as text', async () => {
      const crm = {
        id: 'c-crm-2',
        channel: 'chat',
        state: 'ended',
        queueId: 'support',
        customer: {
          id: 'v9',
          name: 'Cleo',
          identified: true,
          attributes: { plan: '<img src=x onerror=alert(1)>', order: '42' },
        },
        participants: [],
        priority: 0,
        requiredSkills: [],
        prechat: {},
        timestamps: { createdAt: Date.UTC(2025, 11, 1) },
      } satisfies WireInteraction;
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <CustomerCard customerId="v9" history={[crm]} />
        </HelplineProvider>,
      );
      await settle();
      assert.strictEqual(container.querySelector('h2')?.textContent, 'Cleo');
      assert.include(container.textContent, consoleMessages.customerVerified);
      const attributes = [...container.querySelectorAll('.helpline-customer__field')].map(
        (f) => f.textContent,
      );
      assert.includeMembers(attributes, ['plan<img src=x onerror=alert(1)>', 'order42']);
      assert.isNull(container.querySelector('img'));
    });
  });

  describe('WrapUpForm', () => {
    it('will not finish without the required disposition, then finishes with it', async () => {
      const cid = await acceptChat(agent, visitor);
      let done = 0;
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <WrapUpForm id={cid} onDone={() => done++} />
        </HelplineProvider>,
      );
      assert.strictEqual(container.innerHTML, '', 'nothing while active');
      await act(() => agent.end(cid));
      await waitForUi(() => container.querySelector('form') !== null, 'form');
      const select = byLabel<HTMLSelectElement>(container, 'Disposition');
      assert.include(container.querySelector('label')?.textContent, '(required)');
      assert.strictEqual(select.getAttribute('aria-required'), 'true');
      await typeText(byLabel(container, 'Notes'), 'Customer asked about delivery');

      await click(byText(container, 'button', 'Finish wrap-up'));
      const error = container.querySelector('.helpline-field-error');
      assert.strictEqual(error?.textContent, consoleMessages.dispositionRequired);
      assert.strictEqual(select.getAttribute('aria-invalid'), 'true');
      assert.strictEqual(select.getAttribute('aria-describedby'), error?.id);
      assert.strictEqual(document.activeElement, select);
      await settle();
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'wrap-up', 'not finished');
      assert.strictEqual(
        byLabel<HTMLTextAreaElement>(container, 'Notes').value,
        'Customer asked about delivery',
      );

      await choose(select, 'resolved');
      assert.isNull(container.querySelector('.helpline-field-error'));
      await click(byText(container, 'button', 'Finish wrap-up'));
      await waitForUi(() => done === 1, 'done');
      const ended = world.hub.interaction(cid);
      assert.strictEqual(ended?.state, 'ended');
      assert.strictEqual(ended?.disposition, 'resolved');
      assert.strictEqual(ended?.notes, 'Customer asked about delivery');
      await waitForUi(() => container.querySelector('form') === null, 'form gone');
    });

    it('shows the server refusing a wrap-up without disposition, keeping what was typed', async () => {
      const cid = await acceptChat(agent, visitor);
      // The console was told the queue does not require one, but the server knows better.
      const stale: Queue[] = [{ ...supportQueue, dispositionRequired: false }];
      const { container } = mount(
        <HelplineProvider agent={agent} queues={stale}>
          <WrapUpForm id={cid} />
        </HelplineProvider>,
      );
      await act(() => agent.end(cid));
      await waitForUi(() => container.querySelector('form') !== null, 'form');
      await typeText(byLabel(container, 'Notes'), 'keep me');
      await click(byText(container, 'button', 'Finish wrap-up'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'refused');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.wrapup/disposition-required'],
      );
      assert.strictEqual(byLabel<HTMLTextAreaElement>(container, 'Notes').value, 'keep me');
      assert.strictEqual(world.hub.interaction(cid)?.state, 'wrap-up');
    });

    it('counts down a timed wrap-up and finishes it when the time is up', async () => {
      const clock = createClock();
      const cid = await acceptChat(agent, visitor, { queueId: 'billing', prechat: { name: 'Ada' } });
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES} clock={clock}>
          <WrapUpForm id={cid} />
        </HelplineProvider>,
      );
      await act(() => agent.end(cid));
      await waitForUi(() => agent.$interactions.get()[cid]?.timestamps.endedAt !== undefined, 'ended at');
      const endedAt = agent.$interactions.get()[cid]?.timestamps.endedAt ?? 0;
      act(() => clock.set(endedAt + 5_000));
      await waitForUi(() => container.querySelector('.helpline-wrapup__timer') !== null, 'timer');
      assert.strictEqual(
        container.querySelector('.helpline-wrapup__timer')?.textContent,
        'Wrap-up ends in 0:25',
      );
      assert.notInclude(container.querySelector('label')?.textContent, '(required)');
      await choose(byLabel(container, 'Disposition'), 'paid');
      act(() => clock.set(endedAt + 25_000));
      assert.strictEqual(
        container.querySelector('.helpline-wrapup__timer')?.getAttribute('data-urgent'),
        'true',
      );
      act(() => clock.set(endedAt + 30_000));
      await waitForUi(() => world.hub.interaction(cid)?.state === 'ended', 'finished by the timer');
      assert.strictEqual(world.hub.interaction(cid)?.disposition, 'paid');
    });
  });

  describe('TransferForm', () => {
    it('transfers to a queue with a note for the next agent', async () => {
      const cid = await acceptChat(agent, visitor);
      let done = 0;
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <TransferForm id={cid} onDone={() => done++} />
        </HelplineProvider>,
      );
      const target = byLabel<HTMLSelectElement>(container, 'Queue');
      assert.notInclude(
        [...target.options].map((o) => o.value),
        'support',
        'not the queue it is in',
      );
      await click(byText(container, 'button', 'Transfer'));
      assert.strictEqual(
        container.querySelector('.helpline-field-error')?.textContent,
        consoleMessages.transferPickRequired,
      );
      await choose(target, 'sales');
      await typeText(byLabel(container, 'Note for the receiving agent'), 'Wants a discount');
      await click(byText(container, 'button', 'Transfer'));
      await waitForUi(() => done === 1, 'transferred');
      assert.strictEqual(world.hub.interaction(cid)?.queueId, 'sales');
      await waitForUi(() => agent.$interactions.get()[cid] === undefined, 'no longer ours');
    });

    it('lists colleagues by presence; an agent gone offline meanwhile is refused and nothing is lost', async () => {
      const cid = await acceptChat(agent, visitor);
      const colleagues = [
        { id: 'alice', name: 'Alice', presence: 'available' as const },
        { id: 'bob', name: 'Bob', presence: 'available' as const },
        { id: 'carol', name: 'Carol', presence: 'offline' as const },
      ];
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <TransferForm id={cid} agents={colleagues} />
          <TransferResults agentNames={{ bob: 'Bob' }} />
        </HelplineProvider>,
      );
      await waitForUi(() => agent.connection.$subject.get() !== undefined, 'welcome');
      const toAgent = [...container.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find(
        (r) => r.value === 'agent',
      );
      await click(toAgent);
      const target = byLabel<HTMLSelectElement>(container, 'Agent');
      assert.deepEqual(
        [...target.options].map((o) => [o.value, o.textContent, o.disabled]),
        [
          ['', 'Choose…', false],
          ['bob', 'Bob', false],
          ['carol', 'Carol (Offline)', true],
        ],
      );
      // The list says Bob is available, but he is offline on the server.
      await choose(target, 'bob');
      await typeText(byLabel(container, 'Note for the receiving agent'), 'VIP, be nice');
      await click(byText(container, 'button', 'Transfer'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'refused');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.agent/unavailable'],
      );
      assert.strictEqual(
        byLabel<HTMLTextAreaElement>(container, 'Note for the receiving agent').value,
        'VIP, be nice',
      );
      assert.strictEqual(target.value, 'bob');
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active', 'still ours');
      assert.strictEqual(world.hub.interaction(cid)?.agentId, 'alice');
      assert.deepEqual(agent.$conversations.get()[cid]?.notes, []);

      // Once Bob is really available, the same form goes through.
      const bob = world.agent('bob', 'Bob');
      await act(() => bob.setPresence('available'));
      await click(byText(container, 'button', 'Transfer'));
      await waitForUi(() => world.hub.interaction(cid)?.agentId !== 'alice', 'moved');

      // Bob declines: Alice's console says so, politely, until she dismisses it.
      await waitForUi(() => bob.$offers.get()[cid] !== undefined, 'offered to bob');
      await act(() => bob.reject(cid));
      const status = container.querySelector('.helpline-transfer-results');
      await waitForUi(() => (status?.textContent ?? '').includes('Bob declined'), 'told');
      assert.strictEqual(status?.getAttribute('role'), 'status');
      assert.include(status?.textContent, consoleMessages.transferDeclined.replace('{agent}', 'Bob'));
      await click(byText(container, 'button', 'Dismiss'));
      await waitForUi(() => (status?.textContent ?? '') === '', 'dismissed');
    });
  });

  describe('EscalateForm', () => {
    it('moves the interaction to the supervisors queue with the reason', async () => {
      const cid = await acceptChat(agent, visitor);
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <EscalateForm id={cid} queueId="supervisors" />
        </HelplineProvider>,
      );
      const toggle = byText<HTMLButtonElement>(container, 'button', 'Escalate to a supervisor');
      assert.strictEqual(toggle.getAttribute('aria-expanded'), 'false');
      await click(toggle);
      await typeText(byLabel(container, 'Why are you escalating?'), 'Threatens legal action');
      await click(byText(container, 'button', /^Escalate$/));
      await waitForUi(() => world.hub.interaction(cid)?.queueId === 'supervisors', 'escalated');
      await waitForUi(() => container.querySelector('form') === null, 'closed');
    });
  });

  describe('keyboard shortcuts', () => {
    it('match by physical key and exact modifiers', () => {
      const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', init);
      assert.isTrue(matchesShortcut(key({ code: 'KeyA', key: 'å', altKey: true }), 'Alt+A'));
      assert.isFalse(matchesShortcut(key({ code: 'KeyA', key: 'a' }), 'Alt+A'));
      assert.isFalse(matchesShortcut(key({ code: 'KeyA', key: 'a', altKey: true, shiftKey: true }), 'Alt+A'));
      assert.isTrue(matchesShortcut(key({ code: 'Digit1', key: '1', ctrlKey: true }), 'Control+1'));
      assert.isTrue(matchesShortcut(key({ code: 'Escape', key: 'Escape' }), 'Escape'));
      assert.isTrue(
        matchesShortcut(key({ code: 'KeyN', key: 'N', altKey: true, shiftKey: true }), 'Alt+Shift+N'),
      );
    });

    it('run their handlers anywhere in the document, and list themselves', async () => {
      const log: string[] = [];
      const { container } = mount(
        <>
          <ShortcutProbe log={log} />
          <input aria-label="somewhere" />
          <ShortcutsHelp />
        </>,
      );
      const input = container.querySelector('input') as HTMLInputElement;
      input.focus();
      await press({ code: 'KeyA', key: 'a', altKey: true });
      await press({ code: 'KeyN', key: 'n', altKey: true }, document.body);
      await press({ code: 'KeyM', key: 'm', altKey: true });
      await press({ code: 'KeyA', key: 'a' });
      assert.deepEqual(log, ['accept', 'next']);
      const items = [...container.querySelectorAll('.helpline-shortcuts__item')].map(
        (item) => item.textContent,
      );
      assert.deepEqual(items, [
        'Alt+AAccept the oldest offer',
        'Alt+HHang up',
        'Alt+MMute or unmute',
        'Alt+NNext interaction',
      ]);
      const custom = renderHook(() => null);
      custom.mounted.render(<ShortcutsHelp keymap={{ ...DEFAULT_KEYMAP, next: 'Alt+J' }} />);
      assert.include(custom.mounted.container.textContent, 'Alt+JNext interaction');
    });
  });
});
