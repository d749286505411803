/**
 * Entry point of one strategy's child process (forked by the orchestrator with IPC).
 * It loads the engine, runs the calls the parent asks for, streams marks, and exits.
 * Any engine failure is reported as a `fault` message before exiting, so the parent can
 * record where it happened; a crash (signal) is seen by the parent from the exit status.
 */
import { createDriver } from "./create-driver.js";
import { EngineUnavailableError, isOutOfMemory } from "../errors.js";
import { shapeAt } from "../scenarios/sequence.js";
import { replayShapeAt } from "../scenarios/replay.js";
import type { ShapeMap } from "../scenarios/types.js";
import { CallError, type Driver } from "./drivers.js";
import type { ChildMessage, ParentMessage } from "./protocol.js";

let driver: Driver | undefined;
let init: Extract<ParentMessage, { type: "init" }> | undefined;

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function handle(msg: ParentMessage): Promise<void> {
  switch (msg.type) {
    case "init": {
      init = msg;
      driver = await createDriver(msg.run, msg.strategy, msg.modelPath);
      await driver.load();
      await send({
        type: "loaded",
        pid: process.pid,
        extraPids: driver.extraPids(),
        versions: driver.versions(),
        engineMemory: driver.engineMemory(),
        usesGpu: driver.usesGpu(),
      });
      return;
    }
    case "calls": {
      if (!driver || !init) throw new Error("calls before init");
      const shapes: ShapeMap[] = [];
      for (let k = 0; k < msg.count; k++) {
        const index = msg.firstIndex + k;
        shapes.push(
          msg.replayOf !== undefined
            ? replayShapeAt(init.run, index, msg.replayOf, msg.total)
            : shapeAt(init.run, index, msg.total),
        );
      }
      const pending: Promise<void>[] = [];
      await driver.runCalls(shapes, msg.firstIndex, (batch) => pending.push(send({ type: "marks", batch })));
      await Promise.all(pending);
      await send({ type: "callsDone", phase: msg.phase, round: msg.round, count: msg.count });
      return;
    }
    case "finish": {
      if (!driver) throw new Error("finish before init");
      await driver.finish();
      await send({ type: "finished", engineMemory: driver.engineMemory() });
      return;
    }
    case "traceAllocations": {
      if (!driver) throw new Error("traceAllocations before init");
      // A worker without PyTorch answers with an error: the run goes on, the reason is recorded.
      try {
        if (!driver.traceAllocations) throw new Error("this engine records no allocation history");
        const sites = await driver.traceAllocations(msg.request);
        await send({ type: "traced", outcome: sites });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await send({ type: "traced", outcome: { error: message.split("\n")[0]! } });
      }
      return;
    }
    case "exit": {
      // Persistent contexts are never released: exit without closing the engine.
      process.exit(0);
    }
  }
}

async function fail(e: unknown): Promise<never> {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof CallError) {
    await send({
      type: "fault",
      kind: err.kind,
      message: err.message,
      index: err.index,
      lastExchange: err.lastExchange,
    });
  } else if (err instanceof EngineUnavailableError) {
    await send({ type: "fault", kind: "unavailable", message: err.message });
  } else {
    const lastExchange = (err as { lastExchange?: string }).lastExchange;
    await send({
      type: "fault",
      kind: isOutOfMemory(err) ? "oom" : "errored",
      message: err.message,
      lastExchange,
    });
  }
  process.exit(1);
}

let chain = Promise.resolve();
process.on("message", (msg: ParentMessage) => {
  chain = chain.then(() => handle(msg)).catch(fail);
});
// The parent owns our lifetime: if it goes away, so do we.
process.on("disconnect", () => process.exit(0));
