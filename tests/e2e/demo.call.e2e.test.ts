// End-to-end: a browser call through the demo pages as `npm start` ships them (the shop page with the widget, the
// CRM with the agent console; no test page). The visitor clicks "Call us", the agent accepts in the console, audio
// flows both ways between fake microphones, the console's softphone holds, mutes and sends DTMF, the visitor
// reloads mid-call and is back in it, the agent hangs up and wraps up. WebRTC between two local browsers needs a
// network namespace with nothing but `lo` (docs/voice.md, "Testing"), so this file re-runs itself under
// `unshare -n`, as packages/core/src/voice/voice.e2e.test.ts does. Screenshots go to test-results/e2e/call-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT } from './e2e.testing';

const NAMESPACE = 'HELPLINE_CALL_E2E_NETNS';
const ARGS = [
  ...CHROMIUM_ARGS,
  // A fake microphone (a beep) and camera, allowed without a prompt; WebRTC on 127.0.0.1.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Sound needs a user gesture, as on a real desktop.
  '--autoplay-policy=document-user-activation-required',
];
const shots = SHOTS;

if (process.env[NAMESPACE] === '1') scenarios();
else reRunInNamespace();

function reRunInNamespace(): void {
  const probe = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim();
    test('the demo call runs in a loopback-only network namespace', () => {
      assert.fail(
        `cannot create a network namespace with \`unshare -n\` (${why}). WebRTC between two local browsers needs ` +
          'one (Chromium gathers no loopback candidates otherwise); run the tests as root, or where unprivileged ' +
          'user namespaces are allowed.',
      );
    });
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    'unshare',
    ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.execArgv, self],
    { stdio: 'inherit', env: { ...process.env, [NAMESPACE]: '1' } },
  );
  process.exitCode = child.status ?? 1;
}

/** What the instrumented pages report of their WebRTC audio: bytes and packets sent and received. */
interface AudioCounters {
  readonly sent: number;
  readonly received: number;
  readonly packetsSent: number;
}

declare global {
  interface Window {
    /** Test instrumentation added before any page script (see `instrument`): peer connections and DTMF sent. */
    helplineCallTest?: {
      readonly peers: RTCPeerConnection[];
      readonly tones: string[];
      audio(): Promise<AudioCounters | null>;
    };
  }
}

/**
 * Watches the page's peer connections and DTMF without changing the page: wraps the `RTCPeerConnection`
 * constructor and `RTCDTMFSender.insertDTMF`. Runs in every frame before the page's own scripts. Plain
 * JavaScript text: a function compiled here would carry the test runner's helpers into the page.
 */
const INSTRUMENT = `(() => {
  const Native = window.RTCPeerConnection;
  const peers = [];
  const tones = [];
  function Wrapped(...args) {
    const peer = new Native(...args);
    peers.push(peer);
    return peer;
  }
  Wrapped.prototype = Native.prototype;
  Object.setPrototypeOf(Wrapped, Native);
  window.RTCPeerConnection = Wrapped;
  const insert = RTCDTMFSender.prototype.insertDTMF;
  RTCDTMFSender.prototype.insertDTMF = function (digits, ...rest) {
    tones.push(digits);
    return insert.call(this, digits, ...rest);
  };
  window.helplineCallTest = {
    peers,
    tones,
    async audio() {
      const peer = peers.filter((p) => p.connectionState === 'connected').at(-1);
      if (!peer) return null;
      let sent = 0;
      let received = 0;
      let packetsSent = 0;
      (await peer.getStats()).forEach((report) => {
        if (report.kind !== 'audio') return;
        if (report.type === 'outbound-rtp') {
          sent += Number(report.bytesSent ?? 0);
          packetsSent += Number(report.packetsSent ?? 0);
        }
        if (report.type === 'inbound-rtp') received += Number(report.bytesReceived ?? 0);
      });
      return { sent, received, packetsSent };
    },
  };
})();`;

function scenarios(): void {
  let browser: Browser;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let dataDir: string;
  let visitor: Page;
  let agent: Page;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  let step = 0;

  async function open(url: string): Promise<Page> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript({ content: INSTRUMENT });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text()))
        cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    await page.goto(url);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: join(shots, `call-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  async function visible(locator: Locator, timeout = WAIT): Promise<void> {
    await locator.first().waitFor({ state: 'visible', timeout });
  }

  /** Resolves once `check` holds (polled every 100 ms), or fails after `timeout`. */
  async function eventually(check: () => Promise<boolean>, what: string, timeout = WAIT): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const audio = (page: Page) => page.evaluate(() => window.helplineCallTest?.audio() ?? null);

  /** Audio leaves `from` and reaches `to`: both counters grow by a few packets' worth. */
  async function audioFlows(from: Page, to: Page, what: string): Promise<void> {
    const [sent, received] = [await audio(from), await audio(to)];
    await eventually(async () => {
      const [nowSent, nowReceived] = [await audio(from), await audio(to)];
      return (
        nowSent !== null &&
        nowReceived !== null &&
        nowSent.sent > (sent?.sent ?? 0) + 1500 &&
        nowReceived.received > (received?.received ?? 0) + 1500
      );
    }, `audio flowing ${what}`);
  }

  /** Bytes `page` sends over one second. */
  async function sendRate(page: Page): Promise<number> {
    const start = await audio(page);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const end = await audio(page);
    assert.ok(start && end, 'a connected peer');
    return end.sent - start.sent;
  }

  const softphone = () => agent.getByRole('region', { name: 'Phone' }).first();
  const callStatus = () => softphone().getByRole('status').first();
  const widgetStatus = () => visitor.locator('helpline-widget').getByRole('status').first();

  describe('a browser call through the demo pages', { timeout: 240_000 }, () => {
    before(async () => {
      mkdirSync(shots, { recursive: true });
      dataDir = mkdtempSync(join(tmpdir(), 'helpline-call-e2e-'));
      demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db') });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });

    after(async () => {
      await browser?.close();
      await demo?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs with nothing but loopback', () => {
      assert.deepEqual(Object.keys(networkInterfaces()), ['lo']);
    });

    it('the agent signs in: the console is ready for calls', async () => {
      agent = await open(demo.urls.crm);
      await agent.getByRole('combobox', { name: 'Demo agent' }).selectOption('alice');
      await agent.getByRole('button', { name: 'Sign in' }).click();
      await agent
        .getByRole('combobox', { name: 'Status' })
        .locator('option:checked', { hasText: 'Available' })
        .waitFor({ state: 'attached', timeout: WAIT });
      // The server offers browser voice on its queues: the console loaded its softphone by itself.
      await visible(softphone().getByText('No call.'));
      await shot(agent, 'agent-ready');
    });

    it('the visitor clicks "Call us", the agent accepts, and audio flows both ways', async () => {
      visitor = await open(demo.urls.website);
      await visitor.getByRole('button', { name: 'Open chat' }).click();
      await visitor.getByRole('button', { name: 'Call us' }).click();
      await shot(visitor, 'visitor-call-view');
      await visitor.getByRole('button', { name: 'Start call' }).click();
      // The call waits in the queue for an agent, like a chat.
      await visible(widgetStatus().getByText(/^(Ringing…|Waiting for an agent…)/));
      await shot(visitor, 'visitor-waiting');

      const offer = agent.getByRole('region', { name: /^Call from / });
      await visible(offer);
      await visible(callStatus().getByText(/^Incoming call from /));
      await shot(agent, 'agent-offer');
      await offer.getByRole('button', { name: 'Accept' }).click();

      await visible(callStatus().getByText(/^On a call with /));
      await visible(widgetStatus().getByText('In call'));
      await audioFlows(visitor, agent, 'visitor → agent');
      await audioFlows(agent, visitor, 'agent → visitor');
      await shot(agent, 'agent-on-call');
      await shot(visitor, 'visitor-in-call');
    });

    it('hold: both sides see it, and audio comes back on resume', async () => {
      await softphone().getByRole('button', { name: 'Hold', pressed: false }).click();
      await visible(callStatus().getByText(/^On hold with /));
      await visible(widgetStatus().getByText('On hold'));
      await shot(agent, 'agent-on-hold');
      await softphone().getByRole('button', { name: 'Hold', pressed: true }).click();
      await visible(callStatus().getByText(/^On a call with /));
      await visible(widgetStatus().getByText('In call'));
      await audioFlows(agent, visitor, 'after the hold');
    });

    it('mute stops the agent’s audio; unmute brings it back', async () => {
      const speaking = await sendRate(agent);
      await softphone().getByRole('button', { name: 'Mute', pressed: false }).click();
      await visible(softphone().getByRole('button', { name: 'Mute', pressed: true }));
      await shot(agent, 'agent-muted');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const muted = await sendRate(agent);
      assert.ok(muted < speaking * 0.3, `muted ${muted} B/s vs ${speaking} B/s`);
      await softphone().getByRole('button', { name: 'Mute', pressed: true }).click();
      await eventually(async () => (await sendRate(agent)) > speaking * 0.5, 'audio back after unmute');
    });

    it('DTMF from the keypad: tones on the audio path', async () => {
      await softphone().getByRole('button', { name: 'Keypad' }).click();
      const keypad = softphone().getByRole('group', { name: 'Keypad' });
      for (const digit of ['1', '2', '#'])
        await keypad.getByRole('button', { name: `Send ${digit}` }).click();
      await eventually(
        async () => (await agent.evaluate(() => window.helplineCallTest?.tones.join(''))) === '12#',
        'tones played by RTCDTMFSender',
      );
      await visible(softphone().getByText('Sent: 12#'));
      await shot(agent, 'agent-keypad');
    });

    it('the visitor reloads mid-call and is back in the call', async () => {
      await visitor.reload();
      await visitor.getByRole('button', { name: 'Open chat' }).click();
      await visible(widgetStatus().getByText('In call'), 30_000);
      await audioFlows(visitor, agent, 'after the reload');
      await audioFlows(agent, visitor, 'after the reload');
      await shot(visitor, 'visitor-after-reload');
    });

    it('the agent hangs up; both see it end, and the agent wraps up', async () => {
      await softphone()
        .getByRole('button', { name: /^Hang up/ })
        .click();
      await visible(widgetStatus().getByText('The call has ended.'));
      await visible(agent.getByRole('button', { name: 'Finish wrap-up' }));
      await shot(visitor, 'visitor-ended');
      await shot(agent, 'agent-wrap-up');
      await agent.getByRole('button', { name: 'Finish wrap-up' }).click();
      await visible(agent.getByText('No interactions. Offers appear here when you are available.'));
      await shot(agent, 'agent-done');
    });

    it('no page threw, and none broke its Content-Security-Policy or Trusted Types', () => {
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(cspViolations, []);
    });
  });
}
