// The one combination rule of every Communicator's all_reduce (threads and MPI), so that
// their results stay bitwise equal. It is the reduction combine of runtime/scalar_semantics.h
// (the same rule as reduce_sum/max/min): Sum is a + b (bool: or; integers wrap, two's
// complement); Max and Min are IEEE 754-2019 maximum/minimum with a NaN result made the
// canonical quiet NaN (so the result does not depend on the combination order), and -0 < +0
// (bool: or / and).
#pragma once

#include "runtime/communicator.h"
#include "runtime/scalar_semantics.h"

namespace lanes::internal {

template <class T>
T reduce_combine(ReduceOp op, T acc, T v) {
  switch (op) {
    case ReduceOp::Sum:
      return sem_add(acc, v);
    case ReduceOp::Max:
      return sem_combine_max(acc, v);
    case ReduceOp::Min:
      return sem_combine_min(acc, v);
  }
  return sem_add(acc, v);
}

}  // namespace lanes::internal
