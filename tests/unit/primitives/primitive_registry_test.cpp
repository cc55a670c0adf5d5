// The registry: every primitive the foundation promises exists, and no primitive has a
// rule that is silently missing (each is defined or explicitly unsupported). The tests'
// primitive table (tests/oracle/primitive_cases.h) has one row per registered primitive,
// its dtype lists are the shape rules' own, and its rows agree with their independent
// references and with the shape rules.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <random>
#include <set>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/primitive_cases.h"

namespace lanes::internal {
namespace {

TEST(PrimitiveRegistry, HasEveryPrimitiveOfTheFoundation) {
  const char* required[] = {"add",        "sub",        "mul",         "div",
                            "rem",        "neg",        "abs",         "sign",
                            "min",        "max",        "pow",         "sqrt",
                            "rsqrt",      "cbrt",       "exp",         "exp2",
                            "expm1",      "log",        "log2",        "log10",
                            "log1p",      "sin",        "cos",         "tan",
                            "asin",       "acos",       "atan",        "atan2",
                            "sinh",       "cosh",       "tanh",        "asinh",
                            "acosh",      "atanh",      "erf",         "erfc",
                            "floor",      "ceil",       "round",       "lt",
                            "le",         "gt",         "ge",          "eq",
                            "ne",         "and",        "or",          "not",
                            "xor",        "select",     "convert",     "broadcast_in_dim",
                            "reshape",    "transpose",  "slice",       "concatenate",
                            "iota",       "reduce_sum", "reduce_prod", "reduce_max",
                            "reduce_min", "argmax",     "argmin",      "dot_general",
                            "cond",       "while_loop", "fori_loop",   "scan",
                            "constant"};
  for (const char* name : required) {
    EXPECT_NE(find_primitive(name), nullptr) << "missing primitive " << name;
  }
}

TEST(PrimitiveRegistry, NoRuleIsSilentlyMissing) {
  for (const Primitive* p : all_primitives()) {
    SCOPED_TRACE(p->name);
    EXPECT_FALSE(p->family.empty());
    EXPECT_TRUE(p->abstract_eval);
    EXPECT_TRUE(p->impl);
    EXPECT_NE(p->batch.state, Rule<BatchFn>::State::Unset);
    EXPECT_NE(p->jvp.state, Rule<JvpFn>::State::Unset);
    EXPECT_NE(p->vjp.state, Rule<VjpFn>::State::Unset);
    EXPECT_NE(p->lowering, LoweringKind::Unset);
    if (p->lowering == LoweringKind::Elementwise) {
      EXPECT_NE(p->scalar_op, ScalarOp::None);
    }
  }
}

TEST(PrimitiveRegistry, UnknownNameIsAnInternalError) {
  EXPECT_EQ(find_primitive("no_such_primitive"), nullptr);
  EXPECT_THROW(primitive("no_such_primitive"), InternalError);
}

// --- the tests' primitive table --------------------------------------------------------

using testing::primitive_cases;
using testing::PrimitiveCase;

TEST(PrimitiveCases, EveryRegisteredPrimitiveHasARow) {
  for (const Primitive* p : all_primitives()) {
    EXPECT_NE(testing::find_case(p->name), nullptr)
        << "primitive " << p->name << " (" << p->family
        << ") has no row in tests/oracle/primitive_cases.cpp: add one (how to call it, on "
           "which values), or a special(...) row saying why it cannot be called generically "
           "and where it is tested";
  }
}

TEST(PrimitiveCases, EveryRowIsARegisteredPrimitiveAndSaysHowOrWhy) {
  std::set<std::string> names;
  for (const PrimitiveCase& r : primitive_cases()) {
    SCOPED_TRACE(r.name);
    EXPECT_TRUE(names.insert(r.name).second) << "two rows";
    const Primitive* p = find_primitive(r.name);
    ASSERT_NE(p, nullptr) << "not registered";
    if (!r.generic()) {
      EXPECT_FALSE(r.special.empty()) << "a special row says why and where it is tested";
      continue;
    }
    EXPECT_FALSE(r.dtypes.empty());
    if (r.kind == testing::RowKind::Elementwise && p->lowering == LoweringKind::Composite) {
      EXPECT_TRUE(p->expand) << "an elementwise composite lowers as what it expands to";
    } else if (r.kind == testing::RowKind::Elementwise) {
      EXPECT_EQ(p->lowering, LoweringKind::Elementwise);
      EXPECT_EQ(r.arity, scalar_op_arity(p->scalar_op));
    } else {
      EXPECT_FALSE(r.calls.empty());
    }
    for (const testing::Domain& d : r.domains) EXPECT_LT(d.lo, d.hi);
  }
}

// A row's dtypes are exactly those the shape rule accepts: the others raise a DTypeError
// that names the primitive.
TEST(PrimitiveCases, DtypesAreThoseTheShapeRuleAccepts) {
  for (const PrimitiveCase& r : primitive_cases()) {
    if (!r.generic()) continue;
    for (DType t : kAllDTypes) {
      std::optional<DType> v;
      if (!r.variants.empty()) v = r.variants[0];
      for (const testing::Example& e : testing::examples(r, t, v)) {
        SCOPED_TRACE(e.what);
        std::vector<AbstractValue> avals;
        for (const testing::Operand& o : e.operands) avals.push_back({o.dtype, o.shape, false});
        try {
          (void)trace_graph(avals, [&](std::span<const Value> in) {
            return e.call(std::vector<Value>(in.begin(), in.end()));
          });
          EXPECT_TRUE(r.accepts(t)) << r.name << " accepts " << dtype_name(t);
        } catch (const DTypeError& err) {
          EXPECT_FALSE(r.accepts(t)) << err.what();
          EXPECT_NE(std::string(err.what()).find(r.name), std::string::npos) << err.what();
        }
      }
    }
  }
}

// Every example of every row: the reference implementation's results have the dtypes and
// shapes of the shape rule, and where the row gives an independent <cmath> reference, the
// interpreter agrees with it in f64 on the row's domain (within 2 ulp: glibc is both).
TEST(PrimitiveCases, InterpreterMatchesShapeRuleAndIndependentReference) {
  std::mt19937 rng(7);
  int compared = 0;
  for (const PrimitiveCase& r : primitive_cases()) {
    for (DType t : r.dtypes) {
      std::vector<DType> vs = r.variants.empty() ? std::vector<DType>{t} : r.variants;
      for (DType v : vs) {
        for (const testing::Example& e : testing::examples(r, t, v, 5)) {
          SCOPED_TRACE(e.what);
          std::vector<Arg> args;
          Signature sig;
          for (const testing::Operand& o : e.operands) {
            args.push_back(testing::random_operand(o, rng));
            sig.push_back({o.dtype, o.shape, false});
          }
          Fn f = fn_variadic(e.call, r.name);
          std::vector<AbstractValue> want = f.impl()->graph_for(sig)->output_avals();
          Outputs got = f.call(args);
          ASSERT_EQ(got.size(), want.size());
          for (std::size_t k = 0; k < got.size(); ++k) {
            EXPECT_EQ(got[k].dtype(), want[k].dtype);
            EXPECT_EQ(got[k].shape(), want[k].shape);
          }
          if (t != DType::F64 || r.variants.size() || (!r.reference1 && !r.reference2)) continue;
          const Array& y = got[0];
          for (std::int64_t i = 0; i < y.size(); ++i) {
            auto in = [&](std::size_t j) {
              const Array& a = args[j].array();
              return a.element_as_double(a.size() == 1 ? 0 : i);
            };
            double want_v = r.reference1 ? r.reference1(in(0)) : r.reference2(in(0), in(1));
            EXPECT_NEAR(y.element_as_double(i), want_v, 4.5e-16 * std::fabs(want_v))
                << "element " << i;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 200);
}

}  // namespace
}  // namespace lanes::internal
