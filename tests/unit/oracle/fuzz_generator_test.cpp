// The fuzz generator (tests/fuzz/graph_gen.h) reaches every primitive of the registry and
// every dtype, and its graphs verify: a check that the differential fuzz targets test
// what they claim to (docs/fuzzing.md).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "engine/primitive.h"
#include "frontend/fn_impl.h"
#include "tests/fuzz/graph_gen.h"

namespace lanes {
namespace {

void collect(const internal::Graph& g, std::set<std::string>* prims, std::set<DType>* dtypes) {
  for (const internal::Equation& e : g.eqns) {
    prims->insert(e.prim->name);
    for (int v : e.outputs) dtypes->insert(g.aval(v).dtype);
    for (const auto& [name, p] : e.params.entries()) {
      if (const auto* sub = std::get_if<internal::GraphRef>(&p)) collect(**sub, prims, dtypes);
      if (const auto* subs = std::get_if<std::vector<internal::GraphRef>>(&p))
        for (const auto& s : *subs) collect(*s, prims, dtypes);
    }
  }
}

std::set<std::string> generated_primitives(fuzz::Flavor flavor, int cases,
                                           std::set<DType>* dtypes) {
  std::mt19937 rng(12345);
  std::set<std::string> prims;
  for (int k = 0; k < cases; ++k) {
    std::vector<std::uint8_t> bytes(20 + rng() % 120);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    fuzz::ByteReader in(bytes.data(), bytes.size());
    fuzz::Recipe r = fuzz::decode_recipe(in, flavor);
    internal::Signature sig;
    for (const Array& a : fuzz::make_inputs(r, 3)) sig.push_back(internal::aval_of(a));
    internal::GraphRef g = fuzz::build_fn(r).fn.impl()->graph_for(sig);
    internal::verify(*g);
    collect(*g, &prims, dtypes);
  }
  return prims;
}

TEST(FuzzGenerator, ReachesEveryPrimitiveAndDType) {
  std::set<DType> dtypes;
  std::set<std::string> prims = generated_primitives(fuzz::Flavor::Any, 1500, &dtypes);
  // Made only by user constants, custom derivative rules and pmap (whose collectives need
  // a bound axis name: tests/unit/pmap_test.cpp and collective_test.cpp cover them), never
  // by the generator; a new primitive fails here until it has a generic row in the tests'
  // primitive table (tests/oracle/primitive_cases.cpp), which the generator makes.
  const std::set<std::string> not_generated = {"constant", "stop_gradient", "custom_jvp",
                                               "custom_vjp", "pmap"};
  ASSERT_GT(internal::all_primitives().size(), 50u);
  for (const internal::Primitive* p : internal::all_primitives()) {
    if (not_generated.count(p->name) || p->family == "collectives") continue;
    EXPECT_TRUE(prims.count(p->name)) << p->name << " is never generated";
  }
  for (DType t : kAllDTypes) EXPECT_TRUE(dtypes.count(t)) << dtype_name(t);
}

TEST(FuzzGenerator, DifferentiableGraphsAreF64AndSmooth) {
  std::set<DType> dtypes;
  std::set<std::string> prims = generated_primitives(fuzz::Flavor::Differentiable, 400, &dtypes);
  for (const char* p : {"sin", "tanh", "dot_general", "while_loop", "fori_loop", "scan", "cond"})
    EXPECT_TRUE(prims.count(p)) << p;
  for (const char* p : {"floor", "sign", "rem", "argmax", "reduce_max"})
    EXPECT_FALSE(prims.count(p)) << p << " has kinks: not for finite differences";
}

// A primitive with a row in the tests' primitive table that the generator's own kinds do
// not make comes through the table's extension slots: here rows the kinds do make
// (an elementwise unary, a binary and a structural one) are sent that way, and the
// generator must still make valid graphs that contain them, in both flavors.
TEST(FuzzGenerator, TableRowsOutsideTheKindsAreGenerated) {
  fuzz::treat_as_table_rows_for_testing({"expm1", "atan2", "transpose", "reduce_prod"});
  std::set<DType> dtypes;
  std::set<std::string> any = generated_primitives(fuzz::Flavor::Any, 600, &dtypes);
  std::set<std::string> diff = generated_primitives(fuzz::Flavor::Differentiable, 600, &dtypes);
  fuzz::treat_as_table_rows_for_testing({});
  for (const char* p : {"expm1", "atan2", "transpose", "reduce_prod"}) {
    EXPECT_TRUE(any.count(p)) << p;
    EXPECT_TRUE(diff.count(p)) << p;
  }
}

}  // namespace
}  // namespace lanes
