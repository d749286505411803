/** Human-readable figures for verdict explanations. */

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
