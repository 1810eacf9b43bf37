import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVonageApi } from './vonage.api';

// The REST client's recording download: a recording past the limit is refused while it arrives, not after the whole
// body sat in memory (the limit bounds what a webhook makes the server hold).

/** A response body of `chunks` pieces of 64 KiB, counting what the reader pulled. */
function countedBody(chunks: number, withLength: boolean) {
  const pulled = { bytes: 0 };
  let left = chunks;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- <= 0) return controller.close();
      pulled.bytes += 65_536;
      controller.enqueue(new Uint8Array(65_536));
    },
  });
  const headers: Record<string, string> = withLength ? { 'content-length': String(chunks * 65_536) } : {};
  return { pulled, response: new Response(body, { status: 200, headers }) };
}

function apiAnswering(response: Response) {
  return createVonageApi({
    baseUrl: 'https://api.nexmo.com',
    appToken: async () => 'token',
    fetch: async () => response,
  });
}

describe('vonage api: downloadRecording', () => {
  it('stops reading a recording once it passes the limit', async () => {
    const { pulled, response } = countedBody(1_000, false);
    await assert.rejects(
      apiAnswering(response).downloadRecording('https://api.nexmo.com/v1/files/r1', 256 * 1024),
      (error: { code?: string }) => error.code === 'voice/vonage-api',
    );
    assert.ok(pulled.bytes <= 512 * 1024, `read ${pulled.bytes} bytes of a 64 MB body`);
  });

  it('refuses a declared length over the limit before reading, and keeps one within it whole', async () => {
    const big = countedBody(1_000, true);
    await assert.rejects(
      apiAnswering(big.response).downloadRecording('https://api.nexmo.com/v1/files/r1', 256 * 1024),
      (error: { code?: string }) => error.code === 'voice/vonage-api',
    );
    assert.ok(big.pulled.bytes <= 512 * 1024, `read ${big.pulled.bytes} bytes`);
    const small = countedBody(3, true);
    const bytes = await apiAnswering(small.response).downloadRecording(
      'https://api.nexmo.com/v1/files/r2',
      256 * 1024,
    );
    assert.equal(bytes.length, 3 * 65_536);
  });

  it('sends its token to Vonage hosts only', async () => {
    const seen: string[] = [];
    const api = createVonageApi({
      baseUrl: 'https://api.nexmo.com',
      appToken: async () => 'token',
      fetch: async (url) => {
        seen.push(String(url));
        return new Response(new Uint8Array(1));
      },
    });
    for (const url of [
      'https://evilvonage.com/f',
      'https://api.nexmo.com.evil.example/f',
      'http://api.nexmo.com/f',
      'https://169.254.169.254/latest',
      'not a url',
    ])
      await assert.rejects(api.downloadRecording(url, 1024), /vonage|recording/i, url);
    assert.deepEqual(seen, []);
  });
});
