// The worker's entry: registers tsx in this thread (Node 20 does not carry `--import tsx` into workers), then
// loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./typecheck.worker.ts');
