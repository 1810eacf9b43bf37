/// <reference types="mocha" />
import {
  type AgentOffer,
  type AgentSession,
  createAgentSession,
  createLeaderTransport,
  createVisitorSession,
  createWebSocketTransport,
  type LeaderTransport,
  type Ringer,
  type VisitorSession,
  type WebSocketConstructor,
} from '@helpline/core';
import { assert } from 'chai';
import { createRoot } from 'react-dom/client';
import { eventually, type Harness, startHarness } from '../../../core/src/transport/harness.testing';
import { HelplineProvider } from '../context/HelplineContext';
import { adoptStyles, byLabel, byText } from '../testing/harness';
import { AgentConsole } from './AgentConsole';

// The same agent's console open in two tabs of one browser, against a real hub behind a WebSocket server. Each
// "tab" is a same-origin iframe whose WebSocket, Web Locks and BroadcastChannel are the real Chromium objects its
// console session uses (removing the iframe closes its socket, releases its lock and closes its channel, as
// closing a tab does); the console it shows is rendered in this page, next to the other tab's.
//
// Frames arrive over real sockets whenever they come, so React renders as in an app (not inside act()), and the
// test acts as a user does: it clicks and types, and waits until the page shows what it expects.

/** Sets a React-controlled field's value as typing does. */
function fill(element: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  const prototype = Object.getPrototypeOf(element) as object;
  Object.getOwnPropertyDescriptor(prototype, 'value')?.set?.call(element, value);
  element.dispatchEvent(
    new Event(element instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }),
  );
}

interface ConsoleTab {
  readonly name: string;
  readonly transport: LeaderTransport;
  readonly agent: AgentSession;
  /** Where this tab's console is rendered. */
  readonly ui: HTMLElement;
  /** Whether this tab's ringtone plays, and how often it started. */
  readonly sound: { ringing: boolean; starts: number };
  /** Offers this tab showed a desktop notification for. */
  readonly notified: string[];
  /** The tab closes: its page, socket, lock and channel are gone, and its console with them. */
  close(): void;
}

describe('<AgentConsole> in two tabs of one browser', () => {
  let harness: Harness;
  let scope: string;
  const cleanups: (() => void)[] = [];

  let actEnvironment: boolean | undefined;
  before(() => {
    adoptStyles();
    actEnvironment = globalThis.IS_REACT_ACT_ENVIRONMENT;
    globalThis.IS_REACT_ACT_ENVIRONMENT = false;
  });
  after(() => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = actEnvironment;
  });
  beforeEach(async () => {
    harness = await startHarness();
    scope = `console:alice:${Date.now()}:${Math.random()}`;
  });
  afterEach(async () => {
    for (const close of cleanups.splice(0).reverse()) close();
    await harness.stop();
  });

  function tab(name: string): ConsoleTab {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const page = frame.contentWindow as unknown as typeof globalThis;
    const transport = createLeaderTransport({
      transport: createWebSocketTransport({
        url: harness.url,
        site: 'console',
        WebSocketImpl: page.WebSocket as unknown as WebSocketConstructor,
      }),
      scope,
      locks: page.navigator.locks,
      channel: (channel) => new page.BroadcastChannel(channel),
      environment: null,
    });
    const agent = createAgentSession({ transport, token: 'dev:agent:alice:Alice', environment: null });
    const sound = { ringing: false, starts: 0 };
    const ringer: Ringer = {
      async start() {
        sound.ringing = true;
        sound.starts++;
        return true;
      },
      stop() {
        sound.ringing = false;
      },
      unblock: async () => true,
    };
    const notified: string[] = [];
    const notify = (offer: AgentOffer) => {
      notified.push(offer.interaction.id);
      return undefined;
    };
    const ui = document.createElement('div');
    document.body.append(ui);
    const root = createRoot(ui);
    root.render(
      <HelplineProvider agent={agent}>
        <AgentConsole offerAlert={{ ringer, notify }} />
      </HelplineProvider>,
    );
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      frame.remove();
      // The tab's code would be gone with it; here it lives in the test page, so stop it without a word.
      root.unmount();
      ui.remove();
      agent.close();
    };
    cleanups.push(() => {
      close();
      transport.dispose();
    });
    return { name, transport, agent, ui, sound, notified, close };
  }

  function visitor(id: string, name: string): VisitorSession {
    const session = createVisitorSession({
      transport: createWebSocketTransport({ url: harness.url, site: 'shop' }),
      token: `dev:visitor:${id}:${name}`,
      storageKey: false,
      environment: null,
    });
    cleanups.push(() => session.close());
    return session;
  }

  const consoleSockets = async () => (await harness.sockets()).filter((s) => s.url.includes('site=console'));
  const openConsoleSockets = async () => (await consoleSockets()).filter((s) => s.open).length;
  const toasts = (t: ConsoleTab) => t.ui.querySelectorAll('.helpline-offer');
  const messages = (t: ConsoleTab) =>
    [...t.ui.querySelectorAll('.helpline-message')].map((m) => m.textContent ?? '');
  const connected = (t: ConsoleTab) => t.agent.$connection.get().value === 'caught-up';

  async function send(t: ConsoleTab, text: string): Promise<void> {
    const composer = byLabel<HTMLTextAreaElement>(t.ui, 'Message');
    fill(composer, text);
    composer.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
  }

  it('two tabs share one socket, ring once, and either answers; when the leader closes, the other carries on', async () => {
    const a = tab('a');
    await eventually(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab('b');
    await eventually(() => connected(a) && connected(b), 'both consoles connected');
    assert.isTrue(a.transport.shared, 'Web Locks and BroadcastChannel are there');
    assert.isFalse(b.agent.$isLeader.get(), 'b follows');
    assert.equal(await openConsoleSockets(), 1, 'one socket for both tabs');

    // Available, from the follower's status picker: the leader's console shows it too.
    fill(byLabel<HTMLSelectElement>(b.ui, 'Status'), 'available');
    await eventually(() => a.agent.$presence.get().status === 'available', 'a sees alice available');
    assert.equal(byLabel<HTMLSelectElement>(a.ui, 'Status').value, 'available');

    // An offer: a toast in each tab, but one ringtone and one notification in the browser.
    const ada = visitor('v1', 'Ada');
    const cid = await ada.startChat({ prechat: { name: 'Ada' } });
    await eventually(() => toasts(a).length === 1 && toasts(b).length === 1, 'the offer toast in both tabs');
    assert.strictEqual(toasts(b)[0]?.querySelector('h3')?.textContent, 'Chat from Ada');
    assert.isTrue(a.sound.ringing, 'the leader tab rings');
    assert.deepEqual(a.notified, [cid], 'and notifies');
    assert.deepEqual([b.sound.starts, b.notified.length], [0, 0], 'the follower neither rings nor notifies');

    // Accepted in the follower: the toast leaves both tabs, the ringing stops, both show the chat.
    byText(toasts(b)[0] as HTMLElement, 'button', 'Accept').click();
    await eventually(() => toasts(a).length === 0 && toasts(b).length === 0, 'the toast gone from both tabs');
    assert.isFalse(a.sound.ringing, 'the ringing stopped');
    await eventually(
      () => [a, b].every((t) => t.ui.querySelector('.helpline-chat h2')?.textContent === 'Chat with Ada'),
      'both tabs show the chat',
    );
    await ada.sendMessage('Where is my parcel?');
    await send(a, 'Let me look.');
    await eventually(
      () => [a, b].every((t) => messages(t).join('|').includes('Let me look.')),
      'the reply in both tabs',
    );
    await eventually(() => ada.$messages.get().length === 2, 'Ada has the reply');
    assert.equal(await openConsoleSockets(), 1, 'still one socket');
    assert.lengthOf(await consoleSockets(), 1, 'and never a second one');

    // The leader tab closes: b takes the socket over, with the same session.
    a.close();
    await eventually(async () => (await openConsoleSockets()) === 0, 'the browser closed a’s socket');
    await ada.sendMessage('Are you still there?'); // While no tab holds a socket.
    await eventually(() => b.agent.$isLeader.get(), 'b took the lock');
    await eventually(() => connected(b), 'b reconnected', 10_000);
    await eventually(
      () => messages(b).some((m) => m.includes('Are you still there?')),
      'b got what it missed',
    );
    assert.equal(byLabel<HTMLSelectElement>(b.ui, 'Status').value, 'available', 'still available');
    await send(b, 'Still here.');
    await eventually(() => ada.$messages.get().some((m) => m.text === 'Still here.'), 'Ada hears b');
    assert.equal(await openConsoleSockets(), 1, 'one socket again');
    assert.lengthOf(await consoleSockets(), 2, 'a’s, then b’s');

    // The next offer rings in b, now the only tab.
    const bo = visitor('v2', 'Bo');
    await bo.startChat({ prechat: { name: 'Bo' } });
    await eventually(() => toasts(b).length === 1, 'the next offer in b');
    assert.isTrue(b.sound.ringing, 'b rings');
    assert.lengthOf(b.notified, 1);
  });
});
