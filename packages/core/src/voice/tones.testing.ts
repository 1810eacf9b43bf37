/**
 * Tone detection for audio tests: which of a few known frequencies a stream carries. Each test participant sends
 * its own sine (through `--use-file-for-fake-audio-capture` in end-to-end tests, an oscillator in unit tests) and
 * the tests ask what each listener receives. Goertzel over an `AnalyserNode`'s time-domain samples.
 */

/** Relative power of `frequency` in `samples` (Goertzel), normalised to the block's total power (0…1). */
export function tonePower(samples: Float32Array, sampleRate: number, frequency: number): number {
  const n = samples.length;
  const k = Math.round((n * frequency) / sampleRate);
  const omega = (2 * Math.PI * k) / n;
  const coefficient = 2 * Math.cos(omega);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i] ?? 0;
    energy += x * x;
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (n * energy);
}

/** Listens to a stream and answers which tones it carries now. */
export interface ToneProbe {
  /** Each asked frequency's share of the current block's power (0…1). */
  read(): Record<number, number>;
  /** The RMS level of the current block. */
  level(): number;
  stop(): void;
}

/** Attaches an analyser to `stream` in `context`. */
export function probeTones(
  context: AudioContext,
  stream: MediaStream,
  frequencies: readonly number[],
): ToneProbe {
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 4096;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return {
    read() {
      analyser.getFloatTimeDomainData(samples);
      const result: Record<number, number> = {};
      for (const frequency of frequencies)
        result[frequency] = tonePower(samples, context.sampleRate, frequency);
      return result;
    },
    level() {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      return Math.sqrt(sum / samples.length);
    },
    stop() {
      source.disconnect();
      analyser.disconnect();
    },
  };
}
