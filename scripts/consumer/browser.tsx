// Consumer code for every public entry as a browser app writes it, type-checked from the packed tarballs under
// `moduleResolution` bundler and node16 with `exactOptionalPropertyTypes` (scripts/lib/consumer-check.mjs).
import {
  type AgentSession,
  createAgentSession,
  createSupervisorSession,
  createVisitorSession,
  createWebSocketTransport,
  type SupervisorSession,
  type VisitorSession,
} from '@helpline/core';
import { computeKpis } from '@helpline/core/metrics';
import { renderToDom } from '@helpline/core/render';
import { type CallSession, createCallSession, createWebRtcProvider } from '@helpline/core/voice';
import { defineHelplineWidget, type HelplineWidgetElement, type SiteConfig } from '@helpline/widget';
import '@helpline/widget/define';
import {
  AgentConsole,
  ConnectionStatus,
  HelplineProvider,
  Softphone,
  SupervisorBoard,
} from '@helpline/react';
import { useCall, usePresence } from '@helpline/react/hooks';
import type { ReactNode } from 'react';

const transport = createWebSocketTransport({ url: 'wss://help.example.com/v1/ws' });
export const agent: AgentSession = createAgentSession({ transport, token: () => fetchToken('agent') });
export const visitor: VisitorSession = createVisitorSession({ transport, token: 'visitor-token' });
// Possibly absent, as an app holds them while they are being created.
let supervisor: SupervisorSession | undefined;
let callSession: CallSession | undefined;

async function fetchToken(role: string): Promise<string> {
  const response = await fetch('/api/helpline-token', { method: 'POST', body: role });
  return ((await response.json()) as { token: string }).token;
}

export function startSupervisor(): void {
  supervisor = createSupervisorSession({ transport, token: 'supervisor-token' });
}

export function startCalls(): void {
  callSession = createCallSession({ connection: agent.connection, provider: createWebRtcProvider() });
}

export function Presence(): ReactNode {
  const presence = usePresence();
  const call = useCall();
  return (
    <p>
      {presence.status} {call.state}
    </p>
  );
}

// Props passed on from the app's own possibly-undefined values, under exactOptionalPropertyTypes.
export function Console({
  locale,
  escalationQueueId,
}: {
  locale?: string | undefined;
  escalationQueueId?: string | undefined;
}): ReactNode {
  return (
    <HelplineProvider agent={agent} voice={callSession} supervisor={supervisor} locale={locale}>
      <ConnectionStatus />
      <Presence />
      <Softphone />
      <AgentConsole escalationQueueId={escalationQueueId} />
      <SupervisorBoard />
    </HelplineProvider>
  );
}

export function widget(config: SiteConfig | undefined): HelplineWidgetElement {
  defineHelplineWidget();
  const element = document.createElement('helpline-widget');
  element.setAttribute('server', 'https://help.example.com');
  void config;
  return element;
}

export const kpis: typeof computeKpis = computeKpis;
export const render: typeof renderToDom = renderToDom;
