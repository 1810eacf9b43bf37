/** One line of the `npm run bench` table and of docs/benchmarks.md. */
export interface BenchRow {
  /** What was measured, e.g. "core, typical visitor import". */
  what: string;
  /** The measured value with its unit, e.g. "5.21 KB br". */
  measured: string;
  /** The budget from DESIGN §6, e.g. "≤ 8 KB br"; "—" when there is none. */
  budget: string;
  /** What users would pick instead, measured the same way, e.g. "LiveChat customer SDK 14.6 KB br". */
  competitors: string;
  /** Whether the measurement is within budget; `null` when there is no budget to hold it to. */
  ok: boolean | null;
}

/** What every `*.bench.ts` module exports as default. */
export type Bench = () => Promise<BenchRow[]>;
