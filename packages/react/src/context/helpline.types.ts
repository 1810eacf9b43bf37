import type { AgentSession, Queue, VisitorSession } from '@helpline/core';
import type { ReadableStore } from '../hooks/useStore';
import type { PartialCatalog } from '../i18n/en';
import type { SupervisorSessionLike } from '../supervisor/supervisor.types';
import type { CallController } from '../voice/call.types';

/** A prepared answer an agent can insert; `text` may hold placeholders such as `{customer.name}`. */
export interface CannedResponse {
  readonly id: string;
  readonly label: string;
  readonly text: string;
}

/** Canned responses per queue id. */
export type CannedResponses = Readonly<Record<string, readonly CannedResponse[]>>;

/**
 * Everything a {@link HelplineProvider} hands to the hooks and components below it. Sessions come from
 * `@helpline/core`; configuration that has no server endpoint yet (queues, canned responses) comes as data.
 */
export interface HelplineClients {
  /** An agent session (`createAgentSession`): presence, offers, interactions, conversations. */
  readonly agent?: AgentSession;
  /** A visitor session (`createVisitorSession`). */
  readonly visitor?: VisitorSession;
  /** A supervisor session: live board, KPIs, force presence, reassign. */
  readonly supervisor?: SupervisorSessionLike;
  /** The voice side of the agent session; without it `useCall()` is `idle`. */
  readonly voice?: CallController;
  /** Queue configuration: dispositions, ACW policy, SLA targets. */
  readonly queues?: readonly Queue[];
  /** Canned responses per queue id. */
  readonly cannedResponses?: CannedResponses;
  /** Epoch ms that timers (offer countdown, SLA, wrap-up) read; defaults to a clock ticking every second. */
  readonly clock?: ReadableStore<number>;
  /** BCP 47 language for numbers and dates. Default `en`. */
  readonly locale?: string;
  /** Text overrides over the English catalog (see `consoleMessages`). */
  readonly messages?: PartialCatalog;
}
