import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, parseConfig } from '../config/config';
import { TEST_CONFIG } from '../testing/harness';

const base = {
  applicationId: '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b',
  privateKeyEnv: 'VONAGE_PRIVATE_KEY',
  webhookBaseUrl: 'https://help.example',
  numbers: [{ number: '+14155550100' }],
};

function issuesOf(vonage: Record<string, unknown>): readonly string[] {
  try {
    parseConfig({ ...TEST_CONFIG, vonage });
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
}

describe('vonage config section', () => {
  it('applies the defaults', () => {
    const vonage = parseConfig({ ...TEST_CONFIG, vonage: base }).file.vonage;
    assert.equal(vonage?.apiBaseUrl, 'https://api.nexmo.com');
    assert.equal(vonage?.signatureSecretEnv, 'VONAGE_SIGNATURE_SECRET');
    assert.equal(vonage?.tokenTtlSeconds, 900);
    assert.equal(vonage?.visitorCalls, 'all');
    assert.equal(vonage?.announcements.position, 'You are number {position} in line.');
  });

  it('names each bad field by its path', () => {
    assert.deepEqual(issuesOf({ ...base, applicationId: 'app' }), [
      'config.vonage.applicationId: must be the application id (a UUID)',
    ]);
    assert.deepEqual(issuesOf({ ...base, numbers: [{ number: '4155550100' }] }), [
      'config.vonage.numbers[0].number: must be an E.164 number like +14155550100',
    ]);
    assert.deepEqual(issuesOf({ ...base, webhookBaseUrl: 'http://help.example' }), [
      'config.vonage.webhookBaseUrl: "http://help.example" must be an https URL (http only for localhost)',
    ]);
    assert.deepEqual(issuesOf({ ...base, privateKey: 'inline' }), [
      'config.vonage.privateKey: is not a known setting',
    ]);
  });

  it('checks references to queues, menu keys and the key source', () => {
    const issues = issuesOf({
      ...base,
      privateKeyPath: './private.key',
      numbers: [
        {
          number: '+14155550100',
          queueId: 'nope',
          menu: {
            prompt: 'Press 1',
            options: [
              { digit: '1', queueId: 'sales', label: 'Sales' },
              { digit: '1', queueId: 'gone', label: 'Gone' },
            ],
          },
        },
        { number: '+14155550100' },
      ],
    });
    assert.deepEqual(issues, [
      'config.vonage: needs exactly one of privateKeyPath or privateKeyEnv',
      'config.vonage.numbers[0].queueId: "nope" is not a queue',
      'config.vonage.numbers[0].menu.options[1].queueId: "gone" is not a queue',
      'config.vonage.numbers[0].menu.options[1].digit: "1" is used twice',
      'config.vonage.numbers: a number is listed twice',
    ]);
  });
});

describe('examples/vonage', () => {
  it('the configuration template is valid', () => {
    const path = fileURLToPath(new URL('../../../../examples/vonage/helpline.config.json', import.meta.url));
    const config = loadConfig(path);
    assert.equal(config.file.vonage?.numbers.length, 2);
    assert.equal(config.file.vonage?.privateKeyPath, './secrets/private.key');
  });
});
