// The primitive registry: filled once, on first use, by every family's register function.
#include "engine/primitive.h"

#include <map>
#include <memory>
#include <mutex>

#include "engine/primitives/families.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {
struct Registry {
  std::map<std::string, std::unique_ptr<Primitive>, std::less<>> by_name;
  bool filling = false;
};

Registry& registry_storage() {
  static Registry r;
  return r;
}

Registry& registry() {
  static std::once_flag once;
  std::call_once(once, [] {
    Registry& r = registry_storage();
    r.filling = true;
    register_all_families();
    r.filling = false;
  });
  return registry_storage();
}
}  // namespace

const Primitive& register_primitive(Primitive p) {
  Registry& r = registry_storage();
  if (!r.filling) LANES_FAIL("register_primitive(" + p.name + ") outside registration");
  if (r.by_name.count(p.name)) LANES_FAIL("primitive registered twice: " + p.name);
  if (!p.abstract_eval || !p.impl) {
    LANES_FAIL("primitive " + p.name + " lacks a shape rule or an implementation");
  }
  std::string name = p.name;
  auto [it, ok] = r.by_name.emplace(name, std::make_unique<Primitive>(std::move(p)));
  (void)ok;
  return *it->second;
}

const Primitive* find_primitive(std::string_view name) {
  Registry& r = registry();
  auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : it->second.get();
}

const Primitive& primitive(std::string_view name) {
  const Primitive* p = find_primitive(name);
  if (!p) LANES_FAIL("unknown primitive '" + std::string(name) + "'");
  return *p;
}

std::vector<const Primitive*> all_primitives() {
  std::vector<const Primitive*> r;
  for (const auto& [k, p] : registry().by_name) r.push_back(p.get());
  return r;
}

bool is_identity_index_map(const Primitive& p, const AbstractValue& operand,
                           const AbstractValue& result, const Params& params) {
  if (p.lowering != LoweringKind::IndexMap || !p.index_map || operand.shape != result.shape) {
    return false;
  }
  // Applied to the symbolic coordinates i0, i1, ...: the identity returns them unchanged.
  std::vector<loop::AffineIndex> out;
  for (int d = 0; d < result.rank(); ++d) out.push_back(loop::affine_var(d));
  const std::vector<loop::AffineIndex> in = p.index_map(out, operand, result, params);
  for (std::size_t d = 0; d < out.size(); ++d) {
    if (in.at(d).offset != 0 || in[d].terms != out[d].terms) return false;
  }
  return true;
}

AvalList abstract_eval(const Primitive& p, std::span<const AbstractValue> inputs,
                       const Params& params) {
  return p.abstract_eval(inputs, params);
}

}  // namespace lanes::internal
