/**
 * Seeded synthetic memory traces for tests and the detector benchmark. They imitate what
 * real traces look like: allocator granularity (2 MiB / 20 MiB steps), autocorrelated
 * noise, transient spikes, alloc/free sawtooths, warm-up ramps, bounded shape caches,
 * plateaus that end early or late, and leaks starting at the beginning or late.
 */
import { mulberry32, normalDeviate, type Rng } from "./stats/prng.js";
import type { LeakVerdict } from "../results/verdicts.js";

export const MiB = 1024 * 1024;
export const KiB = 1024;

const TRACE_KINDS = [
  "flat",
  "leak",
  "late-onset-leak",
  "sawtooth-leak",
  "plateau-early",
  "plateau-late",
  "warmup-ramp",
  "sawtooth",
  "shape-cache",
] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** Kinds whose memory keeps growing (when their leak rate is > 0). */
const LEAKING_KINDS: readonly TraceKind[] = ["leak", "late-onset-leak", "sawtooth-leak"];

export interface SynthSpec {
  kind: TraceKind;
  /** Points (one per iteration). */
  iterations: number;
  seed: number;
  /** Leak rate for leaking kinds, bytes per iteration. */
  leakBytesPerIteration?: number;
  /** Standard deviation of the noise, bytes (default 2 MiB). */
  noiseBytes?: number;
  /** Lag-1 autocorrelation of the noise, 0 ≤ ρ < 1 (default 0.8). */
  noiseAutocorrelation?: number;
  /** Allocator granularity: reported bytes are rounded up to a multiple (default 2 MiB; 0 = none). */
  granularityBytes?: number;
  /** Chance per iteration of a transient spike of 1–4× granularity (default 0.002). */
  spikeRate?: number;
  /** Memory before anything grows, bytes (default 1.5 GiB). */
  baseBytes?: number;
  /** For plateaus, ramps, sawtooths and caches: the size of the bounded component, bytes (default 256 MiB). */
  amplitudeBytes?: number;
}

export interface SynthTrace {
  spec: SynthSpec;
  iteration: Float64Array;
  value: Float64Array;
  timeMs: Float64Array;
  /** What a correct detector should say: leak, or anything but leak. */
  leaking: boolean;
  /** The non-leak verdicts that are also right for this trace (for a leak: just "leak"). */
  acceptable: LeakVerdict[];
}

function component(spec: SynthSpec, rng: Rng): (i: number) => number {
  const n = spec.iterations;
  const rate = spec.leakBytesPerIteration ?? 0;
  const amp = spec.amplitudeBytes ?? 256 * MiB;
  switch (spec.kind) {
    case "flat":
      return () => 0;
    case "leak":
      return (i) => rate * i;
    case "late-onset-leak": {
      const onset = Math.floor(n * (0.4 + 0.3 * rng()));
      return (i) => (i > onset ? rate * (i - onset) : 0);
    }
    case "sawtooth-leak": {
      const period = 20 + Math.floor(rng() * 200);
      return (i) => rate * i + amp * ((i % period) / period);
    }
    case "plateau-early":
    case "plateau-late": {
      const end = Math.floor(n * (spec.kind === "plateau-early" ? 0.15 + 0.15 * rng() : 0.55 + 0.15 * rng()));
      return (i) => amp * Math.min(1, i / end);
    }
    case "warmup-ramp": {
      const tau = n * (0.02 + 0.06 * rng());
      return (i) => amp * (1 - Math.exp(-i / tau));
    }
    case "sawtooth": {
      // Periods from a few iterations to a sizeable share of the run.
      const period = Math.max(3, Math.floor(rng() < 0.5 ? 5 + rng() * 200 : n * (0.05 + 0.1 * rng())));
      return (i) => amp * ((i % period) / period);
    }
    case "shape-cache": {
      // 8 shapes; a cache sized by the largest seen so far. The largest shape is rare (2 %).
      const weights = [0.3, 0.2, 0.15, 0.12, 0.1, 0.07, 0.04, 0.02];
      let largest = -1;
      return () => {
        let u = rng();
        let k = 0;
        while (k < weights.length - 1 && u >= (weights[k] as number)) u -= weights[k++] as number;
        if (k > largest) largest = k;
        return (amp * (largest + 1)) / weights.length;
      };
    }
  }
}

/** One synthetic trace. The same spec (seed included) always gives the same trace. */
export function synthTrace(spec: SynthSpec): SynthTrace {
  const rng = mulberry32(spec.seed);
  const n = spec.iterations;
  const sigma = spec.noiseBytes ?? 2 * MiB;
  const rho = spec.noiseAutocorrelation ?? 0.8;
  const gran = spec.granularityBytes ?? 2 * MiB;
  const spikeRate = spec.spikeRate ?? 0.002;
  const base = spec.baseBytes ?? 1.5 * 1024 * MiB;
  const f = component(spec, rng);
  const iteration = new Float64Array(n);
  const value = new Float64Array(n);
  const timeMs = new Float64Array(n);
  const innovation = sigma * Math.sqrt(1 - rho * rho);
  let noise = sigma * normalDeviate(rng);
  let t = 0;
  for (let i = 0; i < n; i++) {
    noise = rho * noise + innovation * normalDeviate(rng);
    let live = base + f(i) + noise;
    if (spikeRate > 0 && rng() < spikeRate) live += Math.max(gran, MiB) * (1 + 3 * rng());
    iteration[i] = i;
    value[i] = gran > 0 ? Math.ceil(live / gran) * gran : live;
    t += 8 + 4 * rng();
    timeMs[i] = t;
  }
  const leaking = LEAKING_KINDS.includes(spec.kind) && (spec.leakBytesPerIteration ?? 0) > 0;
  const acceptable: LeakVerdict[] = leaking ? ["leak"] : ["flat", "plateau", "inconclusive"];
  return { spec, iteration, value, timeMs, leaking, acceptable };
}

/** Leak rates spanning four orders of magnitude, 1 KiB … 16 MiB per iteration. */
export const LEAK_RATES = [1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB];

/**
 * A seeded corpus of traces that do not leak: every non-leaking kind × noise levels ×
 * granularities × seeds.
 */
export function nonLeakingCorpus(iterations: number, seeds: number, firstSeed = 1): SynthSpec[] {
  const out: SynthSpec[] = [];
  const kinds = TRACE_KINDS.filter((k) => !LEAKING_KINDS.includes(k));
  const noises = [0, 0.5 * MiB, 2 * MiB, 4 * MiB];
  const grans = [0, 2 * MiB, 20 * MiB];
  let seed = firstSeed;
  for (const kind of kinds)
    for (const noiseBytes of noises)
      for (const granularityBytes of grans)
        for (let s = 0; s < seeds; s++)
          out.push({
            kind,
            iterations,
            seed: seed++,
            noiseBytes,
            granularityBytes,
            amplitudeBytes: (64 + (seed % 8) * 64) * MiB,
          });
  return out;
}

/** How new shapes arrive over a shaped trace. */
export const SHAPE_ARRIVALS = ["often", "rarely", "late"] as const;
type ShapeArrival = (typeof SHAPE_ARRIVALS)[number];

export interface ShapedSynthSpec {
  /** often: 4 096 allowed shapes drawn uniformly (most calls new); rarely: 24 allowed shapes
   * (all seen early); late: 24 shapes for the first 70 % of calls, then 4 096. */
  arrival: ShapeArrival;
  /** Calls drawn from the arrival pattern. */
  calls: number;
  /** Calls appended that replay shapes already seen (the confirmation experiment). */
  replayCalls: number;
  seed: number;
  /** Memory each first-seen shape adds (plan caches, kernels), bytes (default 256 KiB). */
  bytesPerShape?: number;
  /** A grow-only buffer sized for the largest shape so far, bytes at the largest (default 64 MiB; 0 = none). */
  maxShapeBufferBytes?: number;
  /** Leak on top, bytes per call at any shape (default 0). */
  leakBytesPerCall?: number;
  /** Share of new-shape growth that lands one call late (default 0.3). */
  lateShare?: number;
  noiseBytes?: number;
  granularityBytes?: number;
}

export interface ShapedSynthTrace {
  spec: ShapedSynthSpec;
  iteration: Float64Array;
  value: Float64Array;
  timeMs: Float64Array;
  latencyMs: Float64Array;
  shapeIds: Int32Array;
  shapeNames: string[];
  leaking: boolean;
}

/**
 * A trace whose memory grows when a shape is fed for the first time (per-shape caches and a
 * buffer sized for the largest shape so far), with allocator granularity, autocorrelated
 * noise, growth that sometimes lands one call late, an optional leak on every call, and a
 * replay tail of seen shapes. First-seen-shape calls are ~30× slower (plan building).
 */
export function synthShapedTrace(spec: ShapedSynthSpec): ShapedSynthTrace {
  const rng = mulberry32(spec.seed);
  const n = spec.calls + spec.replayCalls;
  const perShape = spec.bytesPerShape ?? 256 * KiB;
  const bufferMax = spec.maxShapeBufferBytes ?? 64 * MiB;
  const leak = spec.leakBytesPerCall ?? 0;
  const lateShare = spec.lateShare ?? 0.3;
  const sigma = spec.noiseBytes ?? 0.5 * MiB;
  const gran = spec.granularityBytes ?? 2 * MiB;
  const rho = 0.8;
  const innovation = sigma * Math.sqrt(1 - rho * rho);
  const base = 1.5 * 1024 * MiB;
  const many = 4096;
  const few = 24;
  const iteration = new Float64Array(n);
  const value = new Float64Array(n);
  const timeMs = new Float64Array(n);
  const latencyMs = new Float64Array(n);
  const shapeIds = new Int32Array(n);
  const seen = new Set<number>();
  const fed: number[] = [];
  let caches = 0;
  let pendingLate = 0;
  let largest = 0;
  let noise = sigma * normalDeviate(rng);
  let t = 0;
  for (let i = 0; i < n; i++) {
    let shape: number;
    if (i >= spec.calls) shape = fed[Math.floor(rng() * fed.length)] as number;
    else {
      const pool = spec.arrival === "often" || (spec.arrival === "late" && i >= 0.7 * spec.calls) ? many : few;
      shape = Math.floor(rng() * pool);
    }
    fed.push(shape);
    const isNew = !seen.has(shape);
    caches += pendingLate;
    pendingLate = 0;
    if (isNew) {
      seen.add(shape);
      if (rng() < lateShare) pendingLate = perShape;
      else caches += perShape;
      largest = Math.max(largest, (shape % 64) + 1);
    }
    noise = rho * noise + innovation * normalDeviate(rng);
    const live = base + caches + (bufferMax * largest) / 64 + leak * i + noise;
    iteration[i] = i;
    value[i] = gran > 0 ? Math.ceil(live / gran) * gran : live;
    shapeIds[i] = shape;
    const lat = (isNew ? 60 : 2) * (0.8 + 0.4 * rng());
    latencyMs[i] = lat;
    t += lat;
    timeMs[i] = t;
  }
  const shapeNames = Array.from({ length: many }, (_, k) => `input_ids:${1 + (k % 16)}x${8 * (1 + (k >> 4))}`);
  return { spec, iteration, value, timeMs, latencyMs, shapeIds, shapeNames, leaking: leak > 0 };
}
