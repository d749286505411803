/**
 * Every figure in words, one way: bytes, MiB, counts, durations, rates, ratios and their
 * intervals, slopes. Analysis explanations, the terminal, markdown, CI outputs and the PR
 * comment all print through here, so one number never reads two ways in one report.
 * All helpers return plain text (no markup, no colour); a figure that is not finite prints
 * as "n/a" (or ∞ where it is a true infinity), never "NaN" or "Infinity".
 */

export const MIB = 1024 * 1024;
export const KIB = 1024;

/** What a figure that could not be measured prints as (never "NaN" or "Infinity"). */
const NA = "n/a";

/** Bytes as MiB with one decimal below 100 MiB and none above: "12.5", "2048"; "n/a" when not finite. */
export function mib(bytes: number): string {
  if (!Number.isFinite(bytes)) return NA;
  const v = bytes / MIB;
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** About 3 significant figures (whole numbers from 100 up), no exponent for the ranges we show; "n/a" when not finite. */
export function sig3(v: number): string {
  if (!Number.isFinite(v)) return NA;
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Items per second, about 3 significant figures. */
export function rate(itemsPerSecond: number): string {
  return sig3(itemsPerSecond);
}

/** End a sentence with a full stop unless it already ends with punctuation. */
export function sentence(s: string): string {
  return /[.!?]$/.test(s.trimEnd()) ? s.trimEnd() : `${s.trimEnd()}.`;
}

/** Ratio with two decimals: "3.12×"; "n/a" when not finite. */
export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : NA;
}

/**
 * A 95 % interval with two decimals: "[2.95, 3.30]". An infinite or missing end (too few
 * rounds to bound it) prints as "n/a", never as "Infinity".
 */
export function ci2(ci: readonly [number, number]): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : NA);
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

/** Signed percent change from a ratio: 0.93 → "−7.0 %"; "n/a" when not finite. */
export function percentChange(ratio: number): string {
  if (!Number.isFinite(ratio)) return NA;
  const p = Math.round((ratio - 1) * 1000) / 10;
  const sign = p > 0 ? "+" : p < 0 ? "−" : "±";
  return `${sign}${Math.abs(p).toFixed(1)} %`;
}

/**
 * Slope in the unit that suits its size (the CI in the same unit):
 * "+1.50 MiB/iter [1.42, 1.58]" or "+3.2 KiB/iter [−0.4, 6.9]". An end of the interval
 * that is not finite (too few points to bound it) prints as "n/a"; so does the slope.
 */
export function slope(bytesPerIteration: number, ci?: [number, number]): string {
  if (!Number.isFinite(bytesPerIteration)) return NA;
  const { f, name } = slopeUnit([bytesPerIteration, ...(ci ?? [])]);
  const head = `${bytesPerIteration > 0 ? "+" : ""}${f(bytesPerIteration)} ${name}`;
  return ci ? `${head} [${f(ci[0])}, ${f(ci[1])}]` : head;
}

/** MiB/iter when any figure reaches 1 MiB, else KiB/iter, and a formatter in that unit. */
export function slopeUnit(figures: readonly number[]): { f: (x: number) => string; name: string } {
  const big = Math.max(0, ...figures.filter(Number.isFinite).map(Math.abs)) >= MIB;
  const unit = big ? MIB : KIB;
  const f = (x: number): string => {
    if (!Number.isFinite(x)) return NA;
    const v = x / unit;
    const s =
      Math.abs(v) >= 100 ? Math.abs(v).toFixed(0) : Math.abs(v) >= 10 ? Math.abs(v).toFixed(1) : Math.abs(v).toFixed(2);
    return (v < 0 && Number(s) !== 0 ? "−" : "") + s;
  };
  return { f, name: big ? "MiB/iter" : "KiB/iter" };
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1048576 → "1.00 MiB"; three significant digits, sign kept. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return bytes > 0 ? "∞ B" : bytes < 0 ? "−∞ B" : "n/a";
  const sign = bytes < 0 ? "−" : "";
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** A byte interval "0.98–1.05 MiB" in the unit of its larger end. */
export function formatBytesRange(lo: number, hi: number): string {
  const ref = Math.max(Math.abs(lo), Math.abs(hi));
  if (!Number.isFinite(ref)) return `${formatBytes(lo)} – ${formatBytes(hi)}`;
  let u = 0;
  let scale = 1;
  while (ref / scale >= 1024 && u < UNITS.length - 1) {
    scale *= 1024;
    u++;
  }
  const f = (v: number) => {
    const a = Math.abs(v / scale);
    const s = a.toFixed(u === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : 2);
    return v < 0 ? `−${s}` : s;
  };
  return `${f(lo)}–${f(hi)} ${UNITS[u]}`;
}

/** 7412.3 → "7,412". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "∞";
  return Math.round(n).toLocaleString("en-US");
}

/** Seconds → "250 ms", "45 s", "31 min", "5.2 h", "3.1 days". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "∞";
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
