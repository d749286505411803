// The bare loop the Node worker (test/fixtures/workers/node_worker.mjs) is measured against
// (npm run bench:overhead): the worker's infer as the benchmark runs it (NODE_WORKER_RETAIN=0:
// count the shape's bytes, then SHA-256 of a block of BYTES bytes, the same functions) back
// to back, no vramgate. It stays up between rounds (warm) and reads one command per line on
// stdin: `BYTES N ELEMENTS` runs N calls and prints the loop's own elapsed time in ns
// (process.hrtime).
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";

let block = Buffer.alloc(0);
let heldBytes = 0;
let digest = null;

/** The call's work: SHA-256 of `block` (the same as node_worker.mjs). */
function work() {
  digest = createHash("sha256").update(block).digest();
}

function infer(shape) {
  const elements = Object.values(shape).reduce((n, dims) => n * dims.reduce((a, b) => a * b, 1), 1);
  heldBytes += elements;
  if (block.length > 0) work();
}

function loop(n, shape) {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) infer(shape);
  return process.hrtime.bigint() - t0;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [bytes, n, elements] = line.trim().split(/\s+/).map(Number);
  if (block.length !== bytes) block = Buffer.alloc(bytes, 1);
  process.stdout.write(`${loop(n, { input: [elements] })}\n`);
}
process.stderr.write(`bare loop: ${heldBytes} bytes counted, last digest ${digest?.toString("hex").slice(0, 8)}\n`);
