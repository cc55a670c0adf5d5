// shape_ops primitives (reshape transpose slice concatenate iota rev) against hand-computed
// values and index loops, their shape errors, and the DSL shape ops through lanes::fn.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <string>
#include <vector>

#include "engine/ir/params.h"
#include "engine/primitive.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Params;
using testing::arrays_close;
using testing::expect_error;
using testing::make;

std::vector<double> iota_values(std::int64_t n) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i));
  return v;
}

// Runs a primitive's shape rule and reference implementation; checks they agree.
Array run(const char* name, const std::vector<Array>& in, const Params& params) {
  const internal::Primitive& p = internal::primitive(name);
  std::vector<AbstractValue> avals;
  for (const Array& a : in) avals.push_back(internal::aval_of(a));
  internal::AvalList out = p.abstract_eval(avals, params);
  std::vector<Array> r = p.impl(in, params);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(out[0].dtype, r[0].dtype()) << name;
  EXPECT_EQ(out[0].shape, r[0].shape()) << name;
  return r[0];
}

void shape_rule(const char* name, const std::vector<AbstractValue>& in, const Params& params) {
  internal::primitive(name).abstract_eval(in, params);
}

// Expects `f` to throw E whose message contains every one of `parts`.

AbstractValue av(DType d, Shape s) { return {d, std::move(s), false}; }

// --- reshape -----------------------------------------------------------------------

TEST(ShapeOps, ReshapeKeepsRowMajorOrderForEveryDtype) {
  for (DType d : kAllDTypes) {
    Array x = make(d, {0, 1, 2, 3, 4, 5}, {2, 3});
    Array r = run("reshape", {x}, Params{{"new_sizes", Shape{3, 1, 2}}});
    EXPECT_TRUE(arrays_close(r, make(d, {0, 1, 2, 3, 4, 5}, {3, 1, 2}))) << dtype_name(d);
  }
}

TEST(ShapeOps, ReshapeScalarsAndEmptyArrays) {
  Array s = Array::scalar(2.5);
  EXPECT_TRUE(arrays_close(run("reshape", {s}, Params{{"new_sizes", Shape{1, 1}}}),
                           Array::from({2.5}, {1, 1})));
  EXPECT_TRUE(
      arrays_close(run("reshape", {Array::from({7.0}, {1})}, Params{{"new_sizes", Shape{}}}),
                   Array::scalar(7.0)));
  Array e = Array::zeros(DType::I32, {0, 3});
  EXPECT_EQ(run("reshape", {e}, Params{{"new_sizes", Shape{3, 0, 5}}}).shape(), (Shape{3, 0, 5}));
}

TEST(ShapeOps, ReshapeResultDoesNotAliasItsInput) {
  std::vector<double> mem{1, 2, 3, 4};
  Array v = Array::view(mem.data(), {4});
  Array r = run("reshape", {v}, Params{{"new_sizes", Shape{2, 2}}});
  mem[0] = 99;
  EXPECT_EQ(r.data<double>()[0], 1.0);
}

TEST(ShapeOps, ReshapeToWrongSizeIsAShapeError) {
  expect_error<ShapeError>(
      [] {
        shape_rule("reshape", {av(DType::F64, {2, 3})}, Params{{"new_sizes", Shape{4, 2}}});
      },
      {"reshape", "[2,3]", "[4,2]"});
  expect_error<ShapeError>(
      [] {
        shape_rule("reshape", {av(DType::F64, {4})}, Params{{"new_sizes", Shape{-2, -2}}});
      },
      {"reshape", "negative"});
}

// --- transpose ---------------------------------------------------------------------

TEST(ShapeOps, TransposeMatrix) {
  Array x = Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Array r = run("transpose", {x}, Params{{"permutation", Shape{1, 0}}});
  EXPECT_TRUE(arrays_close(r, Array::from({1.0, 4.0, 2.0, 5.0, 3.0, 6.0}, {3, 2})));
}

TEST(ShapeOps, TransposeRank3MatchesIndexLoopForEveryDtype) {
  for (DType d : kAllDTypes) {
    Array x = make(d, iota_values(24), {2, 3, 4});
    Array r = run("transpose", {x}, Params{{"permutation", Shape{2, 0, 1}}});
    ASSERT_EQ(r.shape(), (Shape{4, 2, 3}));
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 3; ++j) {
        for (int k = 0; k < 4; ++k) {
          // out[k][i][j] = in[i][j][k]; with bool, both sides are (value != 0).
          EXPECT_EQ(r.element_as_double(k * 6 + i * 3 + j),
                    x.element_as_double(i * 12 + j * 4 + k));
        }
      }
    }
  }
}

TEST(ShapeOps, TransposeScalarAndEmpty) {
  EXPECT_TRUE(arrays_close(run("transpose", {Array::scalar(3.0)}, Params{{"permutation", Shape{}}}),
                           Array::scalar(3.0)));
  Array e = Array::zeros(DType::F32, {0, 2});
  EXPECT_EQ(run("transpose", {e}, Params{{"permutation", Shape{1, 0}}}).shape(), (Shape{2, 0}));
}

TEST(ShapeOps, BadPermutationIsAShapeError) {
  AbstractValue x = av(DType::F64, {2, 3});
  expect_error<ShapeError>(
      [&] {
        shape_rule("transpose", {x}, Params{{"permutation", Shape{0, 0}}});
      },
      {"transpose", "twice", "[2,3]"});
  expect_error<ShapeError>(
      [&] {
        shape_rule("transpose", {x}, Params{{"permutation", Shape{0}}});
      },
      {"transpose", "rank 2"});
  expect_error<ShapeError>(
      [&] {
        shape_rule("transpose", {x}, Params{{"permutation", Shape{0, 2}}});
      },
      {"transpose", "axis 2", "out of range"});
}

// --- slice -------------------------------------------------------------------------

Params slice_params(Shape start, Shape limit, Shape strides) {
  return Params{{"start_indices", start}, {"limit_indices", limit}, {"strides", strides}};
}

TEST(ShapeOps, SliceWithStrides) {
  Array v = Array::from({0.0, 1.0, 2.0, 3.0, 4.0});
  EXPECT_TRUE(
      arrays_close(run("slice", {v}, slice_params({1}, {5}, {2})), Array::from({1.0, 3.0})));
  EXPECT_TRUE(
      arrays_close(run("slice", {v}, slice_params({1}, {4}, {2})), Array::from({1.0, 3.0})));
  EXPECT_TRUE(
      arrays_close(run("slice", {v}, slice_params({0}, {5}, {3})), Array::from({0.0, 3.0})));
  // [3,4] matrix 0..11, rows [0,2), columns 1 and 3.
  for (DType d : kAllDTypes) {
    Array m = make(d, iota_values(12), {3, 4});
    Array r = run("slice", {m}, slice_params({0, 1}, {2, 4}, {1, 2}));
    EXPECT_TRUE(arrays_close(r, make(d, {1, 3, 5, 7}, {2, 2}))) << dtype_name(d);
  }
}

TEST(ShapeOps, SliceEmptyAndScalar) {
  Array v = Array::from({0.0, 1.0, 2.0});
  EXPECT_EQ(run("slice", {v}, slice_params({2}, {2}, {1})).shape(), (Shape{0}));
  EXPECT_TRUE(arrays_close(run("slice", {Array::scalar(4.0)}, slice_params({}, {}, {})),
                           Array::scalar(4.0)));
}

TEST(ShapeOps, SliceOutOfBoundsIsAShapeError) {
  AbstractValue x = av(DType::F64, {5});
  expect_error<ShapeError>([&] { shape_rule("slice", {x}, slice_params({1}, {6}, {1})); },
                           {"slice", "axis 0", "[1, 6)", "extent 5"});
  expect_error<ShapeError>([&] { shape_rule("slice", {x}, slice_params({3}, {2}, {1})); },
                           {"slice", "axis 0", "[3, 2)"});
  expect_error<ShapeError>([&] { shape_rule("slice", {x}, slice_params({0}, {2}, {0})); },
                           {"slice", "stride 0"});
  expect_error<ShapeError>(
      [&] {
        shape_rule("slice", {x}, slice_params({0, 0}, {1, 1}, {1, 1}));
      },
      {"slice", "[5]"});
}

// --- concatenate -------------------------------------------------------------------

TEST(ShapeOps, ConcatenateAlongEachAxis) {
  Array a = Array::from({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Array b = Array::from({5.0, 6.0}, {1, 2});
  EXPECT_TRUE(arrays_close(run("concatenate", {a, b}, Params{{"dimension", std::int64_t{0}}}),
                           Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {3, 2})));
  Array c = Array::from({7.0, 8.0}, {2, 1});
  EXPECT_TRUE(
      arrays_close(run("concatenate", {a, c, a}, Params{{"dimension", std::int64_t{1}}}),
                   Array::from({1.0, 2.0, 7.0, 1.0, 2.0, 3.0, 4.0, 8.0, 3.0, 4.0}, {2, 5})));
}

TEST(ShapeOps, ConcatenateEveryDtypeAndEmptyOperands) {
  for (DType d : kAllDTypes) {
    Array a = make(d, {1, 0, 1}, {3});
    Array e = make(d, {}, {0});
    Array b = make(d, {0, 1}, {2});
    EXPECT_TRUE(arrays_close(run("concatenate", {a, e, b}, Params{{"dimension", std::int64_t{0}}}),
                             make(d, {1, 0, 1, 0, 1}, {5})))
        << dtype_name(d);
  }
  Array z = Array::zeros(DType::I64, {0, 2});
  EXPECT_EQ(run("concatenate", {z, z}, Params{{"dimension", std::int64_t{1}}}).shape(),
            (Shape{0, 4}));
}

TEST(ShapeOps, ConcatenateMismatchesAreErrors) {
  Params dim0{{"dimension", std::int64_t{0}}};
  expect_error<ShapeError>(
      [&] {
        shape_rule("concatenate", {av(DType::F64, {2, 2}), av(DType::F64, {2})}, dim0);
      },
      {"concatenate", "ranks", "f64[2,2]", "f64[2]"});
  expect_error<ShapeError>(
      [&] {
        shape_rule("concatenate", {av(DType::F64, {2, 2}), av(DType::F64, {1, 3})}, dim0);
      },
      {"concatenate", "axis 1", "f64[2,2]", "f64[1,3]"});
  expect_error<DTypeError>(
      [&] {
        shape_rule("concatenate", {av(DType::F64, {2}), av(DType::F32, {2})}, dim0);
      },
      {"concatenate", "dtype"});
  expect_error<ShapeError>([&] { shape_rule("concatenate", {av(DType::F64, {})}, dim0); },
                           {"concatenate", "dimension 0"});
}

// --- iota --------------------------------------------------------------------------

Params iota_params(DType d, Shape s, std::int64_t dim) {
  return Params{{"dtype", d}, {"shape", s}, {"dimension", dim}};
}

TEST(ShapeOps, IotaCountsAlongItsDimension) {
  for (DType d : {DType::I32, DType::I64, DType::F32, DType::F64}) {
    EXPECT_TRUE(arrays_close(run("iota", {}, iota_params(d, {2, 3}, 1)),
                             make(d, {0, 1, 2, 0, 1, 2}, {2, 3})));
    EXPECT_TRUE(arrays_close(run("iota", {}, iota_params(d, {2, 3}, 0)),
                             make(d, {0, 0, 0, 1, 1, 1}, {2, 3})));
  }
  EXPECT_TRUE(arrays_close(run("iota", {}, iota_params(DType::I64, {4}, 0)),
                           Array::from(std::vector<std::int64_t>{0, 1, 2, 3})));
  EXPECT_EQ(run("iota", {}, iota_params(DType::F32, {0, 3}, 1)).shape(), (Shape{0, 3}));
}

TEST(ShapeOps, IotaErrors) {
  expect_error<DTypeError>([] { shape_rule("iota", {}, iota_params(DType::Bool, {3}, 0)); },
                           {"iota", "bool"});
  expect_error<ShapeError>([] { shape_rule("iota", {}, iota_params(DType::I32, {3}, 1)); },
                           {"iota", "dimension 1", "[3]"});
}

// --- rev -------------------------------------------------------------------------
// Expected values: numpy, np.flip(np.arange(6).reshape(2, 3), axis) for axis 1, 0, (0, 1).
TEST(ShapeOps, RevReversesEachListedAxis) {
  Array x = Array::from({0.0, 1.0, 2.0, 3.0, 4.0, 5.0}, {2, 3});
  EXPECT_TRUE(arrays_close(run("rev", {x}, Params{{"dimensions", Shape{1}}}),
                           Array::from({2.0, 1.0, 0.0, 5.0, 4.0, 3.0}, {2, 3})));
  EXPECT_TRUE(arrays_close(run("rev", {x}, Params{{"dimensions", Shape{0}}}),
                           Array::from({3.0, 4.0, 5.0, 0.0, 1.0, 2.0}, {2, 3})));
  EXPECT_TRUE(arrays_close(run("rev", {x}, Params{{"dimensions", Shape{0, 1}}}),
                           Array::from({5.0, 4.0, 3.0, 2.0, 1.0, 0.0}, {2, 3})));
  EXPECT_EQ(
      run("rev", {Array::zeros(DType::I32, {0, 2})}, Params{{"dimensions", Shape{0}}}).shape(),
      (Shape{0, 2}));
}

TEST(ShapeOps, RevBadDimensionsAreShapeErrors) {
  AbstractValue x = av(DType::F64, {2, 3});
  expect_error<ShapeError>(
      [&] {
        shape_rule("rev", {x}, Params{{"dimensions", Shape{2}}});
      },
      {"rev", "dimensions", "[2,3]"});
  expect_error<ShapeError>(
      [&] {
        fn([](Value v) { return rev(v, {1, -1}); })(Array::zeros(DType::F64, {2, 3}));
      },
      {"rev", "twice", "[2,3]"});
}

// Under jit the innermost reversed axis is a load of stride -1 along the vector axis (a
// gather), at every length around the SIMD widths; grad is rev of the cotangent.
TEST(ShapeOpsDsl, RevUnderJitAndGrad) {
  for (std::int64_t n : {1, 3, 7, 8, 9, 17, 33}) {
    std::vector<double> v = iota_values(2 * n);
    Array x = Array::from(v, {2, n});
    Array r = jit(fn([](Value a) { return rev(a, {0, 1}); }))(x);
    std::vector<double> expect(v.rbegin(), v.rend());
    EXPECT_TRUE(arrays_close(r, Array::from(expect, {2, n}))) << n;
  }
  // d/dx sum(w * rev(x)) = rev(w): w = [1, 2, 3] gives [3, 2, 1].
  Array w = Array::from({1.0, 2.0, 3.0}, {3});
  Array g = grad(fn([](Value x, Value wv) { return sum(wv * rev(x, {0})); }))(
      Array::from({0.5, -1.0, 2.0}, {3}), w);
  EXPECT_TRUE(arrays_close(g, Array::from({3.0, 2.0, 1.0}, {3})));
}

TEST(ShapeOps, PrimitivesAreStructuralWithEveryTransformationRule) {
  using K = internal::LoweringKind;
  const std::pair<const char*, K> prims[] = {
      {"reshape", K::Reshape},         {"transpose", K::IndexMap}, {"slice", K::IndexMap},
      {"concatenate", K::Concatenate}, {"iota", K::Iota},          {"rev", K::IndexMap}};
  for (const auto& [name, kind] : prims) {
    const internal::Primitive& p = internal::primitive(name);
    EXPECT_EQ(p.lowering, kind) << name;
    EXPECT_EQ(kind == K::IndexMap, static_cast<bool>(p.index_map)) << name;
    EXPECT_EQ(p.batch.state, internal::Rule<internal::BatchFn>::State::Defined) << name;
    EXPECT_EQ(p.vjp.state, internal::Rule<internal::VjpFn>::State::Defined) << name;
    EXPECT_EQ(p.jvp.state, internal::Rule<internal::JvpFn>::State::Defined) << name;
  }
}

// --- the DSL -----------------------------------------------------------------------

TEST(ShapeOpsDsl, ReshapeInfersOneExtent) {
  Array x = Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Array r = fn([](Value v) { return reshape(v, {-1, 2}); })(x);
  EXPECT_TRUE(arrays_close(r, Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {3, 2})));
  Array flat = fn([](Value v) { return reshape(v, {-1}); })(x);
  EXPECT_EQ(flat.shape(), (Shape{6}));
  expect_error<ShapeError>([&] { fn([](Value v) {
                                   return reshape(v, {-1, -1});
                                 })(x); },
                           {"reshape", "-1"});
  expect_error<ShapeError>([&] { fn([](Value v) {
                                   return reshape(v, {-1, 4});
                                 })(x); },
                           {"reshape", "[2,3]", "[-1,4]"});
  expect_error<ShapeError>([&] { fn([](Value v) { return reshape(v, {5}); })(x); },
                           {"reshape", "[2,3]", "[5]"});
}

TEST(ShapeOpsDsl, TransposeReversesAxesByDefault) {
  Array x = make(DType::I32, iota_values(24), {2, 3, 4});
  Array r = fn([](Value v) { return transpose(v); })(x);
  ASSERT_EQ(r.shape(), (Shape{4, 3, 2}));
  auto xd = x.data<std::int32_t>();
  auto rd = r.data<std::int32_t>();
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) EXPECT_EQ(rd[k * 6 + j * 2 + i], xd[i * 12 + j * 4 + k]);
    }
  }
  // Negative axes count from the end: (-1, 0, 1) = (2, 0, 1).
  Array p = fn([](Value v) { return transpose(v, {-1, 0, 1}); })(x);
  ASSERT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.data<std::int32_t>()[1 * 6 + 1 * 3 + 2], xd[1 * 12 + 2 * 4 + 1]);
  expect_error<ShapeError>([&] { fn([](Value v) {
                                   return transpose(v, {0, 1});
                                 })(x); },
                           {"transpose", "[2,3,4]"});
}

TEST(ShapeOpsDsl, SliceDefaultsToUnitStrides) {
  Array x = Array::from({0.0, 1.0, 2.0, 3.0, 4.0, 5.0}, {2, 3});
  Array r = fn([](Value v) { return slice(v, {0, 1}, {2, 3}); })(x);
  EXPECT_TRUE(arrays_close(r, Array::from({1.0, 2.0, 4.0, 5.0}, {2, 2})));
}

TEST(ShapeOpsDsl, ConcatenateNegativeAxis) {
  Array a = Array::from({1.0, 2.0}, {2, 1});
  Array b = Array::from({3.0, 4.0, 5.0, 6.0}, {2, 2});
  Array r = fn([](Value x, Value y) { return concatenate({x, y}, -1); })(a, b);
  EXPECT_TRUE(arrays_close(r, Array::from({1.0, 3.0, 4.0, 2.0, 5.0, 6.0}, {2, 3})));
  expect_error<ShapeError>([&] { fn([](Value x) {
                                   return concatenate({x, x}, 2);
                                 })(a); },
                           {"concatenate", "axis 2", "[2,1]"});
  expect_error<ShapeError>(
      [&] { fn([](Value x) {
              return concatenate({x, x}, 0);
            })(Array::scalar(1.0)); },
      {"concatenate", "zero-dimensional"});
}

TEST(ShapeOpsDsl, Iota) {
  Array r = fn([] { return iota(DType::I32, {2, 2}, -1); })();
  EXPECT_TRUE(arrays_close(r, make(DType::I32, {0, 1, 0, 1}, {2, 2})));
}

TEST(ShapeOpsDsl, ExpandDimsAndSqueeze) {
  Array x = Array::from({1.0, 2.0, 3.0});
  EXPECT_EQ(static_cast<Array>(fn([](Value v) { return expand_dims(v, 0); })(x)).shape(),
            (Shape{1, 3}));
  EXPECT_EQ(static_cast<Array>(fn([](Value v) { return expand_dims(v, -1); })(x)).shape(),
            (Shape{3, 1}));
  expect_error<ShapeError>([&] { fn([](Value v) { return expand_dims(v, 2); })(x); },
                           {"expand_dims", "axis 2", "[3]"});
  Array y = Array::from({1.0, 2.0, 3.0}, {1, 3, 1});
  Array all = fn([](Value v) { return squeeze(v, {}); })(y);
  EXPECT_TRUE(arrays_close(all, Array::from({1.0, 2.0, 3.0})));
  EXPECT_EQ(static_cast<Array>(fn([](Value v) { return squeeze(v, {-1}); })(y)).shape(),
            (Shape{1, 3}));
  expect_error<ShapeError>([&] { fn([](Value v) { return squeeze(v, {1}); })(y); },
                           {"squeeze", "axis 1", "[1,3,1]", "extent 3"});
}

// Some DSL ops lean on the elementwise and broadcast families (convert, div, mul,
// broadcast_in_dim); these tests skip until those primitives are registered.
TEST(ShapeOpsDsl, ConcatenatePromotesDtypes) {
  Array a = make(DType::I32, {1, 2}, {2});
  Array b = Array::from(std::vector<float>{0.5f});
  b = b.reshaped({1});
  Array r = fn([](Value x, Value y) { return concatenate({x, y}, 0); })(a, b);
  EXPECT_TRUE(arrays_close(r, Array::from(std::vector<float>{1.0f, 2.0f, 0.5f})));
}

}  // namespace
}  // namespace lanes
