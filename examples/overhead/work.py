"""The call of the overhead benchmark (npm run bench:overhead): integer arithmetic, the same
in the vramgate worker (worker.py) and in the bare loop (bare_loop.py)."""


def work(iters):
    x = 0
    for i in range(iters):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x
