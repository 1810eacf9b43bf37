import type { VonageClientConfig, VonageClientPort } from './vonage.types';

/**
 * Loads the Vonage Client SDK with a dynamic import and creates a client. Bundlers put the SDK (~227 KB br) in a
 * chunk of its own that is fetched only when this runs: when a Vonage call starts, never when a page loads.
 *
 * @example
 * ```ts
 * const client = await loadVonageClient({ region: 'EU' });
 * ```
 */
export async function loadVonageClient(config: VonageClientConfig = {}): Promise<VonageClientPort> {
  const { VonageClient } = await import('@vonage/client-sdk');
  return new VonageClient({
    ...(config.region ? { region: config.region } : {}),
    ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
    ...(config.websocketUrl ? { websocketUrl: config.websocketUrl } : {}),
  });
}
