// Consumer code for `@helpline/core/msw` as an app's tests write it (msw is the app's dev dependency, an optional
// peer of core), type-checked from the packed tarballs (scripts/lib/consumer-check.mjs).
import { createAgentSession, createWebSocketTransport, HelplineError } from '@helpline/core';
import { createHelplineMock, type HelplineMock } from '@helpline/core/msw';
import { setupWorker } from 'msw/browser';
import { setupServer } from 'msw/node';

export async function mockedServerInThePage(): Promise<HelplineMock> {
  const helpline = createHelplineMock({
    url: 'https://helpline.test',
    sites: [
      {
        id: 'shop',
        languages: ['en', 'nl'],
        topics: [{ id: 'billing', label: 'Billing', queueId: 'support' }],
      },
    ],
  });
  const worker = setupWorker(...helpline.handlers);
  await worker.start({ quiet: true, onUnhandledRequest: 'bypass' });
  const agent = createAgentSession({
    transport: createWebSocketTransport({ url: helpline.socketUrl }),
    token: helpline.devToken('agent', 'alice', 'Alice'),
  });
  await agent.setPresence('available');
  await helpline.visitor.say('Hello?');
  helpline.refuseHello('auth/token-expired');
  await helpline.failNext(
    'message.send',
    new HelplineError('limit/rate', 'Slow down.', { retryAfterMs: 1000 }),
  );
  return helpline;
}

export function mockedServerInNode(): () => void {
  const helpline = createHelplineMock();
  const server = setupServer(...helpline.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  return () => {
    helpline.close();
    server.close();
  };
}
