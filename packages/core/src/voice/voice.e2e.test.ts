// End-to-end voice: two Chromium pages (a visitor and an agent) talk through the real hub over WebSockets, with
// fake microphones, media peer-to-peer on 127.0.0.1. WebRTC only gathers loopback candidates in a network
// namespace that has nothing but `lo` (see docs/voice.md, "Testing"), so this file re-runs itself under
// `unshare -n`; the tests run in that child, whose results node:test reads as this file's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { CallSummary } from './e2e/harness.page';
import { inLoopbackNamespace } from './e2e/namespace';
import { startVoiceServer, type VoiceServer } from './e2e/server';

const NAMESPACE = 'HELPLINE_VOICE_E2E_NETNS';
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Sound needs a user gesture, as on a real desktop: the agent's ringtone must detect that it is blocked.
  '--autoplay-policy=document-user-activation-required',
];
/** Without it the microphone prompt is left unanswered, which headless Chromium reports as a denial. */
const FAKE_UI = '--use-fake-ui-for-media-stream';
/** Shorter than the 20 s default so the clean-end scenario stays quick; re-attaching takes ~2 s. */
const REATTACH_MS = 10_000;

inLoopbackNamespace(fileURLToPath(import.meta.url), NAMESPACE, scenarios);

function scenarios(): void {
  let server: VoiceServer;
  let browser: Browser;
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  const pageErrors: string[] = [];

  /** What each page last logged: whether it is ready, and its call (see e2e/harness.page.ts). */
  const logged = new Map<Page, { ready: boolean; view: CallSummary | null }>();

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    const state = { ready: false, view: null as CallSummary | null };
    logged.set(page, state);
    page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
    page.on('console', (message) => {
      const match = /^voice-test(-ready)? (.*)$/s.exec(message.text());
      if (!match) return;
      state.view = JSON.parse(match[2] ?? 'null') as CallSummary | null;
      if (match[1]) state.ready = true;
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) state.ready = false;
    });
    await page.goto(`${server.origin}${path}`);
    await ready(page);
    return page;
  }

  const ready = (page: Page) =>
    eventually(async () => logged.get(page)?.ready === true, `${page.url()} ready`, 15_000);
  const view = (page: Page) => logged.get(page)?.view ?? null;
  const bytes = (page: Page) => page.evaluate(() => window.voiceTest?.bytes() ?? null);

  /**
   * Waits until the page's call matches `expected` in every given field. It follows what the page logs rather than
   * evaluating script in it: Chromium counts an evaluation as a user gesture, which would lift the autoplay block.
   */
  async function until(page: Page, expected: Partial<CallSummary>, timeout = 15_000): Promise<CallSummary> {
    const matches = () => {
      const current = view(page) as Record<string, unknown> | null;
      return current !== null && Object.entries(expected).every(([key, value]) => current[key] === value);
    };
    try {
      await eventually(async () => matches(), JSON.stringify(expected), timeout);
    } catch (error) {
      throw new Error(
        `${page.url()}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(view(page))}`,
        {
          cause: error,
        },
      );
    }
    const current = view(page);
    assert.ok(current);
    return current;
  }

  /** Resolves once `check` holds (polled every 50 ms), or fails after `timeout`. */
  async function eventually(
    check: () => Promise<boolean>,
    what: string,
    timeout = 10_000,
    detail?: () => Promise<string>,
  ): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!(await check())) {
      if (Date.now() > deadline) {
        throw new Error(`${what} did not happen within ${timeout} ms${detail ? `: ${await detail()}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Audio leaves `from` and reaches `to`: both counters grow by a few packets' worth. */
  async function audioFlows(from: Page, to: Page, what: string): Promise<void> {
    const [sent, received] = [await bytes(from), await bytes(to)];
    await eventually(async () => {
      const [nowSent, nowReceived] = [await bytes(from), await bytes(to)];
      return (
        nowSent !== null &&
        nowReceived !== null &&
        nowSent.sent > (sent?.sent ?? 0) + 1500 &&
        nowReceived.received > (received?.received ?? 0) + 1500
      );
    }, `audio flowing ${what}`);
  }

  /** Bytes and packets `page` sends over one second (a rate needs a window; this one is the measurement). */
  async function sendRate(page: Page): Promise<{ bytes: number; packets: number }> {
    const start = await bytes(page);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const end = await bytes(page);
    assert.ok(start && end);
    return { bytes: end.sent - start.sent, packets: end.packetsSent - start.packetsSent };
  }

  const act = (page: Page, action: Parameters<NonNullable<Window['voiceTest']>['act']>[0]) =>
    page.evaluate((name) => window.voiceTest?.act(name) ?? 'no page', action);

  async function placeCall(): Promise<void> {
    await visitor.click('#call');
    await until(visitor, { state: 'ringing' });
    await until(agent, { ringing: true, canAnswer: true });
    await agent.click('#answer');
    await until(visitor, { state: 'active', media: 'ok' });
    await until(agent, { state: 'active', media: 'ok' });
  }

  async function wrapUp(): Promise<void> {
    const handled = server.hub.interactions().filter((i) => i.agentId === 'alice' && i.state === 'wrap-up');
    for (const interaction of handled) {
      await server.hub.execute({ id: 'alice', role: 'agent', name: 'Alice' }, 'wrapup.submit', {
        cid: interaction.id,
      });
    }
  }

  /**
   * Shapes every UDP packet on `lo` (the media path; the WebSocket is TCP and is not touched) into a class of its
   * own: `8bit` with no queue drops everything, a narrow rate with a short queue drops most of the audio.
   */
  function shapeMedia(rate: string, queue: number): void {
    const tc = (args: string) => execFileSync('tc', args.split(' '));
    tc('qdisc add dev lo root handle 1: htb default 10 r2q 100000');
    tc('class add dev lo parent 1: classid 1:10 htb rate 100gbit');
    tc(`class add dev lo parent 1: classid 1:99 htb rate ${rate} ceil ${rate}`);
    tc(`qdisc add dev lo parent 1:99 handle 99: pfifo limit ${queue}`);
    tc('filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff flowid 1:99');
  }

  function unshapeMedia(): void {
    execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
  }

  describe('voice end-to-end: visitor and agent in Chromium through the hub', { timeout: 170_000 }, () => {
    before(async () => {
      server = await startVoiceServer({ reattachMs: REATTACH_MS });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, FAKE_UI] });
      visitorContext = await browser.newContext();
      agentContext = await browser.newContext();
      agent = await open(agentContext, '/agent');
      visitor = await open(visitorContext, '/visitor');
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('runs with nothing but loopback', () => {
      assert.deepEqual(Object.keys(networkInterfaces()), ['lo']);
    });

    it('the visitor calls, the agent answers, and audio flows both ways', async () => {
      await visitor.click('#call');
      const ringing = await until(visitor, { state: 'ringing' });
      assert.equal(ringing.canAnswer, false, 'the caller hears ringback, it does not answer');
      // The agent has not touched the page yet: the ringtone is blocked, and the page knows it.
      await until(agent, { ringing: true, canAnswer: true, audioBlocked: true });
      await agent.click('#unblock');
      await until(agent, { ringing: true, audioBlocked: false });
      await agent.click('#answer');
      await until(visitor, { state: 'active', media: 'ok' });
      await until(agent, { state: 'active', media: 'ok', ringing: false });
      await audioFlows(visitor, agent, 'visitor → agent');
      await audioFlows(agent, visitor, 'agent → visitor');
    });

    it('mute stops the outbound audio; unmute brings it back', async () => {
      const speaking = await sendRate(visitor);
      assert.equal(await act(visitor, 'mute'), null);
      await until(visitor, { muted: true });
      // Let the encoder notice the silence, then measure: Opus DTX sends a few comfort-noise packets only.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const muted = await sendRate(visitor);
      assert.ok(muted.bytes < speaking.bytes * 0.15, `muted ${muted.bytes} B/s vs ${speaking.bytes} B/s`);
      assert.ok(
        muted.packets < speaking.packets * 0.3,
        `muted ${muted.packets} vs ${speaking.packets} packets/s`,
      );
      assert.equal(await act(visitor, 'unmute'), null);
      await eventually(
        async () => (await sendRate(visitor)).bytes > speaking.bytes * 0.5,
        'audio back after unmute',
      );
    });

    it('hold shows on both sides, and only the side that held resumes', async () => {
      assert.equal(await act(agent, 'hold'), null);
      await until(agent, { state: 'held', heldBy: 'agent' });
      await until(visitor, { state: 'held', heldBy: 'agent' });
      assert.equal(await act(visitor, 'resume'), 'conflict/state');
      assert.equal(await act(agent, 'resume'), null);
      await until(visitor, { state: 'active', heldBy: null });
      await audioFlows(agent, visitor, 'after the hold');
    });

    it('DTMF digits are played on the audio path and shown to the other side', async () => {
      assert.equal(await visitor.evaluate(() => window.voiceTest?.sendDigits('12#')), null);
      await until(agent, { digits: '12#' });
      await eventually(
        async () => (await visitor.evaluate(() => window.voiceTest?.tones().join(''))) === '12#',
        'tones played by RTCDTMFSender',
      );
    });

    it('a new microphone, picked or after an unplug, carries audio (no one-way audio)', async () => {
      const inputs = await visitor.evaluate(() => window.voiceTest?.inputs() ?? []);
      assert.ok(inputs.length >= 2, `fake microphones: ${inputs.join(', ')}`);
      const other = inputs.find((id) => id !== 'default') ?? inputs[1] ?? '';
      assert.equal(await visitor.evaluate((id) => window.voiceTest?.selectInput(id), other), null);
      await eventually(
        async () => (await visitor.evaluate(() => window.voiceTest?.swaps().length)) === 1,
        'swap',
      );
      await visitor.evaluate(() => window.voiceTest?.unplug());
      await eventually(
        async () => (await visitor.evaluate(() => window.voiceTest?.swaps().length)) === 2,
        'hot-swap',
      );
      const swaps = await visitor.evaluate(() => window.voiceTest?.swaps());
      assert.deepEqual(
        swaps?.map((swap) => swap.flowing),
        [true, true],
      );
      await audioFlows(visitor, agent, 'after the swaps');
    });

    it('survives a 10 s signaling outage: the call goes on over its own media path', async () => {
      server.cut('visitor-v1', 10_000);
      await eventually(
        async () => (await visitor.evaluate(() => window.voiceTest?.connection())) === 'reconnecting',
        'the visitor loses its socket',
      );
      const outageEnds = Date.now() + 10_000;
      await audioFlows(visitor, agent, 'during the outage');
      await audioFlows(agent, visitor, 'during the outage');
      assert.equal(view(agent)?.state, 'active');
      // The window is the outage under test; then the page probes as an `online` event would make it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
      await visitor.evaluate(() => window.voiceTest?.probe());
      await eventually(
        async () => (await visitor.evaluate(() => window.voiceTest?.connection())) === 'caught-up',
        'the visitor is back',
        15_000,
      );
      await until(visitor, { state: 'active', media: 'ok' });
      await audioFlows(visitor, agent, 'after the outage');
    });

    it('a blocked media path shows reconnecting on both sides and recovers with ICE restarts', async () => {
      const ufrag = () => agent.evaluate(() => window.voiceTest?.iceUfrag() ?? null);
      const before = await ufrag();
      assert.ok(before);
      const restarts = () => agent.evaluate(() => window.voiceTest?.restarts() ?? 0);
      const restartsBefore = await restarts();
      shapeMedia('8bit', 0);
      try {
        await until(visitor, { media: 'reconnecting' });
        await until(agent, { media: 'reconnecting' });
        // The agent's side offers: it restarts ICE (with back-off) while the path stays down.
        await eventually(async () => (await restarts()) > restartsBefore, 'an ICE restart');
      } finally {
        unshapeMedia();
      }
      await until(visitor, { state: 'active', media: 'ok' });
      await until(agent, { state: 'active', media: 'ok' });
      await audioFlows(visitor, agent, 'after the media path is back');
      await audioFlows(agent, visitor, 'after the media path is back');
      const after = await ufrag();
      assert.ok(after && after !== before, `ICE restarted: ${before} → ${after}`);
    });

    it('a lossy media path raises quality warnings, and they clear when it recovers', async () => {
      const warnings = () => visitor.evaluate(() => window.voiceTest?.warnings().join(' ') ?? '');
      // The last readings say why a warning never came; 20 s, not 10: the test file beside this one loads the CPU.
      const readings = () => visitor.evaluate(() => JSON.stringify(window.voiceTest?.qualities()));
      shapeMedia('24kbit', 2);
      try {
        await eventually(
          async () => (await warnings()).includes('+loss'),
          'a loss warning',
          20_000,
          readings,
        );
      } finally {
        unshapeMedia();
      }
      await eventually(
        async () => (await warnings()).includes('-loss'),
        'the loss warning cleared',
        20_000,
        readings,
      );
      await until(visitor, { state: 'active', media: 'ok' });
      await audioFlows(visitor, agent, 'after the lossy spell');
    });

    for (const side of ['visitor', 'agent'] as const) {
      it(`the ${side} reloads mid-call and is back in the call within 20 s`, async () => {
        const page = side === 'visitor' ? visitor : agent;
        const started = Date.now();
        await page.reload();
        await ready(page);
        await until(page, { state: 'active', media: 'ok' }, 20_000);
        await until(side === 'visitor' ? agent : visitor, { state: 'active', media: 'ok' }, 20_000);
        await audioFlows(visitor, agent, `after the ${side} reloaded`);
        await audioFlows(agent, visitor, `after the ${side} reloaded`);
        assert.ok(Date.now() - started < 20_000);
      });
    }

    it('the agent hangs up: both sides see it ended by the agent', async () => {
      assert.equal(await act(agent, 'hangUp'), null);
      await until(visitor, { state: 'ended', endedBy: 'agent', endReason: 'completed' });
      await until(agent, { state: 'ended', endedBy: 'agent' });
      await wrapUp();
    });

    it('the visitor hangs up a second call: both sides see it ended by the visitor', async () => {
      await placeCall();
      assert.equal(await act(visitor, 'hangUp'), null);
      await until(agent, { state: 'ended', endedBy: 'visitor', endReason: 'completed' });
      await until(visitor, { state: 'ended', endedBy: 'visitor' });
      await wrapUp();
    });

    it('a page that never comes back: the hub ends the call cleanly on both sides', async () => {
      await placeCall();
      const { cid } = view(agent) ?? { cid: '' };
      await visitor.close();
      // The agent's media goes quiet (~5 s), the hub waits REATTACH_MS, then ends the call.
      await until(agent, { state: 'ended', endedBy: 'system', endReason: 'failed' }, 10_000 + REATTACH_MS);
      const interaction = server.hub.interaction(cid);
      assert.deepEqual([interaction?.state, interaction?.endReason], ['wrap-up', 'failed']);
      await wrapUp();
    });

    it('denied microphone permission: a typed error, and no call on the server', async () => {
      const strict = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        const page = await open(await strict.newContext(), '/visitor?id=denied');
        await page.click('#call');
        await page.waitForFunction(() => document.getElementById('error')?.textContent !== '', undefined, {
          timeout: 10_000,
        });
        assert.equal(await page.textContent('#error'), 'voice/permission-denied');
        assert.deepEqual(
          server.hub.interactions().filter((i) => i.customer.id === 'denied'),
          [],
        );
      } finally {
        await strict.close();
      }
    });

    it('no page threw', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
