/** What the widget shows about a visitor the host site identified with a signed JWT. */
export interface VisitorIdentity {
  readonly name?: string | undefined;
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
}

/**
 * Reads the display claims (`name`, `email`, `phone_number`) of an identity JWT to prefill the pre-chat
 * form. It does not verify the signature: the server does that; this only saves the visitor typing.
 */
export function identityFromJwt(jwt: string | undefined): VisitorIdentity | undefined {
  const payload = jwt?.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const record = claims as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
    const name = text(record.name);
    const email = text(record.email);
    const phone = text(record.phone_number);
    return {
      ...(name ? { name } : {}),
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
    };
  } catch {
    return undefined;
  }
}
