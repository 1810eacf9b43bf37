import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDemo } from './demo.mjs';

// The demo's pages against a server already running (`HELPLINE_DEMO_SERVER`, docs/cluster.md "Try it on one
// machine"): no server is started, and every page names the given one.

describe('the demo pages against a server already running', () => {
  it('names the given server in every page and in the policy, and starts none', async () => {
    const demo = await startDemo({ port: 0, buildApps: false, serverUrl: 'http://127.0.0.1:8000/' });
    try {
      assert.equal(demo.server, undefined);
      assert.equal(demo.urls.server, 'http://127.0.0.1:8000');
      for (const page of [demo.urls.website, demo.urls.crm, demo.urls.supervisor]) {
        const response = await fetch(page);
        assert.equal(response.status, 200, page);
        const html = await response.text();
        assert.match(html, /http:\/\/127\.0\.0\.1:8000/, page);
        assert.doesNotMatch(html, /127\.0\.0\.1:8787/, page);
        const policy = response.headers.get('content-security-policy') ?? '';
        assert.match(policy, /connect-src 'self' http:\/\/127\.0\.0\.1:8000 ws:\/\/127\.0\.0\.1:8000 /, page);
      }
    } finally {
      await demo.stop();
    }
  });

  it('refuses a server URL that is not an http(s) origin, saying why', async () => {
    await assert.rejects(startDemo({ port: 0, buildApps: false, serverUrl: 'ftp://127.0.0.1:8000' }), {
      message: "The demo's server URL must be http:// or https://, not ftp://127.0.0.1:8000",
    });
    await assert.rejects(startDemo({ port: 0, buildApps: false, serverUrl: 'not a url' }), {
      message: "The demo's server URL is not a URL: not a url",
    });
    await assert.rejects(
      startDemo({ port: 0, buildApps: false, serverUrl: 'http://127.0.0.1:8000/helpline' }),
      {
        message:
          "The demo's server URL must be an origin (http://host:port), without a path: http://127.0.0.1:8000/helpline",
      },
    );
  });
});
