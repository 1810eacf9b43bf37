import type { ConfigInput } from './config.schema';

/**
 * The demo configuration `helpline serve --dev` runs with: queues `sales` and `support`, agents alice, bob, carol and
 * tess (team leader of both queues), supervisor sam, one site `demo` open to localhost. Business hours are set but
 * every day is open around the clock, so the demo always answers.
 */
export const DEV_CONFIG: ConfigInput = {
  queues: [
    {
      id: 'sales',
      name: { en: 'Sales', nl: 'Verkoop', 'zh-Hant': '銷售', 'zh-Hans': '销售', ar: 'المبيعات' },
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
        {
          id: 'sold',
          label: { en: 'Sold', nl: 'Verkocht', 'zh-Hant': '已成交', 'zh-Hans': '已成交', ar: 'تم البيع' },
          resolved: true,
        },
        {
          id: 'quote-sent',
          label: {
            en: 'Quote sent',
            nl: 'Offerte verstuurd',
            'zh-Hant': '已寄出報價',
            'zh-Hans': '已发送报价',
            ar: 'أُرسل عرض السعر',
          },
          resolved: false,
        },
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
      name: {
        en: 'Support',
        nl: 'Klantenservice',
        'zh-Hant': '客戶支援',
        'zh-Hans': '客户支持',
        ar: 'الدعم',
      },
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
        {
          id: 'resolved',
          label: { en: 'Resolved', nl: 'Opgelost', 'zh-Hant': '已解決', 'zh-Hans': '已解决', ar: 'تم الحل' },
          resolved: true,
        },
        {
          id: 'follow-up',
          label: {
            en: 'Needs follow-up',
            nl: 'Opvolging nodig',
            'zh-Hant': '需要後續處理',
            'zh-Hans': '需要后续跟进',
            ar: 'يحتاج إلى متابعة',
          },
          resolved: false,
        },
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
    // Routing matches the visitor's language, so the demo speaks every language its widget ships.
    { id: 'alice', name: 'Alice', skills: { sales: 5, support: 8 }, languages: ['en', 'nl', 'zh', 'ar'] },
    { id: 'bob', name: 'Bob', skills: { support: 6 }, languages: ['en', 'zh'], queues: ['support'] },
    { id: 'carol', name: 'Carol', skills: { sales: 9 }, languages: ['en', 'de', 'ar'], queues: ['sales'] },
    // The team leader of both queues: Alice's and the others' escalations are offered to her (docs/cases.md).
    {
      id: 'tess',
      name: 'Tess',
      skills: { sales: 7, support: 9 },
      languages: ['en', 'nl'],
      queues: ['sales', 'support'],
      leads: ['sales', 'support'],
    },
    { id: 'sam', name: 'Sam', role: 'supervisor', skills: { sales: 5, support: 5 }, languages: ['en'] },
  ],
  sites: [
    {
      id: 'demo',
      name: 'Helpline demo shop',
      origins: ['http://localhost:*', 'http://127.0.0.1:*'],
      theme: { accent: '#0b6bcb' },
      // The languages the widget and the console ship; topics and labels in each of them.
      languages: ['en', 'nl', 'zh-Hant', 'zh-Hans', 'ar'],
      topics: [
        {
          id: 'sales',
          label: {
            en: 'Buying something',
            nl: 'Iets kopen',
            'zh-Hant': '購買商品',
            'zh-Hans': '购买商品',
            ar: 'شراء منتج',
          },
          queueId: 'sales',
        },
        {
          id: 'support',
          label: {
            en: 'Help with an order',
            nl: 'Hulp bij een bestelling',
            'zh-Hant': '訂單協助',
            'zh-Hans': '订单帮助',
            ar: 'مساعدة بشأن طلب',
          },
          queueId: 'support',
        },
      ],
      prechat: [
        {
          name: 'name',
          label: { en: 'Your name', nl: 'Je naam', 'zh-Hant': '您的姓名', 'zh-Hans': '您的姓名', ar: 'اسمك' },
          required: true,
        },
        {
          name: 'email',
          label: {
            en: 'Email',
            nl: 'E-mail',
            'zh-Hant': '電子郵件',
            'zh-Hans': '电子邮件',
            ar: 'البريد الإلكتروني',
          },
          type: 'email',
        },
      ],
      csat: true,
    },
  ],
  consoleOrigins: ['http://localhost:*', 'http://127.0.0.1:*'],
  // Click-to-dial from the CRM: without a `vonage` section the calls are simulated (the console says so). Calling
  // hours are off so the demo dials at any hour (production default: 08:00–21:00 in the customer's zone); one of the
  // CRM's customers is on the do-not-call list, to show a refusal.
  outbound: {
    callerId: '+442079460000',
    defaultRegion: 'GB',
    callingHours: false,
    doNotCall: ['+442079460999'],
  },
};
