// Supervisor legs and consults end to end: three Chromium processes, each with its own fake microphone playing one
// tone (WAVs generated here), talk through the real hub over WebSockets with media peer-to-peer on 127.0.0.1 — a
// visitor (440 Hz), Alice (660 Hz) and supervisor Sam (990 Hz); then a visitor, Alice and her colleague Bob (880 Hz),
// with hold music at 330 Hz generated in Alice's browser. Each page detects the tones in what it plays (Goertzel over
// an AnalyserNode, supervision.harness.ts; a muted element plays nothing). Like voice.e2e.test.ts, it re-runs itself
// in a network namespace that has only `lo` (`unshare -n`): WebRTC gathers no loopback candidates otherwise.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchWithTone } from './e2e/microphone';
import { inLoopbackNamespace } from './e2e/namespace';
import { startVoiceServer, type VoiceServer } from './e2e/server';
import { TONES } from './e2e/supervision.harness';

const NAMESPACE = 'HELPLINE_SUPERVISION_E2E_NETNS';
/** The test pages: each browser loads its own. */
const SUPERVISION_PAGES = {
  visitor: 'supervision.visitor.page.ts',
  agent: 'supervision.agent.page.ts',
  supervisor: 'supervision.supervisor.page.ts',
};
/** The consult test's pages: the visitor's page of supervision, Alice who consults and Bob, the colleague. */
const CONSULT_PAGES = {
  visitor: 'supervision.visitor.page.ts',
  agent: 'consult.agent.page.ts',
  colleague: 'consult.colleague.page.ts',
};
/** The consult test's tones: each microphone, and the hold music Alice's browser generates. */
const CONSULT_TONES = { hold: 330, visitor: 440, agent: 660, colleague: 880 } as const;
/** Where the measured latencies go, for scripts/bench/voice.bench.ts. */
const RESULTS = process.env.HELPLINE_SUPERVISION_RESULTS;

inLoopbackNamespace(fileURLToPath(import.meta.url), NAMESPACE, scenarios);

function scenarios(): void {
  let server: VoiceServer;
  const browsers: Browser[] = [];
  const errors: string[] = [];
  let dir = '';
  let visitor: Page;
  let agent: Page;
  let supervisor: Page;
  let cid = '';
  const measured: Record<string, number> = {};

  /** Opens `path` in a Chromium of its own whose microphone plays `tone` (default the role's supervision tone). */
  async function open(role: string, tone?: number, path = role): Promise<Page> {
    const wav = join(dir, `${role}.wav`);
    const browser = await launchWithTone(wav, tone ?? TONES[role as keyof typeof TONES]);
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(`${role}: ${error.message}`));
    await page.goto(`${server.origin}/${path}`);
    await page.waitForFunction(() => window.supTest?.ready === true);
    return page;
  }

  const heard = (page: Page) => page.evaluate(() => window.supTest?.heard() ?? []);
  /** Resolves with when `page` heard (or stopped hearing) `frequency`, epoch ms, or null. */
  const when = (page: Page, frequency: number, present: boolean, timeoutMs = 5_000) =>
    page.evaluate(([f, p, t]) => window.supTest?.when(f, p, t) ?? null, [
      frequency,
      present,
      timeoutMs,
    ] as const);
  const act = (page: Page, action: string, argument?: string) =>
    page.evaluate(([a, b]) => window.supTest?.act(a, b) ?? null, [action, argument] as const);

  /** `page` does not hear `frequency` for a whole second (after what was asked settled). */
  async function neverHears(page: Page, frequency: number): Promise<void> {
    const heardAt = await when(page, frequency, true, 1_000);
    assert.equal(heardAt, null, `${page.url()} heard ${frequency} Hz: ${JSON.stringify(await heard(page))}`);
  }

  describe('supervisor monitor, whisper and barge on a browser call', () => {
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'helpline-supervision-'));
      server = await startVoiceServer({}, { pages: SUPERVISION_PAGES });
      agent = await open('agent');
      visitor = await open('visitor');
      supervisor = await open('supervisor');
      await act(visitor, 'call');
      await agent.waitForFunction(() => window.supTest?.cid() !== null);
      await act(agent, 'answer');
      // The call is up: each party hears the other.
      assert.notEqual(await when(visitor, TONES.agent, true, 15_000), null, 'visitor hears Alice');
      assert.notEqual(await when(agent, TONES.visitor, true, 15_000), null, 'Alice hears the visitor');
      cid = (await visitor.evaluate(() => window.supTest?.cid() ?? '')) ?? '';
      assert.ok(cid);
    });

    after(async () => {
      for (const browser of browsers.splice(0)) await browser.close();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
      if (RESULTS) writeFileSync(RESULTS, JSON.stringify(measured));
    });

    it('monitor: the supervisor hears both sides, and neither side hears the supervisor', async () => {
      const ms = await act(supervisor, 'start', `${cid} monitoring`);
      assert.equal(typeof ms, 'number', `the supervisor heard the call: ${String(ms)}`);
      measured.monitorToHeardMs = ms as number;
      assert.deepEqual(await heard(supervisor), [TONES.visitor, TONES.agent]);
      await neverHears(visitor, TONES.supervisor);
      await neverHears(agent, TONES.supervisor);
    });

    it('whisper: only the agent hears the supervisor', async () => {
      await act(supervisor, 'mode', `${cid} whispering`);
      assert.notEqual(await when(agent, TONES.supervisor, true), null, 'Alice hears the whisper');
      await neverHears(visitor, TONES.supervisor);
      assert.deepEqual(
        await heard(supervisor),
        [TONES.visitor, TONES.agent],
        'the supervisor still hears both',
      );
    });

    it('barge: both parties hear the supervisor, and the supervisor hears both', async () => {
      const sentAt = (await act(supervisor, 'mode', `${cid} barging`)) as number;
      const [visitorAt, agentAt] = await Promise.all([
        when(visitor, TONES.supervisor, true),
        when(agent, TONES.supervisor, true),
      ]);
      assert.notEqual(visitorAt, null, 'the visitor hears the barge');
      assert.notEqual(agentAt, null, 'Alice hears the barge');
      measured.bargeToHeardMs = Math.max(visitorAt ?? 0, agentAt ?? 0) - sentAt;
      assert.deepEqual(await heard(supervisor), [TONES.visitor, TONES.agent]);
      // The customer still hears the agent.
      assert.ok((await heard(visitor)).includes(TONES.agent));
    });

    it('back to monitor: the supervisor is silent again for both', async () => {
      await act(supervisor, 'mode', `${cid} monitoring`);
      assert.notEqual(await when(visitor, TONES.supervisor, false), null);
      assert.notEqual(await when(agent, TONES.supervisor, false), null);
      await neverHears(visitor, TONES.supervisor);
      await neverHears(agent, TONES.supervisor);
    });

    it('no page error', () => {
      assert.deepEqual(errors, []);
    });
  });

  describe('consult and conference on a browser call', () => {
    const { visitor: customerTone, agent: aliceTone, colleague: bobTone, hold: holdTone } = CONSULT_TONES;
    const tones = `tones=${Object.values(CONSULT_TONES).join(',')}`;
    let colleague: Page;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'helpline-consult-'));
      server = await startVoiceServer({}, { pages: CONSULT_PAGES, agents: ['alice', 'bob'] });
      agent = await open('agent', aliceTone, `agent?${tones}&hold=${holdTone}`);
      visitor = await open('visitor', customerTone, `visitor?${tones}`);
      colleague = await open('colleague', bobTone, `colleague?${tones}`);
      await act(visitor, 'call');
      await agent.waitForFunction(() => window.supTest?.cid() !== null);
      await act(agent, 'answer');
      assert.notEqual(await when(visitor, aliceTone, true, 15_000), null, 'visitor hears Alice');
      assert.notEqual(await when(agent, customerTone, true, 15_000), null, 'Alice hears the visitor');
      assert.equal(await act(colleague, 'available'), null, 'Bob is available, with no consult yet');
    });

    after(async () => {
      for (const browser of browsers.splice(0)) await browser.close();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('consult: the customer hears hold music and neither agent; Alice and Bob hear each other', async () => {
      const answered = act(colleague, 'answer');
      assert.equal(await act(agent, 'consult', 'bob'), 'consulting');
      assert.notEqual(await when(visitor, holdTone, true), null, 'the customer hears hold music');
      assert.equal(await answered, 'active');
      assert.notEqual(await when(colleague, aliceTone, true, 15_000), null, 'Bob hears Alice');
      assert.notEqual(await when(agent, bobTone, true, 15_000), null, 'Alice hears Bob');
      await neverHears(visitor, aliceTone);
      await neverHears(visitor, bobTone);
      assert.deepEqual(await heard(visitor), [holdTone], 'only hold music');
      await neverHears(agent, customerTone);
      await neverHears(colleague, customerTone);
    });

    it('return: the customer hears Alice again and no more hold music; Bob is gone', async () => {
      assert.equal(await act(agent, 'return'), 'active');
      assert.notEqual(await when(visitor, aliceTone, true), null, 'the customer hears Alice');
      assert.notEqual(await when(visitor, holdTone, false), null, 'the hold music stopped');
      assert.notEqual(await when(agent, customerTone, true), null, 'Alice hears the customer');
      assert.notEqual(await when(agent, bobTone, false), null, 'Alice no longer hears Bob');
      await neverHears(visitor, holdTone);
      await neverHears(colleague, aliceTone);
    });

    it('conference: after a second consult and a merge, all three hear each other', async () => {
      const answered = act(colleague, 'answer');
      assert.equal(await act(agent, 'consult', 'bob'), 'consulting');
      assert.equal(await answered, 'active');
      assert.notEqual(await when(colleague, aliceTone, true, 15_000), null, 'Bob hears Alice');
      assert.equal(await act(agent, 'merge'), 'conferenced');
      const [customerHearsAlice, customerHearsBob] = await Promise.all([
        when(visitor, aliceTone, true),
        when(visitor, bobTone, true),
      ]);
      assert.ok(customerHearsAlice !== null && customerHearsBob !== null, 'the customer hears both agents');
      assert.notEqual(await when(agent, customerTone, true), null, 'Alice hears the customer');
      assert.notEqual(await when(colleague, customerTone, true), null, 'Bob hears the customer');
      // The merge takes the customer off hold: the music stops a moment after both agents are heard.
      assert.notEqual(await when(visitor, holdTone, false), null, 'the hold music stopped');
      assert.deepEqual(
        await heard(visitor),
        [aliceTone, bobTone],
        'the customer: both agents, no hold music',
      );
      assert.deepEqual(await heard(agent), [customerTone, bobTone], 'Alice: the customer and Bob');
      assert.deepEqual(await heard(colleague), [customerTone, aliceTone], 'Bob: the customer and Alice');
    });

    it('no page error in the consult', () => {
      assert.deepEqual(errors, []);
    });
  });

  // Alice's browser mixes the call for Sam and for her consult at once: whichever stops first hands the customer's
  // line back to the other, not to the raw microphone.
  describe('a supervisor barging while the agent consults', () => {
    const { visitor: customerTone, agent: aliceTone, colleague: bobTone, hold: holdTone } = CONSULT_TONES;
    const tones = `tones=${[...Object.values(CONSULT_TONES), TONES.supervisor].join(',')}`;
    let colleague: Page;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'helpline-consult-supervised-'));
      server = await startVoiceServer(
        {},
        { pages: { ...CONSULT_PAGES, supervisor: SUPERVISION_PAGES.supervisor }, agents: ['alice', 'bob'] },
      );
      agent = await open('agent', aliceTone, `agent?${tones}&hold=${holdTone}&supervised`);
      visitor = await open('visitor', customerTone, `visitor?${tones}`);
      colleague = await open('colleague', bobTone, `colleague?${tones}`);
      supervisor = await open('supervisor');
      await act(visitor, 'call');
      await agent.waitForFunction(() => window.supTest?.cid() !== null);
      await act(agent, 'answer');
      assert.notEqual(await when(visitor, aliceTone, true, 15_000), null, 'visitor hears Alice');
      assert.equal(await act(colleague, 'available'), null, 'Bob is available');
      cid = (await visitor.evaluate(() => window.supTest?.cid() ?? '')) ?? '';
      assert.equal(typeof (await act(supervisor, 'start', `${cid} barging`)), 'number', 'Sam hears the call');
      assert.notEqual(await when(visitor, TONES.supervisor, true), null, 'the customer hears Sam barge');
    });

    after(async () => {
      for (const browser of browsers.splice(0)) await browser.close();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('consult: the customer on hold hears only the music, not the consult and not Sam', async () => {
      const answered = act(colleague, 'answer');
      assert.equal(await act(agent, 'consult', 'bob'), 'consulting');
      assert.equal(await answered, 'active');
      assert.notEqual(await when(visitor, holdTone, true), null, 'the customer hears hold music');
      assert.notEqual(await when(visitor, TONES.supervisor, false), null, 'Sam is no longer heard');
      await neverHears(visitor, aliceTone);
      await neverHears(visitor, bobTone);
      assert.deepEqual(await heard(visitor), [holdTone], 'only hold music');
      assert.ok((await heard(supervisor)).includes(customerTone), 'Sam still hears the customer');
    });

    it("return: the customer hears Alice and Sam's barge again", async () => {
      assert.equal(await act(agent, 'return'), 'active');
      assert.notEqual(await when(visitor, aliceTone, true), null, 'the customer hears Alice');
      assert.notEqual(await when(visitor, TONES.supervisor, true), null, 'the customer hears Sam again');
      assert.notEqual(await when(visitor, holdTone, false), null, 'the hold music stopped');
    });

    it('Sam stops during a second consult: the customer keeps the hold music, then hears Alice on return', async () => {
      const answered = act(colleague, 'answer');
      assert.equal(await act(agent, 'consult', 'bob'), 'consulting');
      assert.equal(await answered, 'active');
      assert.notEqual(await when(visitor, holdTone, true), null, 'hold music');
      await act(supervisor, 'stop', cid);
      await neverHears(visitor, TONES.supervisor);
      assert.deepEqual(await heard(visitor), [holdTone], 'still only hold music');
      assert.equal(await act(agent, 'return'), 'active');
      assert.notEqual(await when(visitor, aliceTone, true), null, 'the customer hears Alice');
      assert.notEqual(await when(visitor, holdTone, false), null, 'the hold music stopped');
      await neverHears(visitor, holdTone);
      await neverHears(visitor, TONES.supervisor);
    });

    it('no page error with a supervisor in the consult', () => {
      assert.deepEqual(errors, []);
    });
  });
}
