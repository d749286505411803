/**
 * The order every JS-hosted engine's calls must keep, guarded in one place (Polygraphy's
 * habit: the public activate/infer/deactivate check the state, engines implement the
 * `…Impl` parts and never check it themselves).
 *
 *   new ──load──► loaded ──activate──► active ──deactivate──► loaded
 *    ▲                                                        │
 *    └────────────── close (deactivates first) ◄──────────────┘
 */
import type { BatchMode, BatchTimes, JsEngine, ShapeMap } from "./contract.js";

type State = "new" | "loading" | "loaded" | "active";

export abstract class EngineLifecycle implements JsEngine {
  abstract readonly name: string;
  private state: State = "new";
  /**
   * true when closeImpl() itself frees an active context (a worker process that exits), so
   * close() does not deactivate first — a dead worker could not answer that request.
   */
  protected readonly closeFreesContext: boolean = false;

  abstract versions(): Record<string, string>;
  protected abstract loadImpl(): Promise<void>;
  protected abstract activateImpl(): Promise<void>;
  protected abstract inferImpl(shape: ShapeMap): Promise<void>;
  protected abstract deactivateImpl(): Promise<void>;
  /** Frees what load() made; deactivate() has already run when the engine was active. */
  protected abstract closeImpl(): Promise<void>;

  private misuse(op: string, why: string): Error {
    return new Error(`${this.name}: ${op}() called ${why}`);
  }

  async load(): Promise<void> {
    if (this.state !== "new") throw this.misuse("load", "twice: close() first");
    this.state = "loading";
    try {
      await this.loadImpl();
      this.state = "loaded";
    } catch (err) {
      this.state = "new";
      throw err;
    }
  }

  async activate(): Promise<void> {
    if (this.state === "active") throw this.misuse("activate", "while a context is active; deactivate() first");
    if (this.state !== "loaded") throw this.misuse("activate", "before load()");
    await this.activateImpl();
    this.state = "active";
  }

  async infer(shape: ShapeMap): Promise<void> {
    if (this.state !== "active")
      throw this.misuse("infer", "before activate(): there is no active context (the strategy loop activates first)");
    await this.inferImpl(shape);
  }

  /** Whether inferBatch() may be used now; engines that run batches override it and inferBatchImpl. */
  canBatch(): boolean {
    return false;
  }

  /** Runs a batch (JsEngine.inferBatch): `active` needs an active context, `scoped` an inactive one. */
  async inferBatch(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes> {
    if (!this.canBatch())
      throw this.misuse("inferBatch", "on an engine that cannot run batches now (canBatch() is false)");
    if (mode === "active" && this.state !== "active")
      throw this.misuse("inferBatch", "in active mode before activate(): there is no active context");
    if (mode === "scoped" && this.state !== "loaded")
      throw this.misuse(
        "inferBatch",
        this.state === "active" ? "in scoped mode while a context is active" : "before load()",
      );
    return this.inferBatchImpl(shapes, mode);
  }

  protected inferBatchImpl(_shapes: ShapeMap[], _mode: BatchMode): Promise<BatchTimes> {
    return Promise.reject(new Error(`${this.name}: this engine runs no batches`));
  }

  async deactivate(): Promise<void> {
    if (this.state !== "active") return;
    // Left first: a failed release must not leave a half-dead context to be reused.
    this.state = "loaded";
    await this.deactivateImpl();
  }

  /** Frees everything; the engine is new again (load() may run again). */
  async close(): Promise<void> {
    if (this.state === "new") return;
    try {
      if (!this.closeFreesContext) await this.deactivate();
    } finally {
      this.state = "new";
      await this.closeImpl();
    }
  }
}
