import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { HelplineServer } from '../server';
import { http } from '../testing/harness';

// Helpers of the attachment tests: an upload over the HTTP routes, as a client would do it.

/** A 1×2 PNG (signature and IHDR: enough for the sniffer and the size reader). */
export const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 2,
  8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
]);

/** Starts an upload; resolves with the server's answer. */
export function createUpload(
  server: HelplineServer,
  token: string,
  cid: string,
  file: { name: string; type: string; size: number },
  site = 'shop',
) {
  return http(server, `/v1/conversations/${cid}/attachments?site=${site}`, { token, body: file });
}

/** PUTs `bytes` at `offset` to `base` (a server or a proxy in front of it). */
export function putBytes(
  base: string,
  token: string,
  id: string,
  offset: number,
  bytes: Uint8Array,
  total: number,
) {
  return fetch(`${base}/v1/attachments/${id}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${offset}-${offset + bytes.length - 1}/${total}`,
    },
    body: new Uint8Array(bytes),
  });
}

/** Creates, uploads and completes a file in one go; resolves with the completion's answer. */
export async function uploadWhole(
  server: HelplineServer,
  token: string,
  cid: string,
  file: { name: string; type: string; bytes: Uint8Array },
  site = 'shop',
) {
  const created = await createUpload(
    server,
    token,
    cid,
    { name: file.name, type: file.type, size: file.bytes.length },
    site,
  );
  if (created.status !== 201) return created;
  const id = (created.body as { id: string }).id;
  const put = await putBytes(server.url, token, id, 0, file.bytes, file.bytes.length);
  if (put.status !== 200) throw new Error(`PUT ${put.status}: ${await put.text()}`);
  return http(server, `/v1/attachments/${id}/complete`, { token, method: 'POST' });
}

/**
 * Starts a PUT of `total` bytes to `port` (a proxy) and writes the first `sent` of them, leaving the request open:
 * the test then cuts the connection. Resolves once the bytes are written to the socket.
 */
export function startPartialPut(port: number, token: string, id: string, bytes: Uint8Array, sent: number) {
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'PUT',
    path: `/v1/attachments/${id}`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}`,
    },
  });
  request.on('error', () => {});
  return new Promise<typeof request>((resolve) =>
    request.write(bytes.subarray(0, sent), () => resolve(request)),
  );
}

/**
 * PUTs the rest of `bytes` from `offset` until the server takes it: a stale offset is answered with
 * `409 attachment/offset` and the right one in `Upload-Offset`, from which the next PUT starts.
 */
export async function resumeUpload(
  server: HelplineServer,
  token: string,
  id: string,
  bytes: Uint8Array,
  offset: number,
) {
  let from = offset;
  for (;;) {
    const put = await putBytes(server.url, token, id, from, bytes.subarray(from), bytes.length);
    if (put.status === 200) return;
    assert.equal(put.status, 409);
    assert.equal(((await put.json()) as { error: { code: string } }).error.code, 'attachment/offset');
    from = Number(put.headers.get('upload-offset'));
  }
}

/** Asserts that a download is served as a file, never as a page: the safe headers of docs/attachments.md. */
export function assertServedSafely(response: Response, expected: { type: string; disposition: string }) {
  assert.equal(response.headers.get('content-type'), expected.type);
  assert.equal(response.headers.get('content-disposition'), expected.disposition);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('content-security-policy'), "sandbox; default-src 'none'");
  assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-site');
  assert.equal(response.headers.get('cache-control'), 'private, no-store');
}
