"""numpy peer of the comparison benchmark (bench/comparison_bench.cpp runs it).

Usage: /usr/bin/python3 comparison_numpy.py FUNC N BUDGET_SECONDS
Runs one case of whole-array numpy code (the article's jax.numpy-style manual
vectorization) on the same inputs as the C++ side (golden-ratio sequences, identical
bits), and prints one line: RESULT time_s hwm_kib base_kib in_bytes out_bytes sum abs_sum.
The RSS high-water mark is reset after warm-up, so it covers the timed calls only.
"""
import ctypes
import gc
import sys
import time

try:
    import numpy as np
except ImportError:
    print("SKIP numpy not installed (tools/setup_bench.sh; run with /usr/bin/python3)")
    sys.exit(3)

G1 = 0.6180339887498949
G2 = 0.7548776662466927
ADD_B = 2.0
OUTER_K = 256
NEWTON_REL_TOL = 1e-12


def golden(n, g, offset=0.0):
    t = np.arange(n, dtype=np.float64) * g + offset
    return t - np.floor(t)


def f_add(x):
    return x + ADD_B


def f_sinexp(x, y):
    return np.sin(x) * y + np.exp(-x * x)


def f_newton(a):
    # Masked Newton iterations until no element is active.
    x = a.copy()
    step = a.copy()
    while True:
        active = np.abs(step) > NEWTON_REL_TOL * x
        if not active.any():
            return x
        nxt = 0.5 * (x + a / x)
        step = np.where(active, nxt - x, step)
        x = np.where(active, nxt, x)


def f_outer(v, w):
    # The batch's outer products materialized, as whole-array code writes it.
    return (v[:, :, None] * v[:, None, :] * w).sum(axis=(1, 2))


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return float(line.split()[1])
    return 0.0


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def measure(fn, budget):
    t0 = time.perf_counter()
    fn()
    pilot = max(time.perf_counter() - t0, 1e-9)
    inner = int(min(max(1e-3 / pilot, 1.0), 1e6))
    runs = int(min(max(budget / (pilot * inner), 3.0), 51.0))
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - s) / inner)
    times.sort()
    return times[len(times) // 2]


def main():
    func, n, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if func == "add":
        args = (6.0 * golden(n, G1) - 3.0,)
        f = f_add
    elif func == "sinexp":
        args = (6.0 * golden(n, G1) - 3.0, 6.0 * golden(n, G2, 0.5) - 3.0)
        f = f_sinexp
    elif func == "newton":
        args = (100.0 * golden(n, G1) + 0.5,)
        f = f_newton
    elif func == "outer":
        args = ((golden(n * OUTER_K, G1) - 0.5).reshape(n, OUTER_K),
                (golden(OUTER_K * OUTER_K, G2) - 0.5).reshape(OUTER_K, OUTER_K))
        f = f_outer
    else:
        print("SKIP unknown function " + func)
        sys.exit(2)
    in_bytes = sum(a.nbytes for a in args)
    out = [f(*args)]  # warm-up
    out[0] = None
    gc.collect()
    # Freed heap pages go back to the OS, so the baseline holds the inputs but not the
    # warm-up's temporaries, and the timed calls' temporaries raise the high-water mark.
    ctypes.CDLL(None).malloc_trim(0)
    base = status_kib("VmRSS")
    reset_hwm()

    def call():
        out[0] = None  # the previous result is gone before the next
        out[0] = f(*args)

    t = measure(call, budget)
    hwm = status_kib("VmHWM")
    r = out[0]
    print("RESULT %.9g %.0f %.0f %.0f %.0f %.17g %.17g" % (
        t, hwm, base, in_bytes, r.nbytes, float(r.sum()), float(np.abs(r).sum())))


if __name__ == "__main__":
    main()
