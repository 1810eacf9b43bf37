// Consumer code for `@helpline/core/vonage`, type-checked under `moduleResolution` bundler only: the Vonage Client
// SDK's own declarations (2.3.x) use extensionless relative imports, which node16/nodenext cannot resolve.
import { type SiteVoiceConfig, vonageHttpControl } from '@helpline/core/vonage';

export function vonageControl(baseUrl: string, token: () => Promise<string>, voice: SiteVoiceConfig) {
  return voice.provider === 'vonage' ? vonageHttpControl({ baseUrl, token }) : undefined;
}
