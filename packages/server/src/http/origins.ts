/**
 * Origin allowlists. An entry is an exact origin (`https://shop.example`) or one with a wildcard port
 * (`http://localhost:*`), which development servers need.
 */
export function originMatcher(allowed: readonly string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const entry of allowed) {
    if (entry.endsWith(':*')) anyPort.add(entry.slice(0, -2).toLowerCase());
    else exact.add(entry.toLowerCase());
  }
  return (origin) => {
    const normalized = origin.toLowerCase();
    if (exact.has(normalized)) return true;
    const withoutPort = /^(https?:\/\/[^/:]+)(:\d{1,5})?$/.exec(normalized)?.[1];
    return withoutPort !== undefined && anyPort.has(withoutPort);
  };
}
