import { helplineError } from '../protocol/errors';
import type { Subject } from './hub.types';

/**
 * Development-only authentication for the memory transport and `helpline serve --dev`: the token
 * `dev:<role>:<id>[:<display name>]` is trusted as is. Never use it in production — it proves nothing.
 *
 * @example
 * ```ts
 * devAuthenticate('dev:agent:alice:Alice'); // { id: 'alice', role: 'agent', name: 'Alice' }
 * ```
 */
export function devAuthenticate(token: string): Subject {
  const [scheme, role, id, ...name] = token.split(':');
  if (scheme !== 'dev' || (role !== 'visitor' && role !== 'agent' && role !== 'supervisor') || !id) {
    throw helplineError('auth/invalid-token', { detail: 'expected dev:<role>:<id>[:<name>]' });
  }
  return { id, role, name: name.join(':') || (role === 'visitor' ? 'Visitor' : id) };
}
