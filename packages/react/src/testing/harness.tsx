/// <reference types="mocha" />
// Test helpers for the browser tests of this package: a hub with agents and visitors over the memory
// transport, mounting React trees inside act(), user input, waiting, and small fakes for the parts core does
// not ship yet (voice controller, supervisor session). Not part of the published package.
import {
  type AgentSession,
  type AgentSessionOptions,
  createAgentSession,
  createSupervisorSession,
  createVisitorSession,
  type KpiReport,
  type Queue,
  type StartChatRequest,
  type SupervisorSession,
  transition,
  type VisitorSession,
  type VoiceEvent,
  type VoiceSnapshot,
  type VoiceState,
  voiceMachine,
  voiceSnapshot,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { fakeVoiceProvider, flush, salesQueue, supportQueue, testAgent } from '@helpline/core/testing';
import axe from 'axe-core';
import { assert } from 'chai';
import { atom, type WritableAtom } from 'nanostores';
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { HelplineProvider } from '../context/HelplineContext';
import type { HelplineClients } from '../context/helpline.types';
import css from '../styles/helpline.css' with { type: 'text' };
import type {
  KpiSeriesPoint,
  SupervisorBoardState,
  SupervisorSessionLike,
} from '../supervisor/supervisor.types';
import type { CallController, CallView } from '../voice/call.types';

declare global {
  // React reads this global to know that updates are wrapped in act().
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

/** The supervisors' queue (escalations). */
export const supervisorsQueue: Queue = {
  ...supportQueue,
  id: 'supervisors',
  name: 'Supervisors',
  acw: { kind: 'optional' },
  dispositionRequired: false,
  dispositions: [{ id: 'handled', label: 'Handled', resolved: true }],
};

/** A queue with a timed wrap-up of 30 s. */
export const billingQueue: Queue = {
  ...salesQueue,
  id: 'billing',
  name: 'Billing',
  acw: { kind: 'timed', seconds: 30 },
  dispositionRequired: false,
  dispositions: [{ id: 'paid', label: 'Paid', resolved: true }],
};

/** The queues every test world has: support (disposition required), sales, billing (timed), supervisors. */
export const QUEUES: readonly Queue[] = [supportQueue, salesQueue, billingQueue, supervisorsQueue];

/** A hub with agents alice and bob, the memory transport, and session factories that are closed at the end. */
export interface World {
  readonly hub: Hub;
  readonly queues: readonly Queue[];
  /**
   * An agent session. Its console takes calls with a fake media engine (no microphone, no WebRTC, no ringtone)
   * unless `voice` says otherwise (`false`: a console without voice).
   */
  agent(id?: string, name?: string, voice?: AgentSessionOptions['voice']): AgentSession;
  visitor(id?: string, name?: string): VisitorSession;
  supervisor(id?: string, name?: string): SupervisorSession;
  close(): void;
}

export function createWorld(queues: readonly Queue[] = QUEUES): World {
  const hub = createHub({
    queues,
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
  });
  const transport = createMemoryTransport({ hub });
  const closers: (() => void)[] = [];
  return {
    hub,
    queues,
    agent(
      id = 'alice',
      name = 'Alice',
      voice = { provider: () => fakeVoiceProvider().provider, ringer: false },
    ) {
      const session = createAgentSession({ transport, token: `dev:agent:${id}:${name}`, voice });
      closers.push(() => session.close());
      return session;
    },
    visitor(id = 'v1', name = 'Ada') {
      const session = createVisitorSession({ transport, token: `dev:visitor:${id}:${name}` });
      closers.push(() => session.close());
      return session;
    },
    supervisor(id = 'sue', name = 'Sue') {
      const session = createSupervisorSession({ transport, token: `dev:supervisor:${id}:${name}` });
      closers.push(() => session.close());
      return session;
    },
    close() {
      for (const close of closers) close();
      hub.close();
    },
  };
}

/** Lets stores, the memory transport and React settle (inside act). */
export async function settle(): Promise<void> {
  await act(async () => {
    await flush();
  });
}

/**
 * Waits, turn by turn inside act(), until `predicate` holds; fails after `timeoutMs` of wall time (the hub
 * throttles some notices with real timers, so a number of turns is not a measure of time).
 */
export async function waitForUi(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (predicate()) return;
    await settle();
  }
  if (predicate()) return;
  throw new Error(`waitForUi: ${what} did not happen within ${timeoutMs} ms`);
}

/**
 * Starts a chat from `visitor` and waits until `agent` (available) is offered it; returns its id.
 */
export async function offerChat(
  agent: AgentSession,
  visitor: VisitorSession,
  request: StartChatRequest = { queueId: 'support', prechat: { name: 'Ada' } },
): Promise<string> {
  let cid = '';
  await act(async () => {
    cid = await visitor.startChat(request);
  });
  await waitForUi(() => agent.$offers.get()[cid] !== undefined, `offer of ${cid}`);
  return cid;
}

/** Offers and accepts a chat; returns its id. */
export async function acceptChat(
  agent: AgentSession,
  visitor: VisitorSession,
  request?: StartChatRequest,
): Promise<string> {
  const cid = await offerChat(agent, visitor, request);
  await act(async () => {
    await agent.accept(cid);
  });
  return cid;
}

/** A mounted React tree. */
export interface Mounted {
  readonly container: HTMLElement;
  render(ui: ReactNode): void;
  unmount(): void;
}

const mounted: Mounted[] = [];

/** Renders `ui` into a fresh container (removed by {@link cleanup}). */
export function mount(ui: ReactNode): Mounted {
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root | undefined = createRoot(container);
  const handle: Mounted = {
    container,
    render(next) {
      act(() => root?.render(next));
    },
    unmount() {
      if (root) act(() => root?.unmount());
      root = undefined;
      container.remove();
    },
  };
  handle.render(ui);
  mounted.push(handle);
  return handle;
}

/** Unmounts everything {@link mount} rendered. */
export function cleanup(): void {
  for (const handle of mounted.splice(0)) handle.unmount();
}

let styled = false;
/** Adopts the package stylesheet into the document (once), as an app importing styles.css would. */
export function adoptStyles(): void {
  if (styled) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  styled = true;
}

// ─── checks ───────────────────────────────────────────────────────────────────────────────────

/** Runs axe on `root` and fails with the rules and nodes that broke. */
export async function assertAccessible(root: Element): Promise<void> {
  const results = await axe.run(root, { resultTypes: ['violations'] });
  const report = results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help}\n  ${violation.nodes.map((node) => node.html).join('\n  ')}`,
  );
  assert.deepEqual(report, [], 'axe violations');
}

/** Everything one can act on is reachable with the keyboard, and nothing is styled inline (CSP). */
export function assertKeyboardAndCsp(root: Element): void {
  const interactive = root.querySelectorAll<HTMLElement>(
    'button, select, textarea, input, a[href], [tabindex]',
  );
  assert.isAbove(interactive.length, 0);
  for (const element of interactive) {
    // A tab list is one stop (WAI-ARIA tabs): its selected tab is in the tab order, the arrow keys reach the others.
    const tablist = element.getAttribute('role') === 'tab' ? element.closest('[role="tablist"]') : null;
    if (tablist?.querySelector('[role="tab"][aria-selected="true"][tabindex="0"]')) continue;
    assert.notStrictEqual(
      element.getAttribute('tabindex'),
      '-1',
      `${element.outerHTML} is out of the tab order`,
    );
  }
  assert.lengthOf(root.querySelectorAll('[style]'), 0, 'no inline style attributes');
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of element.getAttributeNames())
      assert.notMatch(attribute, /^on/, 'no inline handlers');
  }
}

// ─── user input ─────────────────────────────────────────────────────────────────────────────────

export async function click(element: Element | null | undefined): Promise<void> {
  if (!(element instanceof HTMLElement)) throw new Error('click: no element');
  await act(async () => {
    element.click();
    await flush();
  });
}

/** Types `text` into a React-controlled input or textarea (replacing its value). */
export async function typeText(element: Element | null | undefined, text: string): Promise<void> {
  if (!(element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement))
    throw new Error('typeText: not a text field');
  const prototype =
    element instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(prototype, 'value')?.set?.call(element, text);
    element.dispatchEvent(new Event('input', { bubbles: true }));
    await flush();
  });
}

/** Picks `value` in a React-controlled select. */
export async function choose(element: Element | null | undefined, value: string): Promise<void> {
  if (!(element instanceof HTMLSelectElement)) throw new Error('choose: not a select');
  if (![...element.options].some((option) => option.value === value))
    throw new Error(`choose: no option ${value} in ${[...element.options].map((o) => o.value).join(', ')}`);
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set?.call(element, value);
    element.dispatchEvent(new Event('change', { bubbles: true }));
    await flush();
  });
}

/** Presses a key combination on `target` (default: the focused element or the body). */
export async function press(
  init: KeyboardEventInit,
  target: Element | Document = document.activeElement ?? document.body,
): Promise<void> {
  await act(async () => {
    target.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
    await flush();
  });
}

/** The first element matching `selector` whose text contains `text`. */
export function byText<T extends Element = HTMLElement>(
  root: ParentNode,
  selector: string,
  text: string | RegExp,
): T {
  const found = [...root.querySelectorAll<T>(selector)].find((element) =>
    typeof text === 'string' ? element.textContent?.includes(text) : text.test(element.textContent ?? ''),
  );
  if (!found) throw new Error(`byText: no ${selector} with ${String(text)}`);
  return found;
}

/** The form control labelled `label` (by `<label for>`). */
export function byLabel<T extends HTMLElement = HTMLElement>(root: ParentNode, label: string | RegExp): T {
  const labelElement = byText<HTMLLabelElement>(root, 'label', label);
  const control = labelElement.htmlFor ? root.querySelector<T>(`#${CSS.escape(labelElement.htmlFor)}`) : null;
  if (!control) throw new Error(`byLabel: ${String(label)} labels nothing`);
  return control;
}

// ─── fakes for what core does not ship yet ──────────────────────────────────────────────────────

/** A voice controller over core's voice machine, with no media: what a real provider would drive. */
export interface FakeCall extends CallController {
  readonly $call: WritableAtom<CallView | undefined>;
  /** Digits sent with the keypad, in order. */
  readonly digits: string[];
  readonly dialed: string[];
  /** Interactions whose call was started with `start(cid)`. */
  readonly started: string[];
  /** Applies a voice machine event (as the provider would on media events). */
  send(event: VoiceEvent): void;
  /** Puts a call in `state`, as the provider would after ringing and connecting it. */
  enter(state: VoiceState, view?: Omit<CallView, 'snapshot'>): void;
}

/** A voice snapshot of an inbound call walked to `state`. */
function callIn(state: VoiceState): VoiceSnapshot {
  const at = Date.now();
  const steps: Partial<Record<VoiceState, VoiceEvent[]>> = {
    connecting: [{ type: 'ANSWER', at }],
    active: [
      { type: 'ANSWER', at },
      { type: 'CONNECTED', at },
    ],
    held: [
      { type: 'ANSWER', at },
      { type: 'CONNECTED', at },
      { type: 'HOLD', at, by: 'agent' },
    ],
  };
  let snapshot = voiceSnapshot({ direction: 'inbound', at });
  for (const event of steps[state] ?? []) {
    const result = transition(voiceMachine, snapshot, event);
    if (!result.ok) throw result.error;
    snapshot = result.snapshot;
  }
  return snapshot;
}

export function createFakeCall(
  state: VoiceState | 'none' = 'ringing',
  view: Omit<CallView, 'snapshot'> = { remoteName: 'Ada' },
): FakeCall {
  const $call = atom<CallView | undefined>(
    state === 'none' ? undefined : { ...view, snapshot: callIn(state) },
  );
  const digits: string[] = [];
  const dialed: string[] = [];
  const started: string[] = [];
  const send = (event: VoiceEvent) => {
    const current = $call.get();
    if (!current) throw new Error('no call');
    const result = transition(voiceMachine, current.snapshot, event);
    if (!result.ok) throw result.error;
    $call.set({ ...current, snapshot: result.snapshot });
  };
  const now = () => Date.now();
  return {
    $call,
    digits,
    dialed,
    started,
    send,
    enter(next, nextView = view) {
      $call.set({ ...nextView, snapshot: callIn(next) });
    },
    async answer() {
      send({ type: 'ANSWER', at: now() });
      send({ type: 'CONNECTED', at: now() });
    },
    async reject() {
      send({ type: 'REJECT', at: now(), by: 'agent' });
    },
    async hangUp() {
      send({ type: 'HANG_UP', at: now(), by: 'agent' });
    },
    async hold() {
      send({ type: 'HOLD', at: now(), by: 'agent' });
    },
    async resume() {
      send({ type: 'RESUME', at: now(), by: 'agent' });
    },
    async mute() {
      send({ type: 'MUTE', at: now() });
    },
    async unmute() {
      send({ type: 'UNMUTE', at: now() });
    },
    async sendDigits(value) {
      digits.push(value);
    },
    async dial(phone) {
      dialed.push(phone);
    },
    async start(cid) {
      started.push(cid);
    },
  };
}

/** A supervisor session of the shape core's `createSupervisorSession` will have, recording the calls made. */
export interface FakeSupervisor extends SupervisorSessionLike {
  readonly $board: WritableAtom<SupervisorBoardState>;
  readonly $kpis: WritableAtom<KpiReport | undefined>;
  readonly $kpiSeries: WritableAtom<readonly KpiSeriesPoint[] | undefined>;
  readonly forced: [string, string, string | undefined][];
  readonly reassigned: [string, unknown][];
  exports: number;
  /** Makes the next action fail with `error`. */
  failNext(error: Error): void;
}

export function createFakeSupervisor(board: SupervisorBoardState, kpis?: KpiReport): FakeSupervisor {
  let failure: Error | undefined;
  const check = () => {
    const error = failure;
    failure = undefined;
    if (error) throw error;
  };
  const fake: FakeSupervisor = {
    $board: atom(board),
    $kpis: atom(kpis),
    $kpiSeries: atom<readonly KpiSeriesPoint[] | undefined>(undefined),
    forced: [],
    reassigned: [],
    exports: 0,
    failNext(error) {
      failure = error;
    },
    async forcePresence(agentId, status, reason) {
      check();
      fake.forced.push([agentId, status, reason]);
      const current = fake.$board.get();
      fake.$board.set({
        ...current,
        agents: current.agents.map((agent) =>
          agent.agentId === agentId
            ? { ...agent, presence: status, ...(reason ? { reason } : {}), since: Date.now() }
            : agent,
        ),
      });
    },
    async reassign(cid, target) {
      check();
      fake.reassigned.push([cid, target]);
    },
    exportCsv() {
      fake.exports += 1;
      return 'kpi,value\nserviceLevel,0.9\n';
    },
  };
  return fake;
}

/** A KPI report with every figure empty, overridden by `figures`. */
export function kpiReport(figures: Partial<KpiReport> = {}): KpiReport {
  return {
    from: 0,
    to: 1,
    queueId: undefined,
    interactions: 0,
    queued: 0,
    answered: 0,
    abandoned: 0,
    answerRate: undefined,
    abandonmentRate: undefined,
    serviceLevel: undefined,
    asaSeconds: undefined,
    handled: 0,
    ahtSeconds: undefined,
    talkSeconds: undefined,
    holdSeconds: undefined,
    wrapUpSeconds: undefined,
    fcr: undefined,
    fcrContacts: 0,
    csatAverage: undefined,
    csatSatisfied: undefined,
    csatResponses: 0,
    nps: undefined,
    npsResponses: 0,
    occupancy: undefined,
    outboundCalls: 0,
    outboundConnected: 0,
    byDisposition: {},
    byTopic: {},
    byEndReason: {},
    ...figures,
  };
}

/** A controllable clock store for `<HelplineProvider clock>`. */
export function createClock(start = Date.now()): WritableAtom<number> {
  return atom(start);
}

/** The latest value a hook returned, re-read after every render. */
export interface HookResult<T> {
  readonly current: T;
  readonly renders: number;
  readonly mounted: Mounted;
}

interface ProbeResult {
  current: unknown;
  renders: number;
}

function HookProbe({ use, result }: { use: () => unknown; result: ProbeResult }): ReactNode {
  result.current = use();
  result.renders += 1;
  return null;
}

/** Renders `hook` inside a `<HelplineProvider {...clients}>` and keeps its latest value. */
export function renderHook<T>(hook: () => T, clients: HelplineClients = {}): HookResult<T> {
  const result: ProbeResult = { current: undefined, renders: 0 };
  const mounted = mount(
    <HelplineProvider {...clients}>
      <HookProbe use={hook} result={result} />
    </HelplineProvider>,
  );
  return {
    get current() {
      return result.current as T;
    },
    get renders() {
      return result.renders;
    },
    mounted,
  };
}
