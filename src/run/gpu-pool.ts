/**
 * `bench --gpus 0,1,2,3` (or `all`): which GPUs independent runs may use, and the queue
 * that runs them one per GPU. A run's strategies stay on its GPU (taking turns on one
 * device is what makes their ratios fair); runs beyond the GPU count wait for a free one.
 */
import { InputError } from "../errors.js";

/** A GPU as NVML lists it (index in nvidia-smi's order). */
export interface VisibleGpu {
  index: number;
  uuid: string;
  name: string;
}

/**
 * The GPUs `--gpus` names, in the order given. Throws InputError (exit 2) for a malformed
 * list, an index NVML does not have, a duplicate, or `all` on a machine without a GPU.
 * @param why when no GPU is visible: what the probe said (no driver, NVML failed, no addon)
 */
export function parseGpus(text: string, visible: readonly VisibleGpu[], why = ""): VisibleGpu[] {
  const flag = `--gpus ${text}`;
  const none = () =>
    new InputError(
      `${flag}: this machine shows no GPU to vramgate${why ? ` (${why})` : ""}. ` +
        "Run without --gpus (one run after another, on the CPU engines), or run `vramgate doctor` to see what is missing.",
    );
  const list = visible.map((g) => g.index).join(", ");
  if (text.trim() === "all") {
    if (visible.length === 0) throw none();
    return [...visible];
  }
  const parts = text.split(",").map((p) => p.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p));
  if (bad !== undefined)
    throw new InputError(
      `${flag}: expected "all" or GPU indices separated by commas (e.g. 0,1,2,3), found ${JSON.stringify(bad)}.`,
    );
  const out: VisibleGpu[] = [];
  for (const p of parts) {
    const index = Number(p);
    if (out.some((g) => g.index === index))
      throw new InputError(`${flag}: GPU ${index} is named twice; each GPU takes one run at a time.`);
    const gpu = visible.find((g) => g.index === index);
    if (!gpu) {
      if (visible.length === 0) throw none();
      throw new InputError(
        `${flag}: expected GPU indices as nvidia-smi lists them (${list}), found ${index}: this machine has ${visible.length} GPU${visible.length === 1 ? "" : "s"}.`,
      );
    }
    out.push(gpu);
  }
  return out;
}

/** How one queued item ended: its value, or what it threw (a failing run never stops the others). */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `items` with at most one at a time per slot (GPU): each free slot takes the next
 * waiting item in order. Returns every item's outcome in the items' order, whatever order
 * they finished in. `stop()` true: waiting items are not started (Ctrl-C).
 */
export async function runQueue<T, S, R>(
  items: readonly T[],
  slots: readonly S[],
  work: (item: T, slot: S, position: number) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<Array<Settled<R> | undefined>> {
  if (slots.length === 0) throw new RangeError("runQueue needs at least one slot");
  const out: Array<Settled<R> | undefined> = items.map(() => undefined);
  let next = 0;
  const worker = async (slot: S) => {
    while (next < items.length && !stop()) {
      const k = next++;
      try {
        out[k] = { ok: true, value: await work(items[k]!, slot, k) };
      } catch (error) {
        out[k] = { ok: false, error };
      }
    }
  };
  await Promise.all(slots.map(worker));
  return out;
}
