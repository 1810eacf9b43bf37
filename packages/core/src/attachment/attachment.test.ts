import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { validateCommandArgs } from '../protocol/protocol.commands';
import { DEFAULT_ATTACHMENT_POLICY } from './attachment.limits';
import { attachmentRefusal, cleanFileName, formatBytes, isTypeAllowed } from './attachment.policy';
import { imageSize, resolveType, sniffType, typesAgree } from './attachment.sniff';
import type { AttachmentPolicy } from './attachment.types';

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);
const PNG_1x2 = bytes(
  ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
  ...text('IHDR'),
  ...[0, 0, 0, 1, 0, 0, 0, 2, 8, 6, 0, 0, 0],
);
const policy: AttachmentPolicy = {
  types: ['image/*', 'application/pdf'],
  maxBytes: 10 * 1024 * 1024,
  maxPerMessage: 3,
};

describe('attachment allow-lists (browser and server alike)', () => {
  it('refuses a file too large, naming the file and both sizes readably', () => {
    const refused = attachmentRefusal(policy, {
      name: 'scan.pdf',
      type: 'application/pdf',
      size: 12 * 1024 * 1024,
    });
    assert.ok(isHelplineError(refused));
    assert.equal(refused.code, 'attachment/too-large');
    assert.equal(refused.message, 'scan.pdf is too large (12 MB); the limit is 10 MB.');
    assert.equal(refused.field, 'size');
  });

  it('refuses a type off the list and an empty file; accepts families and exact entries', () => {
    const exe = attachmentRefusal(policy, { name: 'setup.exe', type: 'application/x-msdownload', size: 10 });
    assert.equal(exe?.code, 'attachment/type-not-allowed');
    assert.match(
      exe?.message ?? '',
      /setup\.exe: files of type application\/x-msdownload are not allowed here/,
    );
    assert.equal(
      attachmentRefusal(policy, { name: 'a.png', type: 'image/png', size: 0 })?.code,
      'attachment/empty',
    );
    assert.equal(attachmentRefusal(policy, { name: 'a.png', type: 'IMAGE/PNG', size: 5 }), undefined);
    assert.equal(
      attachmentRefusal(policy, { name: 'a', type: '', size: 5 })?.code,
      'attachment/type-not-allowed',
    );
    assert.equal(isTypeAllowed(DEFAULT_ATTACHMENT_POLICY, 'image/svg+xml'), false);
    assert.equal(isTypeAllowed({ ...policy, types: [] }, 'image/png'), false);
  });

  it('keeps file names as text without paths, controls or bidi overrides', () => {
    assert.equal(cleanFileName('../../etc/passwd\u0000.png'), 'passwd.png');
    assert.equal(cleanFileName('C:\\Users\\x\\report.pdf'), 'report.pdf');
    assert.equal(cleanFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(cleanFileName('<img src=x onerror=alert(1)>.png'), '<img src=x onerror=alert(1)>.png');
    assert.equal(cleanFileName('  '), 'file');
    const long = cleanFileName(`${'a'.repeat(400)}.pdf`);
    assert.equal(long.length, 255);
    assert.ok(long.endsWith('.pdf'));
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
  });
});

describe('sniffing what a file is', () => {
  it('knows images by their signature and reads their size', () => {
    assert.equal(sniffType(PNG_1x2), 'image/png');
    assert.deepEqual(imageSize(PNG_1x2, 'image/png'), { width: 1, height: 2 });
    const gif = bytes(...text('GIF89a'), 3, 0, 4, 0);
    assert.equal(sniffType(gif), 'image/gif');
    assert.deepEqual(imageSize(gif, 'image/gif'), { width: 3, height: 4 });
    const jpeg = bytes(0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 7, 0, 9, 3, 0, 0, 0);
    assert.equal(sniffType(jpeg), 'image/jpeg');
    assert.deepEqual(imageSize(jpeg, 'image/jpeg'), { width: 9, height: 7 });
    assert.equal(sniffType(text('%PDF-1.7\n')), 'application/pdf');
  });

  it('tells markup from plain text, whatever the name says', () => {
    assert.equal(
      sniffType(text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')),
      'image/svg+xml',
    );
    assert.equal(sniffType(text('\uFEFF  <!DOCTYPE html><html><script>alert(1)</script>')), 'text/html');
    assert.equal(sniffType(text('<?xml version="1.0"?><svg></svg>')), 'image/svg+xml');
    assert.equal(sniffType(text('hello <b>world</b>')), 'text/plain');
    assert.equal(sniffType(text('<script>alert(1)</script>')), 'text/html');
    assert.equal(sniffType(bytes(0, 1, 2, 3)), 'application/octet-stream');
    assert.equal(typesAgree('image/png', 'text/html'), false);
    assert.equal(typesAgree('image/jpg', 'image/jpeg'), true);
    assert.equal(typesAgree('', 'image/png'), true);
    assert.equal(resolveType('text/csv', 'text/plain'), 'text/csv');
    // A recording: WebM and MP4 containers declared as audio stay audio; declared as anything else they are not.
    assert.equal(typesAgree('audio/webm;codecs=opus', 'video/webm'), true);
    assert.equal(resolveType('audio/webm;codecs=opus', 'video/webm'), 'audio/webm');
    assert.equal(resolveType('audio/mp4', 'video/mp4'), 'audio/mp4');
    assert.equal(resolveType('', 'video/webm'), 'video/webm');
    assert.equal(typesAgree('image/png', 'video/webm'), false);
    assert.equal(resolveType('image/png', 'text/html'), 'text/html');
  });
});

describe('message.send with attachments', () => {
  const ref = { id: 'att_1', name: '<b>x</b>.png', type: 'image/png', size: 10 };
  const base = { cid: 'c1', clientMsgId: '0190a6b4-0000-7000-8000-000000000000' };

  it('may have no text when it carries attachments, and not otherwise', () => {
    assert.equal(validateCommandArgs('message.send', { ...base, text: '', attachments: [ref] }).ok, true);
    const empty = validateCommandArgs('message.send', { ...base, text: ' ' });
    assert.equal(empty.ok, false);
    assert.equal(!empty.ok && empty.error.field, 'text');
    assert.equal(!empty.ok && empty.error.message, '[message.send] text must not be empty');
  });

  it('refuses too many attachments, or one named twice', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ ...ref, id: `att_${i}` }));
    assert.equal(validateCommandArgs('message.send', { ...base, text: 'x', attachments: many }).ok, false);
    assert.equal(
      validateCommandArgs('message.send', { ...base, text: 'x', attachments: [ref, ref] }).ok,
      false,
    );
  });
});
