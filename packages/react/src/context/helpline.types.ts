import type { AgentSession, CannedResponse, Queue, VisitorSession } from '@helpline/core';
import type { ReadableStore } from '../hooks/useStore';
import type { PartialCatalog } from '../i18n/en';
import type { SupervisorSessionLike } from '../supervisor/supervisor.types';
import type { CallController } from '../voice/call.types';

export type { CannedResponse } from '@helpline/core';

/** Canned responses per queue id. */
export type CannedResponses = Readonly<Record<string, readonly CannedResponse[]>>;

/**
 * Everything a {@link HelplineProvider} hands to the hooks and components below it. Sessions come from
 * `@helpline/core`. Queue configuration and canned responses come from the server (`queues.list`, which
 * `<AgentConsole>` and `<SupervisorBoard>` use by default) or as data here, which wins. Every field also takes
 * `undefined` (a session that is not there yet), also under `exactOptionalPropertyTypes`.
 */
export interface HelplineClients {
  /** An agent session (`createAgentSession`): presence, offers, interactions, conversations. */
  readonly agent?: AgentSession | undefined;
  /** A visitor session (`createVisitorSession`). */
  readonly visitor?: VisitorSession | undefined;
  /** A supervisor session: live board, KPIs, force presence, reassign. */
  readonly supervisor?: SupervisorSessionLike | undefined;
  /** The voice side of the agent session; without it `useCall()` is `idle`. */
  readonly voice?: CallController | undefined;
  /** Queue configuration: dispositions, ACW policy, SLA targets (the prefabs default to the server's). */
  readonly queues?: readonly Queue[] | undefined;
  /** Canned responses per queue id. */
  readonly cannedResponses?: CannedResponses | undefined;
  /**
   * Words for the sites' topics by id (the server config's `sites[].topics`, e.g. from
   * `GET /v1/sites/:site/config`): offers, the customer card and the board's topic chart show these. A topic
   * without a label is left out where it would show its id (the board's chart keeps the id: it has no other name).
   */
  readonly topics?: Readonly<Record<string, string>> | undefined;
  /** Epoch ms that timers (offer countdown, SLA, wrap-up) read; defaults to a clock ticking every second. */
  readonly clock?: ReadableStore<number> | undefined;
  /**
   * BCP 47 language of the console and the board: texts in `en`, `nl`, `zh-Hant`, `zh-Hans` or `ar` (the
   * nearest of these, else English; each loads on first use), numbers and dates in exactly this tag, and
   * `dir="rtl"` on the prefabs' root for Arabic. Default `en`.
   */
  readonly locale?: string | undefined;
  /** Text overrides over the language's catalog (see `consoleMessages` for the keys). */
  readonly messages?: PartialCatalog | undefined;
}
