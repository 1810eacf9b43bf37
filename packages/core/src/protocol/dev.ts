/** True outside production builds; bundlers replace `process.env.NODE_ENV` so warnings are stripped. */
export const isDev: boolean =
  typeof process === 'undefined' ||
  (process as { env?: Record<string, string | undefined> }).env?.NODE_ENV !== 'production';

/** Prints a development-only warning. */
export function devWarn(message: string): void {
  if (isDev) console.warn(`[helpline] ${message}`);
}
