import type { ReadableAtom } from 'nanostores';
import type { Hub } from '../hub/hub';
import { phaseOf } from '../interaction/phase';
import {
  type AgentSession,
  type ChatMessage,
  createAgentSession,
  createVisitorSession,
  type StartChatRequest,
  type VisitorSession,
  type WrapUpInput,
} from '../session';
import { createMemoryTransport } from '../transport/memory.transport';

/** How long a scripted party waits for something the app under test should do, by default. */
export const SCRIPT_TIMEOUT_MS = 5_000;

/**
 * The visitor on the other side of a console under test: a real visitor session on the mock's hub, with the few
 * steps a test scripts.
 */
export interface ScriptedVisitor {
  /** The visitor session behind it, for anything the shortcuts do not cover. */
  readonly session: VisitorSession;
  /**
   * Starts a chat (it waits in its queue until an agent accepts) and resolves with its conversation id. The
   * visitor's name goes in the pre-chat answers unless `request.prechat` names someone else.
   */
  startChat(request?: StartChatRequest): Promise<string>;
  /** Sends a message, starting a chat first when none is open. */
  say(text: string): Promise<void>;
  /** Resolves with the first message from an agent whose text matches, once it arrived. */
  waitForMessage(text: string | RegExp, timeoutMs?: number): Promise<ChatMessage>;
  /** Leaves the chat. */
  end(): Promise<void>;
}

/**
 * The agent on the other side of a widget under test: a real agent session on the mock's hub (no voice), with
 * the few steps a test scripts.
 */
export interface ScriptedAgent {
  /** The agent session behind it, for anything the shortcuts do not cover. */
  readonly session: AgentSession;
  /** Goes available, so the router offers this agent the next contact. */
  available(): Promise<void>;
  /** Goes available, waits for an offer, accepts it and resolves with its conversation id. */
  accept(timeoutMs?: number): Promise<string>;
  /** Sends a message in `cid`, by default the conversation accepted last. */
  say(text: string, cid?: string): Promise<void>;
  /** Resolves with the first message from the customer in `cid` (default: accepted last) whose text matches. */
  waitForMessage(text: string | RegExp, cid?: string, timeoutMs?: number): Promise<ChatMessage>;
  /** Ends `cid` (default: accepted last); it moves to wrap-up unless its queue has no after-contact work. */
  end(cid?: string): Promise<void>;
  /** Finishes wrap-up of `cid` (default: accepted last). */
  wrapUp(input?: WrapUpInput, cid?: string): Promise<void>;
}

/** Resolves with the first value `pick` returns for the store's value, or rejects after `timeoutMs`. */
export function until<T, R>(
  store: ReadableAtom<T>,
  pick: (value: T) => R | undefined,
  what: string,
  timeoutMs: number,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe?.();
      settle();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`[helpline/msw] ${what} did not happen within ${timeoutMs} ms`))),
      timeoutMs,
    );
    unsubscribe = store.subscribe((value) => {
      const picked = pick(value);
      if (picked !== undefined) finish(() => resolve(picked));
    });
    if (done) unsubscribe();
  });
}

const matches = (pattern: string | RegExp, text: string) =>
  typeof pattern === 'string' ? text === pattern : pattern.test(text);

/** A scripted step that needs a conversation, before there is one: a mistake in the test, said plainly. */
function noConversation(step: string): never {
  throw new Error(`[helpline/msw] agent.${step}: no conversation yet (accept one first, or pass its id)`);
}

/** A scripted visitor on `hub`, connected over the memory transport as `dev:visitor:<id>:<name>`. */
export function createScriptedVisitor(hub: Hub, id: string, name: string): ScriptedVisitor {
  const session = createVisitorSession({
    transport: createMemoryTransport({ hub }),
    token: `dev:visitor:${id}:${name}`,
    // Nothing of the test's visitor may land in the page's storage, where the widget under test keeps its own.
    storageKey: false,
    environment: null,
  });
  // A chat that is not over yet goes on with the next `say`.
  const isOpen = () => {
    const interaction = session.$interaction.get();
    return interaction !== undefined && phaseOf(interaction.channel, interaction.state) !== 'final';
  };
  // The pre-chat name is what consoles show as the customer's name.
  const startChat = (request: StartChatRequest = {}) =>
    session.startChat({ ...request, prechat: { name, ...request.prechat } });
  return {
    session,
    startChat,
    async say(text) {
      if (!isOpen()) await startChat();
      await session.sendMessage(text);
    },
    waitForMessage(text, timeoutMs = SCRIPT_TIMEOUT_MS) {
      return until(
        session.$messages,
        (messages) =>
          messages.find(
            (m) => (m.from.role === 'agent' || m.from.role === 'supervisor') && matches(text, m.text),
          ),
        `an agent's message ${String(text)}`,
        timeoutMs,
      );
    },
    end: () => session.endChat(),
  };
}

/** A scripted agent on `hub`, connected over the memory transport as `dev:agent:<id>:<name>`, without voice. */
export function createScriptedAgent(hub: Hub, id: string, name: string): ScriptedAgent {
  const session = createAgentSession({
    transport: createMemoryTransport({ hub }),
    token: `dev:agent:${id}:${name}`,
    voice: false,
    environment: null,
  });
  let current: string | undefined;
  const target = (step: string, cid: string | undefined) => cid ?? current ?? noConversation(step);
  const available = async () => {
    if (session.$presence.get().status !== 'available') await session.setPresence('available');
  };
  return {
    session,
    available,
    async accept(timeoutMs = SCRIPT_TIMEOUT_MS) {
      await available();
      const cid = await until(session.$offers, (offers) => Object.keys(offers)[0], 'an offer', timeoutMs);
      await session.accept(cid);
      current = cid;
      return cid;
    },
    say: (text, cid) => session.sendMessage(target('say', cid), text),
    waitForMessage(text, cid, timeoutMs = SCRIPT_TIMEOUT_MS) {
      const conversation = target('waitForMessage', cid);
      return until(
        session.$conversations,
        (all) => all[conversation]?.messages.find((m) => m.from.role === 'visitor' && matches(text, m.text)),
        `the customer's message ${String(text)}`,
        timeoutMs,
      );
    },
    end: (cid) => session.end(target('end', cid)),
    wrapUp: (input, cid) => session.wrapUp(target('wrapUp', cid), input),
  };
}
