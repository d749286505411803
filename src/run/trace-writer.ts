/**
 * Streams the per-iteration trace of one strategy to CSV — the same format
 * `vramgate analyze` reads (iteration, time_ms, used_bytes, other *_bytes columns) —
 * so full resolution is kept on disk while memory holds only bounded summaries.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export function snakeCase(signal: string): string {
  return signal.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

export class TraceWriter {
  private fd: number | undefined;
  private columns: string[] | undefined;
  private buffer = "";

  constructor(readonly path: string, private readonly primarySignal: string) {}

  write(iteration: number, timeMs: number, latencyMs: number, shape: string, signals: Record<string, number>): void {
    if (!this.columns) {
      this.columns = Object.keys(signals).sort();
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "w");
      const extra = this.columns.map((c) => (c.endsWith("Bytes") ? snakeCase(c) : `${snakeCase(c)}`));
      this.buffer += ["iteration", "time_ms", "latency_ms", "shape", "used_bytes", ...extra].join(",") + "\n";
    }
    const used = signals[this.primarySignal];
    const cells = [String(iteration), timeMs.toFixed(3), latencyMs.toFixed(4), shape, fmt(used)];
    for (const c of this.columns) cells.push(fmt(signals[c]));
    this.buffer += cells.join(",") + "\n";
    if (this.buffer.length > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.fd !== undefined && this.buffer) {
      writeSync(this.fd, this.buffer);
      this.buffer = "";
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "" : String(Math.round(v));
}
