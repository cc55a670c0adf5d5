// in_axes / out_axes of vmap and pmap, checked and normalized against a call's
// signature and the wrapped function's outputs: the part both transformations share,
// with the error messages both give (ArgumentError, prefixed with the Fn's name).
#pragma once

#include <lanes/transforms.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ir/abstract_value.h"

namespace lanes::internal {

struct MappedArgs {
  std::vector<std::int64_t> dims;        // per argument: the mapped axis (>= 0), or -1 for none
  std::vector<AbstractValue> inner_sig;  // the arguments with their mapped axis removed
};

// "argument 2 of shape [3, 4]": how the errors name an argument.
std::string describe_arg(std::size_t i, const AbstractValue& a);

// in_axes for a call with `sig`: a list of the wrong length, or an axis out of range for
// its argument, is an ArgumentError. Extents along the mapped axes are the caller's to
// check (vmap: equal; pmap: the device count), as is whether any argument is mapped.
MappedArgs normalize_in_axes(const std::string& who, const AxisSpec& in_axes,
                             const std::vector<AbstractValue>& sig);

// out_axes for outputs of per-element (per-replica) avals `outs`: -1 for none, otherwise
// the axis in the output with the mapped axis inserted. `element` names what an output
// is before mapping ("per-element", "per-replica"), `axis` the mapped axis ("batch").
std::vector<std::int64_t> normalize_out_axes(const std::string& who, const AxisSpec& out_axes,
                                             const std::vector<AbstractValue>& outs,
                                             const std::string& element, const std::string& axis);

}  // namespace lanes::internal
