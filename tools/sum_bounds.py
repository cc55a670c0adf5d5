#!/usr/bin/env python3
# The first-order error bounds that docs/precision.md ("Reductions") compares, counted per
# length n as roundings per term (in units of u sum|x_i|): numpy's pairwise sum (leaves of
# at most 128 terms in 8 accumulators, 3 levels joining them, the n mod 8 left-over terms
# added one by one; longer ranges split in halves rounded down to a multiple of 8) and the
# lane sums (KernelBuilder::emit_lane_sum, one reduced axis: k lanes, blocks of 16 rows).
#   python3 tools/sum_bounds.py
import functools
import math


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


for n in (129, 1000, 10**4, 10**6, 10**7):
    print(f"numpy at n = {n}: {numpy_pairwise(n)} u")
big = [numpy_pairwise(n) for n in range(10**4, 10**7 + 1)]
print(f"numpy for n in [10^4, 10^7]: {min(big)} u to {max(big)} u")
for name, k in (("f32", 64), ("f64", 32)):
    worse = [n for n in range(129, 10**6) if lane_sum(n, k) > numpy_pairwise(n)]
    print(f"{name}: lanes above numpy at {len(worse)} lengths in [129, 10^6), "
          f"{worse[0]} to {worse[-1]}; at most {max(lane_sum(n, k) for n in range(129, 16 * k))} u "
          f"below {16 * k} terms")
