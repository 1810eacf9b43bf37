import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SURVEY } from '@helpline/core';
import { parseConfig } from './config';
import { issuesOf, TEST_SITE as site } from './config.testing';

const vonage = {
  applicationId: '6f1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b',
  privateKeyEnv: 'VONAGE_PRIVATE_KEY',
  webhookBaseUrl: 'https://helpline.example',
  numbers: [{ number: '+14155550100' }],
};

describe('configuration: surveys per queue', () => {
  it('defaults to CSAT only, answered within 24 hours, nothing on the keypad', () => {
    const { queues } = parseConfig({ queues: [{ id: 'support', name: 'Support' }], sites: [site] });
    assert.deepEqual(queues[0]?.survey, DEFAULT_SURVEY);
  });

  it('takes NPS, a window and the keypad survey (with Vonage)', () => {
    const { queues } = parseConfig({
      queues: [{ id: 'support', name: 'Support', survey: { nps: true, windowHours: 72, keypad: true } }],
      sites: [site],
      vonage,
    });
    assert.deepEqual(queues[0]?.survey, { csat: true, nps: true, windowHours: 72, keypad: true });
  });

  it('names the field of every bad survey setting', () => {
    const issues = issuesOf({
      queues: [
        { id: 'a', name: 'A', survey: { csat: false, nps: true } },
        { id: 'b', name: 'B', survey: { keypad: true } },
        { id: 'c', name: 'C', survey: { windowHours: 0 } },
        { id: 'd', name: 'D', survey: { windowHours: 1.5 } },
        { id: 'e', name: 'E', survey: { npss: true } },
      ],
      sites: [site],
    });
    assert.deepEqual(issues, [
      'config.queues[2].survey.windowHours: must be at least 1',
      'config.queues[3].survey.windowHours: must be a whole number',
      'config.queues[4].survey.npss: is not a known setting',
    ]);
    assert.deepEqual(
      issuesOf({
        queues: [
          { id: 'a', name: 'A', survey: { csat: false, nps: true } },
          { id: 'b', name: 'B', survey: { keypad: true } },
          { id: 'k', name: 'K', survey: { csat: false, keypad: true } },
        ],
        sites: [site],
      }),
      [
        'config.queues[0].survey.nps: needs survey.csat (NPS is asked after the rating)',
        'config.queues[1].survey.keypad: needs the vonage section (phone callers answer through Vonage)',
        'config.queues[2].survey.keypad: needs survey.csat (the keypad survey starts with the rating)',
        'config.queues[2].survey.keypad: needs the vonage section (phone callers answer through Vonage)',
      ],
    );
  });
});
