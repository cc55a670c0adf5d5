// dot_general against hand-computed values and naive loops (batch, several contracting
// dims, no contracting dims, empty extents, every accepted dtype), its shape and dtype
// errors, and the DSL's dot / matmul / outer / dot_general through lanes::fn.
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


// Small integers (exact in every dtype), deterministic.
std::vector<double> data(std::int64_t n, int seed) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < n; ++i)
    v.push_back(static_cast<double>((i * 7 + seed * 3) % 11 - 5));
  return v;
}

Params dims(Shape lc, Shape rc, Shape lb = {}, Shape rb = {}) {
  return Params{
      {"lhs_contracting", lc}, {"rhs_contracting", rc}, {"lhs_batch", lb}, {"rhs_batch", rb}};
}

Array run(const Array& a, const Array& b, const Params& params) {
  const internal::Primitive& p = internal::primitive("dot_general");
  std::vector<AbstractValue> avals{internal::aval_of(a), internal::aval_of(b)};
  internal::AvalList out = p.abstract_eval(avals, params);
  std::vector<Array> r = p.impl(std::vector<Array>{a, b}, params);
  EXPECT_EQ(out[0].dtype, r[0].dtype());
  EXPECT_EQ(out[0].shape, r[0].shape());
  return r[0];
}


// Naive batched matmul: a [B,M,K] · b [B,K,N] -> [B,M,N] (B = 1 for plain matrices).
std::vector<double> naive_matmul(const std::vector<double>& a, const std::vector<double>& b, int B,
                                 int M, int K, int N) {
  std::vector<double> c(static_cast<std::size_t>(B * M * N), 0.0);
  for (int z = 0; z < B; ++z) {
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k) {
          s += a[static_cast<std::size_t>((z * M + i) * K + k)] *
               b[static_cast<std::size_t>((z * K + k) * N + j)];
        }
        c[static_cast<std::size_t>((z * M + i) * N + j)] = s;
      }
    }
  }
  return c;
}

const DType kNumeric[] = {DType::I32, DType::I64, DType::F32, DType::F64};

TEST(DotGeneral, MatrixProductHandComputed) {
  for (DType d : kNumeric) {
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    Array a = make(d, {1, 2, 3, 4, 5, 6}, {2, 3});
    Array b = make(d, {7, 8, 9, 10, 11, 12}, {3, 2});
    EXPECT_TRUE(arrays_close(run(a, b, dims({1}, {0})), make(d, {58, 64, 139, 154}, {2, 2})))
        << dtype_name(d);
    // Contracting a's rows with b's rows: a^T b would need the same extent; use a·a^T.
    EXPECT_TRUE(arrays_close(run(a, a, dims({1}, {1})), make(d, {14, 32, 32, 77}, {2, 2})))
        << dtype_name(d);
  }
}

TEST(DotGeneral, VectorDotAndScalars) {
  Array v = Array::from({1.0, 2.0, 3.0});
  Array w = Array::from({4.0, -5.0, 6.0});
  EXPECT_TRUE(arrays_close(run(v, w, dims({0}, {0})), Array::scalar(12.0)));
  // 0-d operands with no contracting dims: their product.
  EXPECT_TRUE(arrays_close(run(Array::scalar(3.0), Array::scalar(-2.0), dims({}, {})),
                           Array::scalar(-6.0)));
  // No contracting dims: the outer product.
  EXPECT_TRUE(arrays_close(run(Array::from({1.0, 2.0}), w, dims({}, {})),
                           Array::from({4.0, -5.0, 6.0, 8.0, -10.0, 12.0}, {2, 3})));
}

TEST(DotGeneral, BatchedMatmulMatchesNaiveLoop) {
  const int B = 3, M = 2, K = 4, N = 5;
  std::vector<double> av = data(B * M * K, 1), bv = data(B * K * N, 2);
  for (DType d : kNumeric) {
    Array a = make(d, av, {B, M, K});
    Array b = make(d, bv, {B, K, N});
    Array r = run(a, b, dims({2}, {1}, {0}, {0}));
    EXPECT_TRUE(arrays_close(r, make(d, naive_matmul(av, bv, B, M, K, N), {B, M, N})))
        << dtype_name(d);
  }
}

TEST(DotGeneral, BatchDimsNeedNotLeadAndResultOrderIsBatchLhsFreeRhsFree) {
  // lhs [K=3, B=2, M=2], rhs [N=4, B=2, K=3]; result [B, M, N].
  std::vector<double> av = data(12, 3), bv = data(24, 4);
  Array a = make(DType::F64, av, {3, 2, 2});
  Array b = make(DType::F64, bv, {4, 2, 3});
  Array r = run(a, b, dims({0}, {2}, {1}, {1}));
  ASSERT_EQ(r.shape(), (Shape{2, 2, 4}));
  for (int z = 0; z < 2; ++z) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 4; ++j) {
        double s = 0;
        for (int k = 0; k < 3; ++k) {
          s += av[static_cast<std::size_t>(k * 4 + z * 2 + i)] *
               bv[static_cast<std::size_t>(j * 6 + z * 3 + k)];
        }
        EXPECT_EQ(r.data<double>()[(z * 2 + i) * 4 + j], s);
      }
    }
  }
}

TEST(DotGeneral, TwoContractingDims) {
  // lhs [2,3,4] contracts axes (1,2) with rhs [4,3] axes (1,0): result [2].
  std::vector<double> av = data(24, 5), bv = data(12, 6);
  Array a = make(DType::I64, av, {2, 3, 4});
  Array b = make(DType::I64, bv, {4, 3});
  Array r = run(a, b, dims({1, 2}, {1, 0}));
  ASSERT_EQ(r.shape(), (Shape{2}));
  for (int i = 0; i < 2; ++i) {
    double s = 0;
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) {
        s += av[static_cast<std::size_t>(i * 12 + j * 4 + k)] *
             bv[static_cast<std::size_t>(k * 3 + j)];
      }
    }
    EXPECT_EQ(r.data<std::int64_t>()[i], s);
  }
}

TEST(DotGeneral, EmptyExtents) {
  // Contracting over an empty axis gives zeros; an empty free axis gives an empty result.
  Array a = Array::zeros(DType::F32, {2, 0});
  Array b = Array::zeros(DType::F32, {0, 3});
  EXPECT_TRUE(arrays_close(run(a, b, dims({1}, {0})), Array::zeros(DType::F32, {2, 3})));
  Array c = Array::zeros(DType::I32, {0, 4});
  Array d = Array::ones(DType::I32, {4, 2});
  EXPECT_EQ(run(c, d, dims({1}, {0})).shape(), (Shape{0, 2}));
}

TEST(DotGeneral, F32AccumulatesInDouble) {
  Array a = Array::from(std::vector<float>{1e8f, 1.0f, -1e8f});
  Array b = Array::from(std::vector<float>{1.0f, 1.0f, 1.0f});
  EXPECT_EQ(run(a, b, dims({0}, {0})).item<float>(), 1.0f);
}

TEST(DotGeneral, IntegerProductsWrap) {
  Array a = Array::from(std::vector<std::int32_t>{65536}, {1});
  EXPECT_EQ(run(a, a, dims({0}, {0})).item<std::int32_t>(), 0);  // 2^32 mod 2^32
}

TEST(DotGeneral, ShapeErrors) {
  auto rule = [](Shape a, Shape b, const Params& p) {
    std::vector<AbstractValue> in{{DType::F64, std::move(a), false},
                                  {DType::F64, std::move(b), false}};
    internal::primitive("dot_general").abstract_eval(in, p);
  };
  expect_error<ShapeError>(
      [&] {
        rule({2, 3}, {4, 2}, dims({1}, {0}));
      },
      {"dot_general", "contracting", "extent 3", "lhs axis 1", "4", "[2,3]", "[4,2]"});
  expect_error<ShapeError>(
      [&] {
        rule({2, 3, 4}, {5, 4, 6}, dims({2}, {1}, {0}, {0}));
      },
      {"dot_general", "batch", "extent 2", "5"});
  expect_error<ShapeError>(
      [&] {
        rule({2, 3}, {3, 2}, dims({2}, {0}));
      },
      {"dot_general", "axis 2", "[2,3]"});
  expect_error<ShapeError>(
      [&] {
        rule({3, 3}, {3, 3}, dims({1}, {0}, {1}, {1}));
      },
      {"dot_general", "twice"});
  expect_error<ShapeError>([&] { rule({3}, {3}, dims({0}, {})); },
                           {"dot_general", "differ in length"});
}

TEST(DotGeneral, DTypeErrors) {
  auto rule = [](DType a, DType b) {
    std::vector<AbstractValue> in{{a, {3}, false}, {b, {3}, false}};
    internal::primitive("dot_general").abstract_eval(in, dims({0}, {0}));
  };
  expect_error<DTypeError>([&] { rule(DType::F32, DType::F64); },
                           {"dot_general", "f32[3]", "f64[3]"});
  expect_error<DTypeError>([&] { rule(DType::Bool, DType::Bool); }, {"dot_general", "bool"});
}

TEST(DotGeneral, IsAContractionWithEveryTransformationRule) {
  const internal::Primitive& p = internal::primitive("dot_general");
  EXPECT_EQ(p.lowering, internal::LoweringKind::Contraction);
  EXPECT_EQ(p.batch.state, internal::Rule<internal::BatchFn>::State::Defined);
  EXPECT_EQ(p.vjp.state, internal::Rule<internal::VjpFn>::State::Defined);
  EXPECT_EQ(p.jvp.state, internal::Rule<internal::JvpFn>::State::Defined);
}

// --- the DSL -----------------------------------------------------------------------

TEST(LinalgDsl, DotMatrixVector) {
  std::vector<double> mv = data(12, 1), vv = data(4, 2);
  Array m = Array::from(mv, {3, 4});
  Array v = Array::from(vv, {4});
  Array r = fn([](Value a, Value b) { return dot(a, b); })(m, v);
  ASSERT_EQ(r.shape(), (Shape{3}));
  for (int i = 0; i < 3; ++i) {
    double s = 0;
    for (int k = 0; k < 4; ++k)
      s += mv[static_cast<std::size_t>(i * 4 + k)] * vv[static_cast<std::size_t>(k)];
    EXPECT_EQ(r.data<double>()[i], s);
  }
}

TEST(LinalgDsl, DotVectorVectorVectorMatrixMatrixMatrix) {
  std::vector<double> av = data(6, 1), bv = data(6, 2), cv = data(8, 3);
  Array a = Array::from(av, {2, 3});
  Array u = Array::from(bv, {6});
  Array w = Array::from(av, {6});
  Array c = Array::from(cv, {2, 4});
  Array b = Array::from(bv, {3, 2});
  auto f = fn([](Value x, Value y) { return dot(x, y); });
  double s = 0;
  for (int k = 0; k < 6; ++k)
    s += av[static_cast<std::size_t>(k)] * bv[static_cast<std::size_t>(k)];
  Array vv = f(u, w);
  EXPECT_EQ(vv.shape(), Shape{});
  EXPECT_EQ(vv.item<double>(), s);
  // [2] · [2,4] -> [4]
  Array x = Array::from({1.0, -2.0});
  Array vm = f(x, c);
  ASSERT_EQ(vm.shape(), (Shape{4}));
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(vm.data<double>()[j],
              cv[static_cast<std::size_t>(j)] - 2 * cv[static_cast<std::size_t>(4 + j)]);
  }
  Array mm = f(a, b);
  EXPECT_TRUE(arrays_close(mm, Array::from(naive_matmul(av, bv, 1, 2, 3, 2), {2, 2})));
}

TEST(LinalgDsl, DotOfNdArraysFollowsJnpDot) {
  // [2,3,4] · [5,4,6] -> [2,3,5,6]: a's last axis with b's second-to-last.
  std::vector<double> av = data(24, 1), bv = data(120, 2);
  Array a = Array::from(av, {2, 3, 4});
  Array b = Array::from(bv, {5, 4, 6});
  Array r = fn([](Value x, Value y) { return dot(x, y); })(a, b);
  ASSERT_EQ(r.shape(), (Shape{2, 3, 5, 6}));
  for (int i = 0; i < 6; ++i) {
    for (int p = 0; p < 5; ++p) {
      for (int j = 0; j < 6; ++j) {
        double s = 0;
        for (int k = 0; k < 4; ++k) {
          s += av[static_cast<std::size_t>(i * 4 + k)] *
               bv[static_cast<std::size_t>((p * 4 + k) * 6 + j)];
        }
        EXPECT_EQ(r.data<double>()[(i * 5 + p) * 6 + j], s);
      }
    }
  }
}

TEST(LinalgDsl, DotShapeMismatchNamesDot) {
  Array a = Array::zeros(DType::F64, {2, 3});
  Array b = Array::zeros(DType::F64, {4});
  expect_error<ShapeError>([&] { fn([](Value x, Value y) { return dot(x, y); })(a, b); },
                           {"dot", "[2,3]", "[4]", "extent 3", "extent 4"});
  expect_error<ShapeError>([&] { fn([](Value x, Value y) { return matmul(x, y); })(a, b); },
                           {"matmul", "[2,3]", "[4]"});
}

TEST(LinalgDsl, MatmulBatchedMatchesNaiveTripleLoop) {
  const int B = 4, M = 3, K = 5, N = 2;
  std::vector<double> av = data(B * M * K, 7), bv = data(B * K * N, 8);
  for (DType d : kNumeric) {
    Array a = make(d, av, {B, M, K});
    Array b = make(d, bv, {B, K, N});
    Array r = fn([](Value x, Value y) { return matmul(x, y); })(a, b);
    EXPECT_TRUE(arrays_close(r, make(d, naive_matmul(av, bv, B, M, K, N), {B, M, N})))
        << dtype_name(d);
  }
}

TEST(LinalgDsl, MatmulWithOneUnbatchedOperand) {
  const int B = 3, M = 2, K = 4, N = 3;
  std::vector<double> av = data(B * M * K, 1), bv = data(K * N, 2);
  auto mm = fn([](Value x, Value y) { return matmul(x, y); });
  // [B,M,K] @ [K,N]: the matrix is shared by every batch element.
  std::vector<double> b_rep;
  for (int z = 0; z < B; ++z) b_rep.insert(b_rep.end(), bv.begin(), bv.end());
  Array r1 = mm(Array::from(av, {B, M, K}), Array::from(bv, {K, N}));
  EXPECT_TRUE(arrays_close(r1, Array::from(naive_matmul(av, b_rep, B, M, K, N), {B, M, N})));
  // [M,K] @ [B,K,N].
  std::vector<double> a2 = data(M * K, 3), b2 = data(B * K * N, 4), a_rep;
  for (int z = 0; z < B; ++z) a_rep.insert(a_rep.end(), a2.begin(), a2.end());
  Array r2 = mm(Array::from(a2, {M, K}), Array::from(b2, {B, K, N}));
  EXPECT_TRUE(arrays_close(r2, Array::from(naive_matmul(a_rep, b2, B, M, K, N), {B, M, N})));
}

TEST(LinalgDsl, MatmulWithVectors) {
  auto mm = fn([](Value x, Value y) { return matmul(x, y); });
  std::vector<double> bv = data(2 * 3 * 4, 5);
  Array b = Array::from(bv, {2, 3, 4});
  // [3] @ [2,3,4] -> [2,4]
  Array r = mm(Array::from({1.0, 0.0, -1.0}), b);
  ASSERT_EQ(r.shape(), (Shape{2, 4}));
  for (int z = 0; z < 2; ++z) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(r.data<double>()[z * 4 + j], bv[static_cast<std::size_t>(z * 12 + j)] -
                                                 bv[static_cast<std::size_t>(z * 12 + 8 + j)]);
    }
  }
  // [2,3,4] @ [4] -> [2,3]
  Array s = mm(b, Array::from({0.0, 1.0, 0.0, 0.0}));
  ASSERT_EQ(s.shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(s.data<double>()[i], bv[static_cast<std::size_t>(i * 4 + 1)]);
}

TEST(LinalgDsl, OuterFlattensItsOperands) {
  Array a = Array::from({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Array b = Array::from({10.0, -1.0});
  Array r = fn([](Value x, Value y) { return outer(x, y); })(a, b);
  EXPECT_TRUE(
      arrays_close(r, Array::from({10.0, -1.0, 20.0, -2.0, 30.0, -3.0, 40.0, -4.0}, {4, 2})));
}

TEST(LinalgDsl, DotGeneralWithNegativeAxes) {
  std::vector<double> av = data(6, 1), bv = data(6, 2);
  Array a = Array::from(av, {2, 3});
  Array b = Array::from(bv, {3, 2});
  Array r = fn([](Value x, Value y) { return dot_general(x, y, {-1}, {0}); })(a, b);
  EXPECT_TRUE(arrays_close(r, Array::from(naive_matmul(av, bv, 1, 2, 3, 2), {2, 2})));
}

// Some DSL ops lean on the elementwise and broadcast families (convert, div, mul,
// broadcast_in_dim); these tests skip until those primitives are registered.
TEST(LinalgDsl, DotPromotesMixedDtypes) {
  Array m = make(DType::I32, {1, 2, 3, 4}, {2, 2});
  Array v = Array::from({0.5, -1.0});
  Array r = fn([](Value a, Value b) { return dot(a, b); })(m, v);
  EXPECT_TRUE(arrays_close(r, Array::from({1.0 * 0.5 - 2.0, 3.0 * 0.5 - 4.0})));
  // A weakly typed scalar keeps the other operand's dtype; dot with a 0-d operand scales.
  Array f = Array::from(std::vector<float>{1.0f, -2.0f});
  Array s = fn([](Value a) { return dot(a, 3.0); })(f);
  EXPECT_TRUE(arrays_close(s, Array::from(std::vector<float>{3.0f, -6.0f})));
}

TEST(LinalgDsl, BoolDotIsAnyOfAnds) {
  Array a = Array::from(std::vector<bool>{true, false, true, false}, {2, 2});
  Array v = Array::from(std::vector<bool>{false, true});
  Array r = fn([](Value x, Value y) { return dot(x, y); })(a, v);
  EXPECT_TRUE(arrays_close(r, Array::from(std::vector<bool>{false, false})));
  Array w = Array::from(std::vector<bool>{true, true});
  Array q = fn([](Value x, Value y) { return dot(x, y); })(a, w);
  EXPECT_TRUE(arrays_close(q, Array::from(std::vector<bool>{true, true})));
}

TEST(LinalgDsl, MatmulBroadcastsBatchDims) {
  // [2,1,3,4] @ [5,4,2] -> [2,5,3,2]
  std::vector<double> av = data(2 * 3 * 4, 1), bv = data(5 * 4 * 2, 2);
  Array a = Array::from(av, {2, 1, 3, 4});
  Array b = Array::from(bv, {5, 4, 2});
  Array r = fn([](Value x, Value y) { return matmul(x, y); })(a, b);
  ASSERT_EQ(r.shape(), (Shape{2, 5, 3, 2}));
  for (int z = 0; z < 2; ++z) {
    for (int y = 0; y < 5; ++y) {
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 2; ++j) {
          double s = 0;
          for (int k = 0; k < 4; ++k) {
            s += av[static_cast<std::size_t>((z * 3 + i) * 4 + k)] *
                 bv[static_cast<std::size_t>((y * 4 + k) * 2 + j)];
          }
          EXPECT_EQ(r.data<double>()[((z * 5 + y) * 3 + i) * 2 + j], s);
        }
      }
    }
  }
  Array c = Array::zeros(DType::F64, {3, 3, 4});
  expect_error<ShapeError>([&] { fn([](Value x, Value y) { return matmul(x, y); })(c, b); },
                           {"matmul", "cannot be broadcast"});
}

}  // namespace
}  // namespace lanes
