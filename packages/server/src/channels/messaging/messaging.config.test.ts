import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { parseConfig } from '../../config/config';
import { TEST_CONFIG } from '../../testing/harness';
import { checkMessagingConfig, type MessagingConfigInput, messagingConfigSchema } from './messaging.config';

const QUEUES = new Set(['support', 'sales']);
const VALID: MessagingConfigInput = {
  applicationId: '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b',
  privateKeyEnv: 'VONAGE_PRIVATE_KEY',
  senders: [
    { channel: 'sms', id: '+14155550100', queueId: 'support' },
    {
      channel: 'whatsapp',
      id: '+14155550101',
      queueId: 'support',
      templates: [{ name: 'follow_up', locale: 'en_US', label: 'Follow up', parameters: ['name'] }],
    },
    { channel: 'messenger', id: '107083064136738', queueId: 'sales' },
  ],
};

function issuesOf(input: unknown): string[] {
  const parsed = v.safeParse(messagingConfigSchema, input);
  if (!parsed.success) return parsed.issues.map((issue) => `${v.getDotPath(issue)}: ${issue.message}`);
  return checkMessagingConfig(parsed.output, QUEUES);
}

describe('messaging configuration', () => {
  it('takes senders of the three channels with their queues, and fills the defaults', () => {
    const parsed = v.parse(messagingConfigSchema, VALID);
    assert.deepEqual(checkMessagingConfig(parsed, QUEUES), []);
    assert.equal(parsed.signatureSecretEnv, 'VONAGE_SIGNATURE_SECRET');
    assert.equal(parsed.apiHost, 'https://api.nexmo.com');
    assert.equal(parsed.smsMaxSegments, 6);
  });

  it('names each wrong field', () => {
    const wrong = (change: Record<string, unknown>) => issuesOf({ ...VALID, ...change });
    assert.match(
      wrong({ senders: [{ channel: 'sms', id: '4155550100', queueId: 'support' }] }).join(),
      /E\.164/,
    );
    assert.match(
      wrong({ senders: [{ channel: 'messenger', id: 'my-page', queueId: 'support' }] }).join(),
      /page id/,
    );
    assert.match(wrong({ senders: [{ channel: 'viber', id: '1', queueId: 'support' }] }).join(), /channel/);
    assert.match(wrong({ senders: [] }).join(), /at least one sender/);
    assert.match(wrong({ applicationId: 'app' }).join(), /application id/);
    assert.match(wrong({ signatureSecretEnv: 'secret' }).join(), /environment variable/);
    assert.match(wrong({ apiHost: 'http://api.nexmo.com' }).join(), /https/);
  });

  it('checks credentials, queues, repeated senders and templates', () => {
    const wrong = (change: Record<string, unknown>) => issuesOf({ ...VALID, ...change });
    assert.deepEqual(wrong({ privateKeyEnv: undefined }), [
      'config.messaging: needs the application key (privateKeyPath or privateKeyEnv) or apiKeyEnv and apiSecretEnv, not both',
    ]);
    assert.match(
      wrong({ apiKeyEnv: 'VONAGE_API_KEY', apiSecretEnv: 'VONAGE_API_SECRET' }).join(),
      /not both/,
    );
    assert.deepEqual(wrong({ privateKeyEnv: undefined, apiKeyEnv: 'VONAGE_API_KEY' }), [
      'config.messaging: apiKeyEnv and apiSecretEnv go together',
    ]);
    assert.deepEqual(
      wrong({
        senders: [
          { channel: 'sms', id: '+14155550100', queueId: 'billing' },
          { channel: 'sms', id: '+14155550100', queueId: 'billing' },
          { channel: 'whatsapp', id: '+14155550100', queueId: 'support' },
          {
            channel: 'whatsapp',
            id: '+14155550101',
            queueId: 'support',
            templates: [
              { name: 'a', locale: 'en', label: 'A', queueIds: ['nope'] },
              { name: 'a', locale: 'en', label: 'A again' },
            ],
          },
        ],
      }),
      [
        'config.messaging.senders[0].queueId: "billing" is not a queue',
        'config.messaging.senders[1].queueId: "billing" is not a queue',
        'config.messaging.senders[1].id: sms sender "+14155550100" is listed twice',
        'config.messaging.senders[2].queueId: "+14155550100" already feeds "billing" on another channel; one address feeds one queue',
        'config.messaging.senders[3].templates[0].queueIds[0]: "nope" is not a queue',
        'config.messaging.senders[3].templates[1]: "a/en" is listed twice',
      ],
    );
  });
});

describe('the messaging section in the server configuration', () => {
  it('is checked with the rest of the file, against its queues', () => {
    const config = parseConfig({ ...TEST_CONFIG, messaging: VALID });
    assert.equal(config.file.messaging?.senders.length, 3);
    assert.throws(
      () =>
        parseConfig({
          ...TEST_CONFIG,
          messaging: { ...VALID, senders: [{ channel: 'sms', id: '+14155550100', queueId: 'nope' }] },
        }),
      /config\.messaging\.senders\[0\]\.queueId: "nope" is not a queue/,
    );
  });
});
