import { type ErrorPayload, HelplineError, helplineError } from '../protocol/errors';
import { vonageFailure } from '../protocol/errors.vonage';
import type { VonageServerControl } from './vonage.types';

// Lives with the voice types so that the widget and core's main entry name it without loading the Vonage SDK's
// declarations (an optional peer).
export type { SiteVoiceConfig } from '../voice/voice.types';

/** Options of {@link vonageHttpControl}. */
export interface VonageHttpControlOptions {
  /** The Helpline server's base URL (`https://help.example.com`); routes live under `/vonage/`. */
  readonly baseUrl: string;
  /** The caller's Helpline token (visitor token or staff JWT), sent as a bearer token, never in the URL. */
  readonly token: () => string | Promise<string>;
  readonly fetch?: typeof fetch | undefined;
}

/**
 * The {@link VonageServerControl} over the server's HTTP routes: `POST /vonage/token`,
 * `POST /vonage/calls/:cid/hold` and `POST /vonage/callbacks/:cid/dial`. Refusals reject with the server's typed
 * error.
 *
 * @example
 * ```ts
 * const control = vonageHttpControl({ baseUrl: 'https://help.example.com', token: () => session.token });
 * ```
 */
export function vonageHttpControl(options: VonageHttpControlOptions): VonageServerControl {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');

  async function post(path: string, body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await options.token()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw vonageFailure(
        'voice/vonage-network',
        { detail: `the server is unreachable (${path})` },
        { cause: error, retryAfterMs: 3_000 },
      );
    }
    const json = (await response.json().catch(() => undefined)) as { error?: ErrorPayload } | undefined;
    if (!response.ok) {
      if (json?.error && typeof json.error.code === 'string') throw HelplineError.fromPayload(json.error);
      throw helplineError('internal', { detail: `HTTP ${response.status} from ${path}` });
    }
    return json;
  }

  return {
    async token() {
      const result = (await post('/vonage/token', {})) as { token?: unknown } | undefined;
      if (typeof result?.token !== 'string')
        throw vonageFailure('voice/vonage-token', { detail: 'no token' });
      return result.token;
    },
    async hold(cid, held) {
      await post(`/vonage/calls/${encodeURIComponent(cid)}/hold`, { held });
    },
    async dial(cid) {
      await post(`/vonage/callbacks/${encodeURIComponent(cid)}/dial`, {});
    },
  };
}
