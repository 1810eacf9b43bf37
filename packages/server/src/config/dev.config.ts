import type { ConfigInput } from './config.schema';

/**
 * The demo configuration `helpline serve --dev` runs with: queues `sales` and `support`, agents alice, bob and
 * carol, supervisor sam, one site `demo` open to localhost. Business hours are set but every day is open
 * around the clock, so the demo always answers.
 */
export const DEV_CONFIG: ConfigInput = {
  queues: [
    {
      id: 'sales',
      name: 'Sales',
      priority: 2,
      slaTargetSeconds: 20,
      skills: [{ skill: 'sales', minLevel: 1 }],
      businessHours: {
        timeZone: 'UTC',
        weekly: Object.fromEntries(
          ['1', '2', '3', '4', '5', '6', '7'].map((day) => [day, [{ open: '00:00', close: '24:00' }]]),
        ),
      },
      closedAlternative: 'callback',
      acw: { kind: 'optional' },
      dispositions: [
        { id: 'sold', label: 'Sold', resolved: true },
        { id: 'quote-sent', label: 'Quote sent', resolved: false },
      ],
      offerTimeoutSeconds: 30,
      cannedResponses: [
        { id: 'hello', label: 'Greeting', text: 'Hi {customer.name}, I am {agent.name}. How can I help?' },
        { id: 'shipping', label: 'Shipping', text: 'Orders ship within two working days, free above € 50.' },
      ],
      // After the rating, "How likely are you to recommend us…" (0–10); answers within 24 hours.
      survey: { nps: true },
    },
    {
      id: 'support',
      name: 'Support',
      priority: 1,
      slaTargetSeconds: 30,
      skills: [{ skill: 'support', minLevel: 1 }],
      businessHours: {
        timeZone: 'UTC',
        weekly: Object.fromEntries(
          ['1', '2', '3', '4', '5', '6', '7'].map((day) => [day, [{ open: '00:00', close: '24:00' }]]),
        ),
      },
      closedAlternative: 'offline-message',
      acw: { kind: 'required' },
      dispositions: [
        { id: 'resolved', label: 'Resolved', resolved: true },
        { id: 'follow-up', label: 'Needs follow-up', resolved: false },
      ],
      dispositionRequired: true,
      offerTimeoutSeconds: 30,
      overflow: { afterSeconds: 120, queueId: 'sales' },
      cannedResponses: [
        { id: 'hello', label: 'Greeting', text: 'Hi {customer.name}, I am {agent.name} from support.' },
        { id: 'order', label: 'Order number', text: 'Could you give me your order number?' },
      ],
      survey: { nps: true },
    },
  ],
  agents: [
    { id: 'alice', name: 'Alice', skills: { sales: 5, support: 8 }, languages: ['en', 'nl'] },
    { id: 'bob', name: 'Bob', skills: { support: 6 }, languages: ['en'], queues: ['support'] },
    { id: 'carol', name: 'Carol', skills: { sales: 9 }, languages: ['en', 'de'], queues: ['sales'] },
    { id: 'sam', name: 'Sam', role: 'supervisor', skills: { sales: 5, support: 5 }, languages: ['en'] },
  ],
  sites: [
    {
      id: 'demo',
      name: 'Helpline demo shop',
      origins: ['http://localhost:*', 'http://127.0.0.1:*'],
      theme: { accent: '#0b6bcb' },
      languages: ['en', 'nl', 'de'],
      topics: [
        { id: 'sales', label: 'Buying something', queueId: 'sales' },
        { id: 'support', label: 'Help with an order', queueId: 'support' },
      ],
      prechat: [
        { name: 'name', label: 'Your name', required: true },
        { name: 'email', label: 'Email', type: 'email' },
      ],
      csat: true,
    },
  ],
  consoleOrigins: ['http://localhost:*', 'http://127.0.0.1:*'],
};
