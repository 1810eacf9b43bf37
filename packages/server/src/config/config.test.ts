import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseConfig } from './config';
import { issuesOf } from './config.testing';
import { DEV_CONFIG } from './dev.config';

const minimal = {
  queues: [{ id: 'support', name: 'Support' }],
  sites: [{ id: 'shop', origins: ['https://shop.example'] }],
};

describe('configuration', () => {
  it('accepts the dev demo and a minimal file, filling in defaults', () => {
    const dev = parseConfig(DEV_CONFIG);
    assert.deepEqual(
      dev.queues.map((q) => q.id),
      ['sales', 'support'],
    );
    assert.deepEqual(
      dev.queues.find((q) => q.id === 'support')?.cannedResponses?.map((c) => c.id),
      ['hello', 'order'],
    );
    assert.deepEqual(
      dev.agents.map((a) => [a.id, a.role]),
      [
        ['alice', 'agent'],
        ['bob', 'agent'],
        ['carol', 'agent'],
        ['tess', 'agent'],
        ['sam', 'supervisor'],
      ],
    );
    // Tess is the demo's team leader (docs/cases.md, "Escalation").
    assert.deepEqual(dev.agents.find((a) => a.id === 'tess')?.leads, ['sales', 'support']);
    const config = parseConfig(minimal);
    const [queue] = config.queues;
    assert.equal(queue?.offerTimeoutSeconds, 20);
    assert.deepEqual(queue?.acw, { kind: 'optional' });
    assert.equal(config.sites.get('shop')?.csat, true);
    assert.equal(config.file.limits.connectionsPerIp, 100);
  });

  it('refuses team leaders of unknown queues, and supervisors as team leaders', () => {
    const agents = [
      { id: 'tina', name: 'Tina', leads: ['nowhere'] },
      { id: 'sue', name: 'Sue', role: 'supervisor', leads: ['support'] },
    ];
    assert.throws(
      () => parseConfig({ ...minimal, agents }),
      (error: unknown) =>
        String(error).includes('config.agents[0].leads[0]: "nowhere" is not a queue') &&
        String(error).includes('config.agents[1].leads: supervisors act on every escalation already'),
    );
  });

  it("takes an agent's capacity per channel, the messaging channels included, with defaults for the rest", () => {
    const config = parseConfig({
      ...minimal,
      agents: [{ id: 'ann', name: 'Ann', capacity: { chat: 2, email: 12, whatsapp: 3 } }],
    });
    const capacity = config.agents[0]?.capacity;
    assert.deepEqual(
      { chat: capacity?.chat, email: capacity?.email, whatsapp: capacity?.whatsapp, sms: capacity?.sms },
      { chat: 2, email: 12, whatsapp: 3, sms: 5 },
    );
    assert.match(
      issuesOf({ ...minimal, agents: [{ id: 'ann', name: 'Ann', capacity: { email: -1 } }] }).join('\n'),
      /capacity\.email/,
    );
  });

  it('takes queue names, topics and pre-chat labels per language, and names a bad language tag', () => {
    const config = parseConfig({
      queues: [
        {
          id: 'billing',
          name: { en: 'Billing', nl: 'Facturatie', ar: 'الفواتير' },
          dispositions: [
            { id: 'paid', label: { en: 'Paid', nl: 'Betaald' }, resolved: true },
            { id: 'other', label: 'Other' },
          ],
        },
      ],
      sites: [
        {
          id: 'shop',
          origins: ['https://shop.example'],
          topics: [{ id: 'invoice', label: { en: 'My invoice', nl: 'Mijn factuur' }, queueId: 'billing' }],
          prechat: [{ name: 'name', label: { en: 'Your name', 'zh-Hant': '您的姓名' } }],
        },
      ],
    });
    const [queue] = config.queues;
    assert.equal(queue?.name, 'Billing', 'the default name is the English one');
    assert.deepEqual(queue?.names, { en: 'Billing', nl: 'Facturatie', ar: 'الفواتير' });
    assert.deepEqual(queue?.dispositions, [
      { id: 'paid', label: 'Paid', labels: { en: 'Paid', nl: 'Betaald' }, resolved: true },
      { id: 'other', label: 'Other', resolved: false },
    ]);
    assert.deepEqual(config.sites.get('shop')?.topics[0]?.label, { en: 'My invoice', nl: 'Mijn factuur' });
    assert.equal(parseConfig(minimal).queues[0]?.names, undefined);

    assert.deepEqual(
      issuesOf({
        queues: [{ id: 'billing', name: { en: 'Billing', 'zh-hant': '帳務', 'n l': 'x' } }],
        sites: [
          {
            id: 'shop',
            origins: ['https://shop.example'],
            topics: [{ id: 't', label: {}, queueId: 'billing' }],
          },
        ],
      }),
      [
        'config.queues[0].name.zh-hant: "zh-hant" is spelled "zh-Hant" as a BCP 47 language tag',
        'config.queues[0].name.n l: "n l" is not a BCP 47 language tag (like "en", "nl-BE" or "zh-Hant")',
        'config.sites[0].topics[0].label: must name at least one language',
      ],
    );
  });

  it('names the field path of every problem', () => {
    const issues = issuesOf({
      queues: [
        { id: 'sales', name: 'Sales' },
        {
          id: 'support',
          name: 'Support',
          priorty: 3,
          businessHours: { timeZone: 'Mars/Base', weekly: { '1': [{ open: '9:00', close: '17:00' }] } },
        },
      ],
      agents: [{ id: 'alice', name: 'Alice', queues: ['billing'], skills: { sales: 11 } }],
      sites: [{ id: 'shop', origins: ['shop.example'], topics: [{ id: 't', label: 'T', queueId: 'nope' }] }],
    });
    assert.deepEqual(issues, [
      'config.queues[1].businessHours.timeZone: "Mars/Base" is not an IANA time zone',
      'config.queues[1].businessHours.weekly.1[0].open: must be HH:MM (00:00–24:00)',
      'config.queues[1].priorty: is not a known setting',
      'config.agents[0].skills.sales: must be at most 10',
      'config.sites[0].origins[0]: "shop.example" is not an origin like https://shop.example or http://localhost:*',
    ]);
  });

  it('checks references and uniqueness across sections', () => {
    const issues = issuesOf({
      queues: [
        {
          id: 'support',
          name: 'Support',
          dispositionRequired: true,
          overflow: { afterSeconds: 60, queueId: 'x' },
          cannedResponses: [
            { id: 'hi', label: 'Hi', text: 'Hello {customer.name}' },
            { id: 'hi', label: 'Hi again', text: 'Hello again' },
          ],
        },
        { id: 'support', name: 'Again' },
      ],
      agents: [{ id: 'alice', name: 'Alice', queues: ['billing'] }],
      sites: [{ id: 'shop', origins: [], topics: [{ id: 't', label: 'T', queueId: 'nope' }], identity: {} }],
    });
    assert.deepEqual(issues, [
      'config.queues[0].id: "support" is used more than once',
      'config.queues[1].id: "support" is used more than once',
      'config.queues[0].overflow.queueId: "x" is not a queue',
      'config.queues[0].dispositions: must not be empty when dispositionRequired is true',
      'config.queues[0].cannedResponses: "hi" is used more than once',
      'config.agents[0].queues[0]: "billing" is not a queue',
      'config.sites[0].topics[0].queueId: "nope" is not a queue',
      'config.sites[0].identity: needs secretEnv or jwksUrl',
    ]);
  });

  it('validates routing rules at start, naming the field', () => {
    assert.deepEqual(
      issuesOf({
        ...minimal,
        routing: {
          rules: [
            { name: 'VIP callers', when: { callerIn: ['0612345678'] }, set: { priority: 10 } },
            { name: 'Belgium', when: { country: ['be'] }, set: { queueId: 'benelux' } },
            { name: 'Nothing', when: {}, set: {} },
          ],
          countryHeader: 'CF-IPCountry',
        },
      }),
      [
        'config.routing.rules[0].when.callerIn[0]: is not an E.164 number',
        'config.routing.rules[1].when.country[0]: must be an ISO 3166-1 alpha-2 code (upper case)',
        'config.routing.countryHeader: must be a lower-case header name',
      ],
    );
    assert.deepEqual(
      issuesOf({
        ...minimal,
        routing: {
          rules: [
            { name: 'Belgium', when: { country: ['BE'] }, set: { queueId: 'benelux' } },
            { name: 'Nothing', when: {}, set: {} },
          ],
        },
      }),
      [
        'config.routing.rules[0].set.queueId: "benelux" is not a queue',
        'config.routing.rules[1].set: must set priority, skills or queueId',
      ],
    );
  });

  it('reports missing sections, unreadable files and broken JSON', () => {
    assert.deepEqual(issuesOf({}), ['config.queues: is required', 'config.sites: is required']);
    const dir = mkdtempSync(join(tmpdir(), 'helpline-config-'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "queues": [');
    assert.throws(() => loadConfig(broken), /is not valid JSON/);
    assert.throws(() => loadConfig(join(dir, 'missing.json')), /cannot read .*missing\.json \(ENOENT\)/);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(minimal));
    assert.equal(loadConfig(good).queues.length, 1);
  });
});
