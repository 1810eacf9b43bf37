// End-to-end: a supervisor on a browser call, and click-to-dial, through the demo pages as `npm start` ships them (the
// shop page with the widget, the CRM with Alice's console, Sam's supervisor board; no test page). The visitor calls,
// Alice accepts, and Sam listens, whispers, barges in and stops from the board; then Alice dials a CRM customer
// over the simulated phone line, and a number on the do-not-call list, which the server refuses. Each party is a
// Chromium process of its own whose fake microphone plays one tone (visitor 440 Hz, Alice 660 Hz, Sam 990 Hz, as in
// packages/core/src/voice/supervision.e2e.test.ts), and each page reports which tones it plays: who hears whom is
// measured, not inferred. WebRTC between local browsers needs a network namespace with nothing but `lo`
// (docs/voice.md, "Testing"), so the file re-runs itself under `unshare -n`. Screenshots go to
// test-results/e2e/supervision-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { sineWav } from '../../packages/core/src/voice/e2e/microphone';
import { inLoopbackNamespace } from '../../packages/core/src/voice/e2e/namespace';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, SHOTS, visible, WAIT } from './e2e.testing';

const NAMESPACE = 'HELPLINE_DEMO_SUPERVISION_E2E_NETNS';
/** Each browser's microphone tone. */
const TONES = { visitor: 440, agent: 660, supervisor: 990 } as const;
type Role = keyof typeof TONES;

/** What a page reports of one of its peer connections: audio bytes, and whether its microphone track is on. */
interface PeerAudio {
  readonly state: string;
  readonly sent: number;
  readonly received: number;
  /** `enabled` of each audio track it sends (false: muted at the source). */
  readonly sending: boolean[];
}

declare global {
  interface Window {
    /** Test instrumentation added before any page script (see `INSTRUMENT`). */
    helplineSupervisionTest?: {
      /** The tones the page plays now (elements playing, not muted), lowest first. */
      heard(): number[];
      peers(): Promise<PeerAudio[]>;
    };
  }
}

/**
 * Watches, without changing the page: every `RTCPeerConnection` it makes, and every stream it plays on a media
 * element (`srcObject`), through an analyser; `heard()` runs Goertzel over each playing, unmuted element's samples
 * for the three tones. Runs in every frame before the page's scripts. Plain JavaScript text: a function compiled
 * here would carry the test runner's helpers into the page.
 */
const INSTRUMENT = `(() => {
  const TONES = ${JSON.stringify(Object.values(TONES))};
  const Native = window.RTCPeerConnection;
  const peers = [];
  function Wrapped(...args) {
    const peer = new Native(...args);
    peers.push(peer);
    return peer;
  }
  Wrapped.prototype = Native.prototype;
  Object.setPrototypeOf(Wrapped, Native);
  window.RTCPeerConnection = Wrapped;

  let context;
  const played = [];
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    enumerable: srcObject.enumerable,
    get() {
      return srcObject.get.call(this);
    },
    set(stream) {
      srcObject.set.call(this, stream);
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return;
      if (played.some((entry) => entry.element === this && entry.stream === stream)) return;
      context ??= new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 4096;
      context.createMediaStreamSource(stream).connect(analyser);
      played.push({ element: this, stream, analyser, samples: new Float32Array(analyser.fftSize) });
    },
  });

  function power(samples, rate, frequency) {
    const n = samples.length;
    const k = Math.round((n * frequency) / rate);
    const c = 2 * Math.cos((2 * Math.PI * k) / n);
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[i];
      energy += x * x;
      const s0 = x + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return energy === 0 ? 0 : (2 * (s1 * s1 + s2 * s2 - c * s1 * s2)) / (n * energy);
  }

  window.helplineSupervisionTest = {
    heard() {
      if (!context) return [];
      void context.resume();
      const heard = new Set();
      for (const entry of played) {
        const element = entry.element;
        if (srcObject.get.call(element) !== entry.stream || element.paused || element.muted || element.volume === 0)
          continue;
        entry.analyser.getFloatTimeDomainData(entry.samples);
        for (const tone of TONES) if (power(entry.samples, context.sampleRate, tone) > 0.08) heard.add(tone);
      }
      return [...heard].sort((a, b) => a - b);
    },
    async peers() {
      const result = [];
      for (const peer of peers) {
        let sent = 0;
        let received = 0;
        if (peer.connectionState !== 'closed')
          (await peer.getStats()).forEach((report) => {
            if (report.kind !== 'audio') return;
            if (report.type === 'outbound-rtp') sent += Number(report.bytesSent ?? 0);
            if (report.type === 'inbound-rtp') received += Number(report.bytesReceived ?? 0);
          });
        const sending = peer
          .getSenders()
          .filter((sender) => sender.track && sender.track.kind === 'audio')
          .map((sender) => sender.track.enabled);
        result.push({ state: peer.connectionState, sent, received, sending });
      }
      return result;
    },
  };
})();`;

inLoopbackNamespace(fileURLToPath(import.meta.url), NAMESPACE, scenarios);

function scenarios(): void {
  const browsers: Browser[] = [];
  const problems: string[] = [];
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let dir: string;
  let visitor: Page;
  let agent: Page;
  let supervisor: Page;
  let step = 0;

  /** Opens `url` in a Chromium of its own whose microphone plays `role`'s tone. */
  async function open(role: Role, url: string): Promise<Page> {
    const wav = join(dir, `${role}.wav`);
    writeFileSync(wav, sineWav(TONES[role]));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...CHROMIUM_ARGS,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--allow-loopback-in-peer-connection',
        // Sound needs a user gesture, as on a real desktop.
        '--autoplay-policy=document-user-activation-required',
      ],
    });
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript({ content: INSTRUMENT });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text()))
        problems.push(`${role}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${role}: ${error.message}`));
    await page.goto(url);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: join(SHOTS, `supervision-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  /** Resolves once `check` holds (polled every 100 ms), or fails after `timeout`. */
  async function eventually(check: () => Promise<boolean>, what: string, timeout = WAIT): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const heard = (page: Page) => page.evaluate(() => window.helplineSupervisionTest?.heard() ?? []);
  const peers = (page: Page) => page.evaluate(() => window.helplineSupervisionTest?.peers() ?? []);

  /** `page` plays `tone` (within `timeout`). */
  async function hears(page: Page, tone: number, who: string, timeout = WAIT): Promise<void> {
    await eventually(async () => (await heard(page)).includes(tone), `${who} hearing ${tone} Hz`, timeout);
  }

  /** `page` stops playing `tone`, then plays no trace of it for a whole second. */
  async function neverHears(page: Page, tone: number, who: string): Promise<void> {
    await eventually(async () => !(await heard(page)).includes(tone), `${who} no longer hearing ${tone} Hz`);
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const now = await heard(page);
      assert.ok(!now.includes(tone), `${who} heard ${tone} Hz (${now.join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Audio bytes `page` received on its connected peer connections, in total. */
  async function received(page: Page): Promise<number> {
    return (await peers(page))
      .filter((peer) => peer.state === 'connected')
      .reduce((sum, peer) => sum + peer.received, 0);
  }

  const softphone = () => agent.getByRole('region', { name: 'Phone' }).first();
  const callStatus = () => softphone().getByRole('status').first();
  const widgetStatus = () => visitor.locator('helpline-widget').getByRole('status').first();
  /** Sam's controls of the call on the board (a fieldset named after the customer). */
  const controls = () => supervisor.getByRole('group', { name: /^Supervise the contact with / });
  const mode = (name: string, pressed?: boolean) =>
    controls().getByRole('button', { name, exact: true, ...(pressed === undefined ? {} : { pressed }) });
  /** What the board says Sam is doing. */
  const samStatus = () => controls().getByRole('status');
  /** Alice's supervision banner: her console tells her a supervisor is on her call. */
  const banner = () => agent.locator('.helpline-supervision-banner');

  /** The board's agents table, where Alice's call and Sam's controls are. */
  async function boardShot(name: string): Promise<void> {
    step++;
    await supervisor
      .getByRole('table', { name: 'Agents' })
      .screenshot({ path: join(SHOTS, `supervision-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  /** `name` is the mode in force: pressed, and still a button that can be reached (not greyed out). */
  async function inForce(name: string): Promise<void> {
    await visible(mode(name, true));
    assert.equal(await mode(name, true).isDisabled(), false, `${name} is pressed, not disabled`);
  }

  describe('a supervisor on a browser call, and click-to-dial, through the demo pages', {
    timeout: 180_000,
  }, () => {
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      dir = mkdtempSync(join(tmpdir(), 'helpline-demo-supervision-e2e-'));
      demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dir, 'db') });
    });

    after(async () => {
      for (const browser of browsers.splice(0)) await browser.close();
      await demo?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs with nothing but loopback', () => {
      assert.deepEqual(Object.keys(networkInterfaces()), ['lo']);
    });

    it('Alice signs in and Sam opens the board', async () => {
      agent = await open('agent', demo.urls.crm);
      await agent.getByRole('combobox', { name: 'Demo agent' }).selectOption('alice');
      await agent.getByRole('button', { name: 'Sign in' }).click();
      await agent
        .getByRole('combobox', { name: 'Status' })
        .locator('option:checked', { hasText: 'Available' })
        .waitFor({ state: 'attached', timeout: WAIT });
      await visible(softphone().getByText('No call.'));
      supervisor = await open('supervisor', demo.urls.supervisor);
      await visible(supervisor.getByRole('rowheader', { name: 'Alice' }));
    });

    it('the visitor calls, Alice accepts, each hears the other, and the board shows the call', async () => {
      visitor = await open('visitor', demo.urls.website);
      await visitor.getByRole('button', { name: 'Open chat' }).click();
      await visitor.getByRole('button', { name: 'Call us' }).click();
      await visitor.getByRole('button', { name: 'Start call' }).click();
      const offer = agent.getByRole('region', { name: /^Call from / });
      await visible(offer);
      await offer.getByRole('button', { name: 'Accept' }).click();
      await visible(callStatus().getByText(/^On a call with /));
      await visible(widgetStatus().getByText('In call'));
      await hears(visitor, TONES.agent, 'the visitor');
      await hears(agent, TONES.visitor, 'Alice');
      // Alice's row on Sam's board: the call, with the controls; nobody supervises it yet.
      const alice = supervisor
        .getByRole('row')
        .filter({ has: supervisor.getByRole('rowheader', { name: 'Alice' }) });
      await visible(alice.getByText(/Call · Active/));
      await visible(mode('Listen', false));
      await visible(mode('Whisper', false));
      await visible(mode('Barge in', false));
      assert.equal(await controls().getByRole('button', { name: 'Stop' }).count(), 0);
      assert.equal(await samStatus().textContent(), '');
      await boardShot('board-call');
    });

    it('Listen: Sam hears both sides, sends nothing audible, and Alice is not told (the default)', async () => {
      const before = await received(supervisor);
      await mode('Listen', false).click();
      await inForce('Listen');
      await visible(samStatus().getByText('Listening. Nobody on the call hears you.'));
      await visible(controls().getByRole('button', { name: 'Stop' }));
      await hears(supervisor, TONES.visitor, 'Sam');
      await hears(supervisor, TONES.agent, 'Sam');
      await eventually(async () => (await received(supervisor)) > before + 1500, 'audio reaching the board');
      // Sam's microphone is muted at the source, and neither party hears it.
      const sam = (await peers(supervisor)).filter((peer) => peer.state === 'connected');
      assert.equal(sam.length, 1, 'one peer connection, to Alice’s browser');
      assert.deepEqual(sam[0]?.sending, [false]);
      await neverHears(visitor, TONES.supervisor, 'the visitor');
      await neverHears(agent, TONES.supervisor, 'Alice');
      // notifyAgent is off for monitoring in the demo's configuration (the default).
      assert.equal(await banner().count(), 0, 'no banner while Sam only listens');
      await boardShot('board-listening');
      await shot(agent, 'console-listened');
    });

    it('Whisper: Alice hears Sam and is told so; the visitor hears nothing of it', async () => {
      await mode('Whisper', false).click();
      await inForce('Whisper');
      await visible(mode('Listen', false));
      await visible(samStatus().getByText('Whispering. Only Alice hears you.'));
      await visible(banner().getByText('A supervisor is whispering to you'));
      await hears(agent, TONES.supervisor, 'Alice');
      await neverHears(visitor, TONES.supervisor, 'the visitor');
      assert.deepEqual(await heard(supervisor), [TONES.visitor, TONES.agent], 'Sam still hears both');
      assert.deepEqual((await peers(supervisor)).find((peer) => peer.state === 'connected')?.sending, [true]);
      await boardShot('board-whispering');
      await shot(agent, 'console-whispered');
    });

    it('Barge in: both hear Sam, and Sam hears both', async () => {
      await mode('Barge in', false).click();
      await inForce('Barge in');
      await visible(samStatus().getByText('In the call. Alice and the customer hear you.'));
      await visible(banner().getByText('A supervisor joined the call'));
      await hears(visitor, TONES.supervisor, 'the visitor');
      await hears(agent, TONES.supervisor, 'Alice');
      await hears(visitor, TONES.agent, 'the visitor (Alice too)');
      await hears(supervisor, TONES.visitor, 'Sam');
      await hears(supervisor, TONES.agent, 'Sam');
      await boardShot('board-barging');
      await shot(agent, 'console-barged');
      await shot(visitor, 'visitor-barged');
    });

    it('Stop: Sam leaves; nobody hears him, the banner goes, the call goes on', async () => {
      await controls().getByRole('button', { name: 'Stop' }).click();
      await visible(mode('Listen', false));
      await visible(mode('Whisper', false));
      await visible(mode('Barge in', false));
      assert.equal(await controls().getByRole('button', { name: 'Stop' }).count(), 0);
      assert.equal(await samStatus().textContent(), '');
      await banner().waitFor({ state: 'detached', timeout: WAIT });
      await neverHears(visitor, TONES.supervisor, 'the visitor');
      await neverHears(agent, TONES.supervisor, 'Alice');
      await neverHears(supervisor, TONES.visitor, 'Sam');
      await hears(visitor, TONES.agent, 'the visitor');
      await hears(agent, TONES.visitor, 'Alice');
      await boardShot('board-stopped');
    });

    it('Alice hangs up and wraps up; the call leaves the board', async () => {
      await softphone()
        .getByRole('button', { name: /^Hang up/ })
        .click();
      await visible(widgetStatus().getByText('The call has ended.'));
      await agent.getByRole('button', { name: 'Finish wrap-up' }).click();
      await visible(agent.getByText('No interactions. Offers appear here when you are available.'));
      await visible(softphone().getByText('No call.'));
      await controls().waitFor({ state: 'detached', timeout: WAIT });
    });

    it('Alice clicks a customer’s number: the simulated line rings, answers, and says it is no real call', async () => {
      const noor = agent.getByRole('listitem').filter({ hasText: 'Noor de Vries' });
      await noor.getByRole('button', { name: 'Call +44 20 7946 0958' }).click();
      await visible(noor.getByRole('status').getByText(/Simulated call — no Vonage account configured/));
      await visible(softphone().getByText(/^Simulated line — no real call/));
      await shot(agent, 'dial-placed');
      // The softphone names the number it calls, and says what the far end does: it rings there, not here.
      const states: string[] = [];
      await eventually(
        async () => {
          const text = (await callStatus().textContent()) ?? '';
          if (states.at(-1) !== text) {
            states.push(text);
            if (text.startsWith('Ringing')) await shot(agent, 'dial-ringing');
          }
          return text.startsWith('On a call');
        },
        'the simulated line answering',
        15_000,
      );
      assert.deepEqual(
        states.filter((text) => !text.startsWith('Connecting')),
        ['Dialing +44 20 7946 0958…', 'Ringing +44 20 7946 0958…', 'On a call with +44 20 7946 0958'],
      );
      await visible(softphone().getByText(/^Simulated line — no real call/));
      await shot(agent, 'dial-connected');
      await softphone()
        .getByRole('button', { name: /^Hang up/ })
        .click();
      await agent.getByRole('combobox', { name: 'Disposition' }).selectOption({ label: 'Quote sent' });
      await shot(agent, 'dial-wrap-up');
      await agent.getByRole('button', { name: 'Finish wrap-up' }).click();
      await visible(agent.getByText('No interactions. Offers appear here when you are available.'));
      // Over: nothing says "Calling…" any more, and the softphone is ready for the next call.
      await visible(softphone().getByText('No call.'));
      assert.equal(await noor.getByText(/^Calling /).count(), 0, 'no “Calling…” under the number');
    });

    it('a number on the do-not-call list is refused, and Alice is told why', async () => {
      const liam = agent.getByRole('listitem').filter({ hasText: 'Liam Murphy' });
      await liam.getByRole('button', { name: 'Call +44 20 7946 0999' }).click();
      await visible(
        liam
          .getByRole('status')
          .getByText('Not dialled: The number +442079460999 is on the do-not-call list.'),
      );
      await visible(softphone().getByText('No call.'));
      await shot(agent, 'dial-refused');
    });

    it('no page threw, and none broke its Content-Security-Policy or Trusted Types', () => {
      assert.deepEqual(problems, []);
    });
  });
}
