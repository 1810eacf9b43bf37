import type { Plugin } from 'rollup';

/** `@helpline/core` and `@helpline/core/<sub>` from their sources, honouring core's `"sideEffects": false`. */
export function coreFromSource(): Plugin;
/** Leaves the Vonage client SDK (an optional peer, loaded by `import()` for a Vonage call) outside the bundle. */
export const vonageSdkExternal: Plugin;
/** The plugins of a production application build; `tsconfig` defaults to the root one. */
export function productionPlugins(options?: { readonly tsconfig?: string }): Plugin[];
