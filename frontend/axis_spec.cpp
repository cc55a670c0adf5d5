// Normalizing in_axes / out_axes for vmap and pmap (see axis_spec.h).
#include "frontend/axis_spec.h"

#include <lanes/error.h>

namespace lanes::internal {

namespace {

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string describe_arg(std::size_t i, const AbstractValue& a) {
  return "argument " + std::to_string(i) + " of shape " + shape_to_string(a.shape);
}

MappedArgs normalize_in_axes(const std::string& who, const AxisSpec& in_axes,
                             const std::vector<AbstractValue>& sig) {
  if (in_axes.is_list() && in_axes.per().size() != sig.size()) {
    throw ArgumentError(who + ": in_axes has " + std::to_string(in_axes.per().size()) +
                        " entries but the function is called with " +
                        plural(sig.size(), "argument"));
  }
  MappedArgs m;
  for (std::size_t i = 0; i < sig.size(); ++i) {
    const Axis& axis = in_axes.is_list() ? in_axes.per()[i] : in_axes.all();
    AbstractValue a = sig[i];
    if (!axis.mapped()) {
      m.dims.push_back(-1);
      m.inner_sig.push_back(a);
      continue;
    }
    const std::int64_t rank = a.rank();
    std::int64_t d = axis.index();
    if (d < -rank || d >= rank) {
      throw ArgumentError(who + ": in_axes[" + std::to_string(i) + "] = " + std::to_string(d) +
                          " is out of range for " + describe_arg(i, a) + " (rank " +
                          std::to_string(rank) + ")");
    }
    if (d < 0) d += rank;
    m.dims.push_back(d);
    a.shape.erase(a.shape.begin() + d);
    m.inner_sig.push_back(a);
  }
  return m;
}

std::vector<std::int64_t> normalize_out_axes(const std::string& who, const AxisSpec& out_axes,
                                             const std::vector<AbstractValue>& outs,
                                             const std::string& element, const std::string& axis) {
  if (out_axes.is_list() && out_axes.per().size() != outs.size()) {
    throw ArgumentError(who + ": out_axes has " + std::to_string(out_axes.per().size()) +
                        " entries but the function returns " + plural(outs.size(), "output"));
  }
  std::vector<std::int64_t> dims;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const Axis& a = out_axes.is_list() ? out_axes.per()[k] : out_axes.all();
    if (!a.mapped()) {
      dims.push_back(-1);
      continue;
    }
    const std::int64_t rank = outs[k].rank() + 1;
    const std::int64_t d = a.index();
    if (d < -rank || d >= rank) {
      throw ArgumentError(who + ": out_axes[" + std::to_string(k) + "] = " + std::to_string(d) +
                          " is out of range for output " + std::to_string(k) + " of " + element +
                          " shape " + shape_to_string(outs[k].shape) + " (rank " +
                          std::to_string(rank) + " with the " + axis + " axis)");
    }
    dims.push_back(d < 0 ? d + rank : d);
  }
  return dims;
}

}  // namespace lanes::internal
