// Batching helpers shared by the primitive families (see batching.h).
#include "engine/primitives/batching.h"

#include <lanes/ops.h>

#include "engine/trace.h"

namespace lanes::internal {

Shape per_element_shape(const Value& x, std::int64_t bdim) {
  Shape s = x.shape();
  if (bdim >= 0) s.erase(s.begin() + bdim);
  return s;
}

std::vector<std::int64_t> move_axis_permutation(std::int64_t rank, std::int64_t from,
                                                std::int64_t to) {
  std::vector<std::int64_t> perm;
  for (std::int64_t k = 0; k < rank; ++k) {
    if (k != from) perm.push_back(k);
  }
  perm.insert(perm.begin() + to, from);
  return perm;
}

Value move_batch_axis(const Value& x, std::int64_t from, std::int64_t to) {
  if (from == to) return x;
  return lanes::transpose(x, move_axis_permutation(x.rank(), from, to));
}

Array move_array_axis(const Array& x, std::int64_t from, std::int64_t to) {
  if (from == to) return x;
  return primitive("transpose")
      .impl(std::span<const Array>(&x, 1),
            Params{{"permutation", move_axis_permutation(x.rank(), from, to)}})[0];
}

Value batch_at(const Value& x, std::int64_t bdim, std::int64_t batch_size, std::int64_t to) {
  if (bdim >= 0) return move_batch_axis(x, bdim, to);
  Shape shape = x.shape();
  Axes dims;
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(shape.size()); ++k) {
    dims.push_back(k < to ? k : k + 1);
  }
  shape.insert(shape.begin() + to, batch_size);
  return lanes::broadcast_in_dim(x, shape, dims);
}

Rule<BatchFn> elementwise_batch_rule(std::string prim) {
  return Rule<BatchFn>::defined([prim](std::span<const Value> in,
                                       std::span<const std::int64_t> dims, std::int64_t batch_size,
                                       const Params& params) {
    const Primitive& p = primitive(prim);
    Shape elem;  // the common per-element shape (operands are equal or rank 0)
    for (std::size_t i = 0; i < in.size(); ++i) {
      Shape s = per_element_shape(in[i], dims[i]);
      if (!s.empty()) elem = s;
    }
    const auto rank = static_cast<std::int64_t>(elem.size());
    // Fast path: batched operands of full rank sharing one batch axis, unbatched ones
    // rank 0: the primitive applies as it is.
    std::int64_t common = -1;
    bool as_is = true;
    for (std::size_t i = 0; i < in.size() && as_is; ++i) {
      if (dims[i] < 0) {
        as_is = in[i].rank() == 0;
      } else {
        as_is = in[i].rank() == rank + 1 && (common < 0 || common == dims[i]);
        common = dims[i];
      }
    }
    if (as_is) return BatchResult{internal::bind(p, in, params), {common}};
    Shape full = elem;
    full.insert(full.begin(), batch_size);
    std::vector<Value> ops;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (dims[i] < 0) {
        ops.push_back(in[i].rank() == 0 ? in[i] : batch_at(in[i], -1, batch_size, 0));
        continue;
      }
      Value x = move_batch_axis(in[i], dims[i], 0);
      // A per-element scalar beside shaped operands: repeat it along the element axes.
      if (x.rank() == 1 && rank > 0) x = lanes::broadcast_in_dim(x, full, {0});
      ops.push_back(x);
    }
    return BatchResult{internal::bind(p, ops, params), {0}};
  });
}

}  // namespace lanes::internal
