'use client';
import type { ChatMessage } from '@helpline/core';
import { useClient } from '../context/HelplineContext';
import { useStore } from './useStore';

/** The messages of one conversation, who is typing, what the customer has read, and the chat actions. */
export interface MessagesView {
  /** Confirmed messages in `seq` order, then pending ones. */
  readonly messages: readonly ChatMessage[];
  /** The agent's own id, to tell "mine" from "theirs". */
  readonly me: string | undefined;
  /** The customer is typing. */
  readonly typing: boolean;
  /** Highest `seq` the customer has read (0 when none): a message of mine with `seq` ≤ this is read. */
  readonly readByCustomerUpTo: number;
  send(text: string): Promise<void>;
  setTyping(typing: boolean): Promise<void>;
  /** Marks everything up to the last message read by the agent. */
  markRead(): Promise<void>;
  /** Props for the message list: a polite live log of additions. */
  getLogProps(): { role: 'log'; 'aria-live': 'polite'; 'aria-relevant': 'additions' };
}

const LOG_PROPS = { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' } as const;

/**
 * The messages of conversation `id` with typing and read state, and the actions to write in it.
 *
 * @example
 * ```tsx
 * const { messages, send, getLogProps } = useMessages(cid);
 * <ol {...getLogProps()}>{messages.map((m) => <li key={m.key}>{m.text}</li>)}</ol>
 * ```
 */
export function useMessages(id: string): MessagesView {
  const agent = useClient('agent');
  const conversation = useStore(agent.$conversations)[id];
  const typing = useStore(agent.$typing)[id] === true;
  const me = useStore(agent.connection.$subject)?.id;
  const customer = conversation?.interaction?.customer.id ?? '';
  return {
    messages: conversation?.messages ?? [],
    me,
    typing,
    readByCustomerUpTo: conversation?.readUpTo[customer] ?? 0,
    send: (text) => agent.sendMessage(id, text),
    setTyping: (value) => agent.setTyping(id, value),
    markRead: () => agent.markRead(id),
    getLogProps: () => LOG_PROPS,
  };
}
