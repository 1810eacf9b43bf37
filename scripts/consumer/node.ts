// Consumer code for the Node-side entries, type-checked from the packed tarballs with and without the DOM lib
// (scripts/lib/consumer-check.mjs). It is compiled, not run; run.mjs is the script that runs.
import {
  type AgentSession,
  createAgentSession,
  createWebSocketTransport,
  type WebSocketConstructor,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { erlangC, trafficErlangs } from '@helpline/core/metrics';
import { isOpen } from '@helpline/core/queue';
import type { createRouter } from '@helpline/core/routing';
import { supportQueue, testAgent } from '@helpline/core/testing';
import {
  createHelplineHandler,
  DEV_CONFIG,
  type HelplineHandler,
  type HelplineServer,
  parseConfig,
  startServer,
} from '@helpline/server';
import { WebSocket } from 'ws';

export function memoryHub(): Hub {
  return createHub({ queues: [supportQueue], agents: [testAgent('alice')], authenticate: devAuthenticate });
}

export function agentOverMemory(hub: Hub): AgentSession {
  return createAgentSession({ transport: createMemoryTransport({ hub }), token: 'dev:agent:alice:Alice' });
}

export function agentOverSocket(url: string, token: string): AgentSession {
  const transport = createWebSocketTransport({ url, WebSocketImpl: WebSocket as WebSocketConstructor });
  return createAgentSession({ transport, token, voice: false });
}

export async function devServer(): Promise<HelplineServer> {
  return startServer({
    config: parseConfig(DEV_CONFIG),
    storage: { kind: 'pglite', dataDir: 'memory://' },
    port: 0,
    dev: true,
  });
}

export async function mounted(basePath: string | undefined): Promise<HelplineHandler> {
  return createHelplineHandler({
    config: parseConfig(DEV_CONFIG),
    storage: { kind: 'pglite', dataDir: 'memory://' },
    basePath,
  });
}

export const waitProbability: number = erlangC(6, trafficErlangs(60, 300));
export const router: ReturnType<typeof createRouter> | undefined = undefined;
export const openNow: typeof isOpen = isOpen;
