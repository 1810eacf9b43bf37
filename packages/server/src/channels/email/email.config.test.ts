import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../config/config';
import { EmailConfigError, emailAddresses, resolveMailboxes } from './email.config';

const mailbox = {
  id: 'support',
  address: 'Support@Shop.example',
  queueId: 'support',
  imap: { host: 'imap.shop.example', user: 'support@shop.example', passwordEnv: 'SUPPORT_IMAP_PASSWORD' },
  smtp: { host: 'smtp.shop.example', user: 'support@shop.example', passwordEnv: 'SUPPORT_SMTP_PASSWORD' },
};
const file = (email: unknown) => ({
  queues: [{ id: 'support', name: 'Support' }],
  sites: [{ id: 'shop', origins: ['https://shop.example'] }],
  email,
});

function issuesOf(input: unknown): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

describe('the email configuration', () => {
  it('fill in the defaults of a mailbox (IMAP on 993 with TLS, SMTP on 587 with STARTTLS, INBOX)', () => {
    const email = parseConfig(file({ mailboxes: [mailbox] })).file.email;
    assert.equal(email?.mailboxes[0]?.imap?.port, 993);
    assert.equal(email?.mailboxes[0]?.imap?.secure, true);
    assert.equal(email?.mailboxes[0]?.imap?.folder, 'INBOX');
    assert.equal(email?.mailboxes[0]?.smtp.port, 587);
    assert.equal(email?.mailboxes[0]?.smtp.secure, false);
    assert.deepEqual(emailAddresses(email ?? { mailboxes: [], retry: {} }), {
      'support@shop.example': 'support',
    });
  });

  it('name the field and the rule of every mistake', () => {
    const issues = issuesOf(
      file({
        mailboxes: [
          { ...mailbox, address: 'support+x@shop.example', imap: { ...mailbox.imap, passwordEnv: 'lower' } },
          { ...mailbox, queueId: 'nowhere', smtp: { host: 'smtp.shop.example', user: 'x' } },
        ],
      }),
    );
    assert.ok(
      issues.some((issue) => /mailboxes\[0\]\.address.*without a \+tag/.test(issue)),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((issue) => /passwordEnv.*environment variable name/.test(issue)),
      issues.join('\n'),
    );
    const crossIssues = issuesOf(
      file({
        mailboxes: [
          mailbox,
          { ...mailbox, queueId: 'nowhere', smtp: { host: 'smtp.shop.example', user: 'x' } },
        ],
      }),
    );
    assert.deepEqual(crossIssues, [
      'config.email.mailboxes[1].id: "support" is used by another mailbox',
      'config.email.mailboxes[1].address: "Support@Shop.example" is used by another mailbox',
      'config.email.mailboxes[1].queueId: no queue "nowhere"',
      'config.email.mailboxes[1].smtp.passwordEnv: needed with smtp.user (the variable holding its password)',
    ]);
  });

  it('take the grace period of "continue by email" in whole seconds, two minutes unless set', () => {
    assert.equal(parseConfig(file({ mailboxes: [mailbox] })).file.email?.continueGraceSeconds, 120);
    assert.equal(
      parseConfig(file({ mailboxes: [mailbox], continueGraceSeconds: 30 })).file.email?.continueGraceSeconds,
      30,
    );
    for (const [value, rule] of [
      [0, 'at least 1'],
      [1.5, 'whole number'],
      [86_401, 'at most 86400'],
      ['120', 'number'],
    ] as const) {
      const issues = issuesOf(file({ mailboxes: [mailbox], continueGraceSeconds: value }));
      assert.ok(
        issues.some(
          (issue) => issue.startsWith('config.email.continueGraceSeconds:') && issue.includes(rule),
        ),
        issues.join('\n'),
      );
    }
  });

  it('refuse to start with a password variable unset, naming it and never a value', () => {
    const email = parseConfig(file({ mailboxes: [mailbox] })).file.email;
    assert.ok(email);
    assert.throws(
      () => resolveMailboxes(email, { SUPPORT_IMAP_PASSWORD: 'secret-1' }),
      (error: unknown) =>
        error instanceof EmailConfigError &&
        error.issues.length === 1 &&
        /SUPPORT_SMTP_PASSWORD is not set/.test(error.message) &&
        !error.message.includes('secret-1'),
    );
    const [resolved] = resolveMailboxes(email, { SUPPORT_IMAP_PASSWORD: 'a', SUPPORT_SMTP_PASSWORD: 'b' });
    assert.equal(resolved?.imapPassword, 'a');
    assert.equal(resolved?.smtpPassword, 'b');
  });
});
