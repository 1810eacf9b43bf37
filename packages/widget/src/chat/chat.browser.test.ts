/// <reference types="mocha" />
import { createVisitorSession } from '@helpline/core/session';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import type { HelplineMessageEvent } from '../events';
import { createWidgetWorld, submit, type WidgetWorld } from '../testing/widget-world';

const worlds: WidgetWorld[] = [];
async function world(...args: Parameters<typeof createWidgetWorld>): Promise<WidgetWorld> {
  const created = await createWidgetWorld(...args);
  worlds.push(created);
  return created;
}

afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});

/** Starts a chat from the start screen through the pre-chat form, and has the agent accept it. */
async function startChat(w: WidgetWorld, name = 'Ada'): Promise<string> {
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
  w.$<HTMLInputElement>('#field-name').value = name;
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  await waitFor(() => w.has('form[part~="composer"]'), 'composer');
  const cid = w.widget.shadowRoot ? Object.keys(w.agent.$offers.get())[0] : undefined;
  await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'offer reaches the agent');
  const offered = cid ?? Object.keys(w.agent.$offers.get())[0];
  if (!offered) throw new Error('no offer');
  return offered;
}

function send(w: WidgetWorld, text: string): void {
  const input = w.$<HTMLTextAreaElement>('#message');
  input.value = text;
  submit(w.$<HTMLFormElement>('form[part~="composer"]'));
}

describe('chat in the widget', () => {
  it('runs a whole chat: pre-chat, queue, agent, messages both ways, typing, read, end, CSAT, transcript', async () => {
    const w = await world();
    const cid = await startChat(w);
    await w.waitForText('You are number 1 in line.');

    send(w, 'Hello, *anyone* there?');
    await w.agent.accept(cid);
    await w.waitForText('You are chatting with Alice.');
    await waitFor(
      () => w.agent.$conversations.get()[cid]?.messages.length === 1,
      'message reaches the agent',
    );

    await w.agent.setTyping(cid, true);
    await w.waitForText('Alice is typing…');
    await w.agent.sendMessage(cid, 'Hi Ada! See **https://shop.example/orders/42**');
    await waitFor(
      () => w.panel().querySelectorAll('[part~="message-agent"]').length === 1,
      'agent reply shown',
    );
    const reply = w.$('[part~="message-agent"] [part~="text"]');
    assert.strictEqual(
      reply.querySelector('strong a')?.getAttribute('href'),
      'https://shop.example/orders/42',
    );
    assert.strictEqual(reply.querySelector('a')?.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.include(w.$('[part~="message-visitor"] [part~="text"] em').textContent, 'anyone');

    await w.agent.markRead(cid);
    await waitFor(
      () => (w.$('[part~="message-visitor"] [part~="meta"]').textContent ?? '').includes('Read'),
      'read',
    );

    await w.agent.end(cid);
    await waitFor(() => w.has('form[part~="csat"]'), 'CSAT after the end');
    assert.include(w.panel().textContent, 'The chat has ended.');
    const four = w.$<HTMLInputElement>('input[name="score"][aria-label="4 out of 5"]');
    four.click();
    w.$<HTMLTextAreaElement>('#comment').value = 'Quick';
    await waitFor(() => !w.$<HTMLButtonElement>('form[part~="csat"] button').disabled, 'submit enabled');
    submit(w.$<HTMLFormElement>('form[part~="csat"]'));
    await w.waitForText('Thank you for your feedback!');
    assert.strictEqual(w.hub.interaction(cid)?.csat?.score, 4);

    // The transcript is a text/plain Blob built from toPlainText.
    const downloads: { name: string; text: Promise<string> }[] = [];
    const original = URL.createObjectURL;
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      if (blob instanceof Blob) downloads.push({ name: blob.type, text: blob.text() });
      return original.call(URL, blob);
    };
    const clicks: string[] = [];
    const record = (event: Event) => {
      const link = event.target;
      if (link instanceof HTMLAnchorElement) {
        clicks.push(link.download);
        event.preventDefault();
      }
    };
    document.addEventListener('click', record, true);
    try {
      w.$<HTMLButtonElement>('[part~="transcript"]').click();
    } finally {
      URL.createObjectURL = original;
      document.removeEventListener('click', record, true);
    }
    assert.deepEqual(clicks, ['Chat transcript.txt']);
    assert.strictEqual(downloads[0]?.name, 'text/plain;charset=utf-8');
    const transcript = (await downloads[0]?.text) ?? '';
    assert.match(transcript, /You: Hello, anyone there\?/);
    assert.match(transcript, /Alice: Hi Ada! See https:\/\/shop\.example\/orders\/42/);

    w.$<HTMLButtonElement>('[part~="new-chat"]').click();
    await waitFor(() => w.has('[part~="start-chat"]'), 'back to the start screen');
  });

  it('keeps the log at the newest message while the visitor reads at the end, and still while they scroll back', async () => {
    const w = await world();
    const cid = await startChat(w);
    await w.agent.accept(cid);
    await w.waitForText('You are chatting with Alice.');
    const log = w.$<HTMLElement>('[part~="messages"]');
    const count = () => log.querySelectorAll('[part~="message"]').length;
    const lastShown = () => {
      const last = [...log.querySelectorAll('[part~="message"]')].at(-1)?.getBoundingClientRect();
      const box = log.getBoundingClientRect();
      return last !== undefined && last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
    };
    /** Scrolls the log as the visitor would (the event at once, not on the next frame). */
    const scrollLog = (top: number) => {
      log.scrollTop = top;
      log.dispatchEvent(new Event('scroll'));
    };
    for (let n = 1; n <= 20; n += 1) await w.agent.sendMessage(cid, `Line ${n} of a long answer`);
    await waitFor(() => count() === 20, '20 messages');
    assert.isAbove(log.scrollHeight, log.clientHeight, 'the log overflows');
    await waitFor(lastShown, 'the newest message in view');

    // Scrolled back to read: the next message does not pull the log away.
    scrollLog(0);
    await w.agent.sendMessage(cid, 'Line 21');
    await waitFor(() => count() === 21, '21 messages');
    assert.strictEqual(log.scrollTop, 0);

    // Back at the end: the next one scrolls into view again.
    scrollLog(log.scrollHeight);
    await w.agent.sendMessage(cid, 'Line 22');
    await waitFor(() => count() === 22, '22 messages');
    await waitFor(lastShown, 'the newest message in view again');

    // Scrolled back, the visitor writes: their own message is brought into view.
    scrollLog(0);
    send(w, 'Thanks, reading it now');
    await waitFor(() => count() === 23, 'their own message');
    await waitFor(lastShown, 'their own message in view');

    // Closed with the log scrolled back, messages arrive; opened again, the newest shows.
    scrollLog(0);
    w.widget.open = false;
    await w.agent.sendMessage(cid, 'Line 24, while closed');
    await waitFor(() => count() === 24, 'a message while closed');
    await w.open();
    await waitFor(() => lastShown(), 'the newest message in view on opening');
  });

  it('counts unread agent messages on the launcher while closed, fires helpline-message, clears on open', async () => {
    const w = await world();
    const cid = await startChat(w);
    await w.agent.accept(cid);
    const heard: string[] = [];
    w.widget.addEventListener('helpline-message', (event: HelplineMessageEvent) => heard.push(event.text));
    w.launcher().click(); // close
    await waitFor(() => !w.widget.open);
    await w.agent.sendMessage(cid, 'Are you **still** there?');
    await w.agent.sendMessage(cid, 'Hello?');
    const badge = () => w.widget.shadowRoot?.querySelector<HTMLElement>('[part~="badge"]');
    await waitFor(() => badge()?.textContent === '2' && badge()?.hidden === false, 'badge shows 2');
    // The loader ships the badge unstyled; the panel brings its look.
    assert.strictEqual(getComputedStyle(badge() as HTMLElement).position, 'absolute');
    assert.strictEqual(w.launcher().getAttribute('aria-label'), 'Open chat (2 unread messages)');
    assert.deepEqual(heard, ['Are you still there?', 'Hello?']);

    w.launcher().click();
    await waitFor(() => badge()?.hidden === true, 'badge cleared');
    assert.strictEqual(w.launcher().getAttribute('aria-label'), 'Close chat');
  });

  it('asks before ending a chat nobody answered, keeps it on "Keep waiting", and asks no rating after', async () => {
    const w = await world();
    await w.agent.setPresence('away', 'break');
    await w.open();
    w.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
    submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
    await w.waitForText('You are number 1 in line.');
    const cid = w.hub.interactions()[0]?.id ?? '';
    const end = w.$<HTMLButtonElement>('[part~="end-chat"]');
    assert.strictEqual(end.getAttribute('aria-expanded'), 'false');
    assert.strictEqual(end.getAttribute('aria-controls'), 'end-confirm');

    end.click();
    await w.waitForText('No one has answered yet. End the chat anyway?');
    assert.strictEqual(end.getAttribute('aria-expanded'), 'true');
    assert.strictEqual(w.$('#end-confirm').getAttribute('role'), 'status');
    w.$<HTMLButtonElement>('[part~="keep-waiting"]').click();
    await waitFor(() => !w.has('[part~="confirm-end"]'), 'the question goes away');
    assert.strictEqual(w.hub.interaction(cid)?.state, 'queued', 'still waiting in line');

    end.click();
    await waitFor(() => w.has('[part~="confirm-end"]'), 'asked again');
    w.$<HTMLButtonElement>('[part~="confirm-end"]').click();
    await w.waitForText('The chat has ended.');
    assert.strictEqual(w.hub.interaction(cid)?.state, 'ended');
    assert.isFalse(w.has('form[part~="csat"]'), 'nobody to rate');
  });

  it('ends an answered chat at once and asks for a rating', async () => {
    const w = await world();
    const cid = await startChat(w);
    await w.agent.accept(cid);
    await w.waitForText('You are chatting with Alice.');
    const end = w.$<HTMLButtonElement>('[part~="end-chat"]');
    assert.isFalse(end.hasAttribute('aria-expanded'));
    end.click();
    await waitFor(() => w.has('form[part~="csat"]'), 'the rating form');
    assert.notInclude(w.panel().textContent, 'No one has answered yet.');
  });

  it('shows queue position and estimated wait, and a reconnecting banner while the link is down', async () => {
    const w = await world();
    await w.agent.setPresence('away', 'break');
    // Someone else is waiting first; when they leave, the widget's visitor moves up to number 1.
    const other = createVisitorSession({ transport: w.transport, token: 'dev:visitor:v2:Bo' });
    await other.startChat({});
    await w.open();
    w.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => w.has('form[part~="prechat"]'));
    submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
    await w.waitForText('You are number 2 in line.');
    await other.endChat();
    other.close();
    await w.waitForText('You are number 1 in line.');
    assert.strictEqual(w.$('[part~="queue"]').getAttribute('role'), 'status');

    w.transport.setUnreachable(true);
    w.transport.dropAll();
    await w.waitForText('Connection lost. Reconnecting…');
    assert.strictEqual(w.$('[part~="banner"]').getAttribute('role'), 'status');
    w.transport.setUnreachable(false);
    await waitFor(() => !w.has('[part~="banner"]'), 'banner gone after reconnect', 20000);
  });

  it('rejoins the conversation with its history after a reload', async () => {
    const first = await world();
    const cid = await startChat(first);
    await first.agent.accept(cid);
    send(first, 'before the reload');
    await waitFor(() => first.agent.$conversations.get()[cid]?.messages.length === 1);
    // "Reload": the widget goes away, a new one with the same visitor token comes up on the same server.
    first.widget.remove();
    const second = await world({ hub: first.hub });
    await second.open();
    await second.waitForText('before the reload');
    assert.isTrue(second.has('form[part~="composer"]'));
  });
});
