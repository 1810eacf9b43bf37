/**
 * True outside production builds. Written as the bare `process.env.NODE_ENV` so that bundlers (Vite, esbuild, webpack,
 * Rollup's replace) substitute it and a production build drops the warnings; in a browser without a bundler `process` does
 * not exist, and that counts as development.
 */
export const isDev: boolean = (() => {
  try {
    return process.env.NODE_ENV !== 'production';
  } catch {
    return true;
  }
})();

/** Prints a development-only warning. */
export function devWarn(message: string): void {
  if (isDev) console.warn(`[helpline] ${message}`);
}
