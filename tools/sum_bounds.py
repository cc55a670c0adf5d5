#!/usr/bin/env python3
# The first-order error bounds that docs/precision.md ("Reductions") compares, counted per
# length n as roundings per term (in units of u sum|x_i|): numpy's pairwise sum (leaves of
# at most 128 terms in 8 accumulators, 3 levels joining them, the n mod 8 left-over terms
# added one by one; longer ranges split in halves rounded down to a multiple of 8), the
# lane sums (KernelBuilder::emit_lane_sum, one reduced axis: k lanes, blocks of 16 rows),
# the blocked sums (KernelBuilder::emit_blocked_sum: sums along other axes than the last)
# and the split full sums of a vector (engine/lower/split_reduction.h).
#   python3 tools/sum_bounds.py
import functools
import math
import random

SUM_BLOCK = 128  # kSumBlock: a whole sum of at most this many terms is one plain fold
LANES, MAX_GROUPS, MIN_PER_LANE = 16, 256, 64  # kSplitLanes, kMaxGroups, kMinPerLane


@functools.lru_cache(maxsize=None)
def numpy_pairwise(n):
    if n < 8:
        return max(n - 1, 0)
    if n <= 128:
        return (n // 8 - 1) + 3 + n % 8
    half = n // 2
    half -= half % 8
    return 1 + max(numpy_pairwise(half), numpy_pairwise(n - half))


def lane_sum(n, k):
    if n >= 16 * k:  # compensated block totals: 11 + log2 k
        return 11 + int(math.log2(k))
    rows, rest = divmod(n, k)
    even, odd = (rows + 1) // 2, rows // 2 + (1 if rest else 0)
    # e - 1 roundings in a sum of e terms from 0, one adding the two, log2 k in the fold
    return max(even, odd) + int(math.log2(k))


def range_sum(n):
    """emit_blocked_sum of n terms in four chains, one term per row (blocks of 32 rows)."""
    if n <= 1:
        return 0
    if n < 32:  # one block: chains of at most ceil(n / 4) terms, then 2 levels adding them
        return (n + 3) // 4 - 1 + 2
    return 7 + 2 + 2 + 1  # chains of <= 8 terms, 2 levels, Kahan 2, the total's rounding 1


def axis_sum(n):
    """A sum along another axis than the last (a whole per-element sum)."""
    return n - 1 if n <= SUM_BLOCK else range_sum(n)


def full_sum(n):
    """sum(x) of a vector of n elements."""
    if n <= SUM_BLOCK:
        return n - 1
    groups = min(max(n // (LANES * MIN_PER_LANE), 1), MAX_GROUPS)
    per_lane = n // (LANES * groups)
    r = n - groups * LANES * per_lane
    lane_rest, rest = r // LANES, r % LANES
    # each compensated total adds 2 u and its rounding 1 u
    last = range_sum(rest) + 3 if rest else 0
    if groups == 1:
        return max(range_sum(per_lane) + 3, last)
    return max(range_sum(per_lane) + 6, range_sum(lane_rest) + 6 if lane_rest else 0, last)


for n in (129, 1000, 10**4, 10**6, 10**7, 10**9):
    print(f"n = {n}: numpy {numpy_pairwise(n)} u, full sum {full_sum(n)} u, "
          f"axis sum {axis_sum(n)} u")
big = [numpy_pairwise(n) for n in range(10**4, 10**7 + 1)]
print(f"numpy for n in [10^4, 10^7]: {min(big)} u to {max(big)} u")
for name, k in (("f32", 64), ("f64", 32)):
    worse = [n for n in range(129, 10**6) if lane_sum(n, k) > numpy_pairwise(n)]
    print(f"{name}: lanes above numpy at {len(worse)} lengths in [129, 10^6), "
          f"{worse[0]} to {worse[-1]}; at most {max(lane_sum(n, k) for n in range(129, 16 * k))} u "
          f"below {16 * k} terms")
# Every length to 10^7, then 10^5 random lengths to 10^9 and the powers of two and ten.
lengths = list(range(129, 10**7 + 1))
rng = random.Random(20)
lengths += [rng.randrange(10**7, 10**9 + 1) for _ in range(10**5)]
lengths += [2**e + d for e in range(24, 30) for d in (-1, 0, 1)] + [10**8, 10**9]
for name, f in (("full sums", full_sum), ("sums along other axes", axis_sum)):
    worse = [(n, f(n) - numpy_pairwise(n)) for n in lengths if f(n) > numpy_pairwise(n)]
    desc = (f"{len(worse)} lengths, {worse[0][0]} to {worse[-1][0]}, by at most "
            f"{max(d for _, d in worse)} u" if worse else "none")
    print(f"{name} (n > 128): at most {max(f(n) for n in lengths)} u; above numpy at {desc}")
small = [n for n in range(2, 129) if full_sum(n) > numpy_pairwise(n)]
print(f"n <= 128 (one plain fold, n - 1 u): above numpy for n >= {small[0]}")
