/**
 * Throwaway process for src/run/preflight.ts: creates an ONNX Runtime session with one
 * execution provider (argv: provider, device) and prints {"failure": null | "why"}. It runs
 * apart from the parent so the CUDA context a probe creates dies with it, and the device
 * memory the parent samples during the run stays the strategies' own.
 */
import { probeProvider, type GpuProvider } from "../engines/onnxruntime/probe.js";

const [provider, device] = process.argv.slice(2);
let failure: string | null;
try {
  const ort = await import("onnxruntime-node");
  failure = await probeProvider(ort, provider as GpuProvider, Number(device ?? 0));
} catch (e) {
  failure = (e as Error).message;
}
process.stdout.write(`${JSON.stringify({ failure })}\n`);
process.exit(0);
