/**
 * `@helpline/core/msw`: test an app against Helpline with no server. {@link createHelplineMock} gives msw handlers
 * for the HTTP API and the WebSocket protocol, backed by the in-memory hub, with a scripted visitor and agent and
 * fault injection. Needs `msw` (2.6 or later 2.x), an optional peer dependency.
 *
 * @packageDocumentation
 */
export {
  createHelplineMock,
  type HelplineMock,
  type HelplineMockError,
  type HelplineMockOptions,
  type HelplineMockPrechatField,
  type HelplineMockSite,
} from './mock-server';
export { SCRIPT_TIMEOUT_MS, type ScriptedAgent, type ScriptedVisitor } from './scripted';
