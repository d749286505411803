/**
 * Small real filesystems for fault tests: a tmpfs of a given size (fills up) or mounted
 * read-only, where root may mount one (Linux). Every mount made through a Tmpfs is
 * unmounted by `unmountAll` (call it in afterAll).
 */
import { execFileSync } from "node:child_process";

export class Tmpfs {
  private readonly mounts: string[] = [];

  /** Mounts a tmpfs with these options (e.g. "size=64k", "size=64k,ro") on `dir`; false where not permitted. */
  mount(dir: string, opts: string): boolean {
    if (process.getuid?.() !== 0 || process.platform !== "linux") return false;
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", opts, "tmpfs", dir], { stdio: "ignore" });
      this.mounts.push(dir);
      return true;
    } catch {
      return false;
    }
  }

  unmountAll(): void {
    for (const m of this.mounts.splice(0)) {
      try {
        execFileSync("umount", [m], { stdio: "ignore" });
      } catch {
        /* left for the OS */
      }
    }
  }
}
