// Browser side of the realtime test harness: drives the hub servers that scripts/lib/realtime-harness.mjs starts
// inside the web-test-runner dev server. For `*.browser.test.ts` files only.

/** One socket the harness server accepted. */
export interface HarnessSocket {
  readonly url: string;
  readonly protocol: string;
  readonly open: boolean;
}

/** A real hub behind a WebSocket server on 127.0.0.1, controlled from a browser test. */
export interface Harness {
  /** `ws://127.0.0.1:<port>/ws`. */
  readonly url: string;
  sockets(): Promise<HarnessSocket[]>;
  /** Message texts stored in conversation `cid`, in `seq` order. */
  messages(cid: string): Promise<string[]>;
  /** While on, the server handles frames but sends nothing back. */
  muted(on: boolean): Promise<void>;
  /** While on, new connections are refused. */
  refusing(on: boolean): Promise<void>;
  closeAll(code: number): Promise<void>;
  stop(): Promise<void>;
}

async function call<T>(path: string): Promise<T> {
  const response = await fetch(`/__helpline/harness/${path}`, { cache: 'no-store' });
  const body = (await response.json()) as T & { error?: string };
  if (body.error !== undefined) throw new Error(`harness: ${body.error}`);
  return body;
}

/**
 * Starts a fresh hub server for one test.
 *
 * @example
 * ```ts
 * const harness = await startHarness();
 * const transport = createWebSocketTransport({ url: harness.url, site: 'shop' });
 * ```
 */
export async function startHarness(): Promise<Harness> {
  const { id, url } = await call<{ id: string; url: string }>('start');
  return {
    url,
    sockets: async () => (await call<{ sockets: HarnessSocket[] }>(`${id}/sockets`)).sockets,
    messages: async (cid) =>
      (await call<{ messages: string[] }>(`${id}/messages?cid=${encodeURIComponent(cid)}`)).messages,
    muted: async (on) => {
      await call(`${id}/muted?on=${on ? 1 : 0}`);
    },
    refusing: async (on) => {
      await call(`${id}/refusing?on=${on ? 1 : 0}`);
    },
    closeAll: async (code) => {
      await call(`${id}/close-all?code=${code}`);
    },
    stop: async () => {
      await call(`${id}/stop`);
    },
  };
}

/** Resolves once `check` holds, polling every few milliseconds; rejects after `timeoutMs` with `what`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
