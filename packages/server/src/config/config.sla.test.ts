import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MESSAGING_SLA, messagingSlaPolicyOf } from '@helpline/core';
import { parseConfig } from './config';
import { issuesOf, TEST_SITE as site } from './config.testing';

describe('configuration: SLA targets of asynchronous conversations per queue', () => {
  it("defaults to each channel's targets: email 4 h / 24 h, the messaging apps 15 min / 8 h", () => {
    const { queues } = parseConfig({ queues: [{ id: 'support', name: 'Support' }], sites: [site] });
    const queue = queues[0];
    assert.ok(queue);
    assert.equal(queue.messagingSla, undefined);
    assert.deepEqual(messagingSlaPolicyOf(queue, 'email'), {
      firstResponseSeconds: 14_400,
      resolutionSeconds: 86_400,
    });
    assert.deepEqual(messagingSlaPolicyOf(queue, 'whatsapp'), {
      firstResponseSeconds: 900,
      resolutionSeconds: 28_800,
    });
  });

  it("takes a queue's own targets per channel; a target left out keeps the channel's default", () => {
    const { queues } = parseConfig({
      queues: [
        {
          id: 'vip',
          name: 'VIP',
          messagingSla: {
            email: { firstResponseSeconds: 3600 },
            sms: { firstResponseSeconds: 300, resolutionSeconds: 3600 },
          },
        },
      ],
      sites: [site],
    });
    assert.deepEqual(queues[0]?.messagingSla, {
      email: { firstResponseSeconds: 3600, resolutionSeconds: DEFAULT_MESSAGING_SLA.email.resolutionSeconds },
      sms: { firstResponseSeconds: 300, resolutionSeconds: 3600 },
    });
  });

  it('names the field and the rule of every bad target', () => {
    assert.deepEqual(
      issuesOf({
        queues: [
          { id: 'a', name: 'A', messagingSla: { email: { firstResponseSeconds: 0 } } },
          { id: 'b', name: 'B', messagingSla: { sms: { resolutionSeconds: 90.5 } } },
          { id: 'c', name: 'C', messagingSla: { fax: { firstResponseSeconds: 600 } } },
          { id: 'd', name: 'D', messagingSla: { email: { firstResponseSeconds: '4h' } } },
          { id: 'e', name: 'E', messagingSla: { whatsapp: { resolutionSeconds: 10_000_000 } } },
        ],
        sites: [site],
      }),
      [
        'config.queues[0].messagingSla.email.firstResponseSeconds: must be at least 60 (a minute)',
        'config.queues[1].messagingSla.sms.resolutionSeconds: must be a whole number of seconds',
        'config.queues[2].messagingSla.fax: is not a known setting',
        'config.queues[3].messagingSla.email.firstResponseSeconds: Invalid type: Expected number but received "4h"',
        'config.queues[4].messagingSla.whatsapp.resolutionSeconds: must be at most 7776000 (90 days)',
      ],
    );
    // A resolution due before the first response cannot be met; with a default on one side too.
    assert.deepEqual(
      issuesOf({
        queues: [
          {
            id: 'a',
            name: 'A',
            messagingSla: { sms: { firstResponseSeconds: 7200, resolutionSeconds: 3600 } },
          },
          { id: 'b', name: 'B', messagingSla: { messenger: { resolutionSeconds: 600 } } },
        ],
        sites: [site],
      }),
      [
        'config.queues[0].messagingSla.sms.resolutionSeconds: must not be shorter than the first-response target (7200 s)',
        'config.queues[1].messagingSla.messenger.resolutionSeconds: must not be shorter than the first-response target (900 s)',
      ],
    );
  });
});
