// Ports for tests that must name one before anything listens on it (a configuration field, a child process's flag).
import { createServer } from 'node:net';

/** A port nobody listens on right now (the kernel's pick, released at once; a race is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
