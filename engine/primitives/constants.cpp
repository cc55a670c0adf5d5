// `constant`: an array constant captured into a graph (lanes::constant, Value(Array)).
#include <lanes/ops.h>

#include "engine/primitive.h"
#include "engine/primitives/families.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "runtime/check.h"

namespace lanes::internal {

void register_constants() {
  Primitive p;
  p.name = "constant";
  p.family = "constant";
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    if (!in.empty()) LANES_FAIL("constant takes no operands");
    const Array& a = params.get<Array>("value");
    return {aval_of(a)};
  };
  p.impl = [](std::span<const Array>, const Params& params) -> std::vector<Array> {
    return {params.get<Array>("value")};
  };
  p.batch = Rule<BatchFn>::defined([](std::span<const Value>, std::span<const std::int64_t>,
                                      std::int64_t, const Params& params) {
    return BatchResult{{constant(params.get<Array>("value"))}, {-1}};
  });
  // No operands, so the passes never call its rules; defined (zero) for the registry.
  set_zero_derivative(p);
  p.lowering = LoweringKind::Constant;
  register_primitive(std::move(p));
}

}  // namespace lanes::internal
