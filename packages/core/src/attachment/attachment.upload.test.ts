import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTACHMENT_POLICY } from './attachment.limits';
import { createAttachmentUploader } from './attachment.upload';

/** A fetch that fails the test if anything is sent. */
const nothingSent: typeof fetch = async () => {
  throw new Error('nothing may be sent for a refused file');
};

const uploader = createAttachmentUploader({
  baseUrl: 'https://help.example',
  token: () => 'token',
  policy: DEFAULT_ATTACHMENT_POLICY,
  fetch: nothingSent,
});

const file = (name: string, type: string, content: string, size?: number) => {
  const blob = new Blob([content], { type });
  return {
    name,
    type,
    size: size ?? blob.size,
    slice: (start?: number, end?: number) => blob.slice(start, end),
  };
};

describe('uploads refused in the browser, before a byte is sent', () => {
  it('refuses a file over the size limit, with the sizes in the message', async () => {
    await assert.rejects(uploader.upload('c1', file('big.png', 'image/png', 'x', 11 * 1024 * 1024)), {
      code: 'attachment/too-large',
      message: 'big.png is too large (11 MB); the limit is 10 MB.',
    });
  });

  it('refuses a type off the list, and a page renamed as a picture', async () => {
    await assert.rejects(uploader.upload('c1', file('run.exe', 'application/x-msdownload', 'MZ..')), {
      code: 'attachment/type-not-allowed',
    });
    await assert.rejects(
      uploader.upload('c1', file('cat.png', 'image/png', '<html><script>alert(1)</script>')),
      {
        code: 'attachment/type-mismatch',
      },
    );
    await assert.rejects(uploader.upload('c1', file('x.svg', '', '<svg onload="alert(1)"></svg>')), {
      code: 'attachment/type-not-allowed',
    });
    await assert.rejects(uploader.upload('c1', file('empty.txt', 'text/plain', '')), {
      code: 'attachment/empty',
    });
  });
});
