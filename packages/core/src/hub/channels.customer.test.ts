import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runGuard } from '../protocol/protocol.guards';
import { id as idGuard } from '../protocol/protocol.guards.generated';
import { channelCustomerId } from './channels.customer';

const isProtocolId = (value: string) => runGuard(idGuard, value).ok;

describe('channelCustomerId', () => {
  it('gives protocol ids for email addresses, phone numbers and page-scoped ids', () => {
    for (const [channel, address] of [
      ['email', 'ann@customer.localhost'],
      ['email', 'o-brien+orders@example.co.uk'],
      ['sms', '+447700900000'],
      ['whatsapp', '447700900000'],
      ['messenger', '1254459154682919'],
    ] as const) {
      const id = channelCustomerId(channel, address);
      assert.ok(isProtocolId(id), `${id} is a protocol id`);
      assert.ok(id.startsWith(`${channel}:`));
    }
  });

  it('keeps digits-only addresses as they are (a Messenger reply is addressed by its id)', () => {
    assert.equal(channelCustomerId('messenger', '1254459154682919'), 'messenger:1254459154682919');
    assert.equal(channelCustomerId('sms', '+447700900000'), 'sms:-002b447700900000');
  });

  it('hashes an address too long for an id, the same way every time', () => {
    const long = `${'a'.repeat(70)}@example.com`;
    const id = channelCustomerId('email', long);
    assert.match(id, /^email::[0-9a-f]{16}$/);
    assert.equal(channelCustomerId('email', long), id);
    assert.notEqual(channelCustomerId('email', `b${long}`), id);
  });

  it('is always a protocol id, and two different short addresses never share one', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        const idA = channelCustomerId('email', a);
        assert.ok(isProtocolId(idA), idA);
        if (a !== b && idA.length <= 64 && !idA.startsWith('email::')) {
          assert.notEqual(channelCustomerId('email', b), idA);
        }
      }),
    );
  });
});
