// Type-checks documentation samples off the main thread, so the samples test's server keeps answering the samples
// that run meanwhile (the compiler blocks its thread for seconds).
import { parentPort, workerData } from 'node:worker_threads';
import type { DocSample } from './samples';
import { typeCheck } from './samples.run';

const { samples, dir, tsconfig } = workerData as { samples: DocSample[]; dir: string; tsconfig: string };
parentPort?.postMessage(typeCheck(samples, dir, tsconfig));
