"""The bare loop the Python worker is measured against (npm run bench:overhead): the same
call (work.work) back to back, no vramgate. It stays up between rounds (warm) and reads one
command per line on stdin: `ITERS N` runs N calls of ITERS iterations and prints the loop's
own elapsed time in ns (time.perf_counter_ns)."""
import sys
import time

from work import work


def main():
    for line in sys.stdin:
        iters, n = (int(v) for v in line.split())
        t0 = time.perf_counter_ns()
        for _ in range(n):
            work(iters)
        elapsed = time.perf_counter_ns() - t0
        sys.stdout.write("%d\n" % elapsed)
        sys.stdout.flush()


main()
