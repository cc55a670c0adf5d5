// broadcast_in_dim (primitive, lax semantics) and the DSL's broadcast_to / full /
// zeros_like / ones_like.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <string>

#include "tests/unit/primitive_eval_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Params;
using testing::arrays_close;
using testing::eval_prim;
using testing::eval_shape;

Params bid(Shape shape, Axes dims) {
  return Params{{"shape", shape}, {"broadcast_dimensions", dims}};
}

TEST(BroadcastInDim, MapsOperandDimsToResultDims) {
  Array v = Array::from(std::vector<double>{1, 2, 3});
  // As rows: result[i][j] = v[j].
  EXPECT_TRUE(arrays_close(eval_prim("broadcast_in_dim", {v}, bid({2, 3}, {1})),
                           Array::from(std::vector<double>{1, 2, 3, 1, 2, 3}, {2, 3})));
  // As columns: result[i][j] = v[i].
  EXPECT_TRUE(arrays_close(eval_prim("broadcast_in_dim", {v}, bid({3, 2}, {0})),
                           Array::from(std::vector<double>{1, 1, 2, 2, 3, 3}, {3, 2})));
  // Extent-1 dims repeat: [3,1] -> [3,4].
  Array c = Array::from(std::vector<std::int32_t>{1, 2, 3}, {3, 1});
  EXPECT_TRUE(arrays_close(
      eval_prim("broadcast_in_dim", {c}, bid({3, 4}, {0, 1})),
      Array::from(std::vector<std::int32_t>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, {3, 4})));
  // A middle result dim with no operand dim, and an operand extent-1 dim at the front.
  Array m = Array::from(std::vector<float>{1, 2, 3, 4, 5, 6}, {1, 2, 3});
  Array r = eval_prim("broadcast_in_dim", {m}, bid({2, 2, 2, 3}, {0, 2, 3}));
  ASSERT_EQ(r.shape(), (Shape{2, 2, 2, 3}));
  for (std::int64_t a = 0; a < 2; ++a) {
    for (std::int64_t b = 0; b < 2; ++b) {
      for (std::int64_t c2 = 0; c2 < 2; ++c2) {
        for (std::int64_t d = 0; d < 3; ++d) {
          EXPECT_EQ(r.data<float>()[((a * 2 + b) * 2 + c2) * 3 + d], m.data<float>()[c2 * 3 + d]);
        }
      }
    }
  }
}

TEST(BroadcastInDim, ScalarsBoolsAndEmpty) {
  EXPECT_TRUE(arrays_close(eval_prim("broadcast_in_dim", {Array::scalar(2.5)}, bid({2, 2}, {})),
                           Array::full(DType::F64, {2, 2}, 2.5)));
  EXPECT_TRUE(arrays_close(eval_prim("broadcast_in_dim", {Array::scalar(7.0)}, bid({}, {})),
                           Array::scalar(7.0)));
  Array b = Array::from(std::vector<bool>{true, false});
  EXPECT_TRUE(arrays_close(eval_prim("broadcast_in_dim", {b}, bid({2, 2}, {0})),
                           Array::from(std::vector<bool>{true, true, false, false}, {2, 2})));
  Array one = Array::from(std::vector<double>{4}, {1});
  EXPECT_EQ(eval_prim("broadcast_in_dim", {one}, bid({0, 3}, {1})).shape(), (Shape{0, 3}));
  EXPECT_EQ(eval_prim("broadcast_in_dim", {one}, bid({3, 0}, {1})).shape(), (Shape{3, 0}));
}

TEST(BroadcastInDim, KeepsDtypeAndWeakType) {
  AbstractValue w{DType::F32, {3}, true};
  EXPECT_EQ(eval_shape("broadcast_in_dim", {w}, bid({2, 3}, {1})),
            (AbstractValue{DType::F32, {2, 3}, true}));
}

std::string bid_error(Shape from, Shape to, Axes dims) {
  try {
    eval_shape("broadcast_in_dim", {AbstractValue{DType::F64, from, false}}, bid(to, dims));
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "no ShapeError";
}

TEST(BroadcastInDim, ShapeErrors) {
  std::string m = bid_error({3}, {2, 4}, {1});
  EXPECT_NE(m.find("broadcast_in_dim: operand f64[3] to shape [2,4]"), std::string::npos) << m;
  EXPECT_NE(m.find("extent 3, which is neither 1 nor the result extent 4"), std::string::npos) << m;
  EXPECT_NE(bid_error({2, 2}, {2, 2}, {1, 0}).find("strictly increasing"), std::string::npos);
  EXPECT_NE(bid_error({2, 2}, {2, 2}, {0, 0}).find("strictly increasing"), std::string::npos);
  EXPECT_NE(bid_error({2}, {2, 2}, {0, 1}).find("one entry per operand dimension"),
            std::string::npos);
  EXPECT_NE(bid_error({2}, {2}, {1}).find("out of range"), std::string::npos);
  EXPECT_NE(bid_error({}, {-1}, {}).find("negative extent"), std::string::npos);
}

// --- the DSL ---------------------------------------------------------------------

TEST(BroadcastOps, BroadcastToFollowsNumpy) {
  Fn f = fn([](Value x) { return broadcast_to(x, {2, 3, 4}); });
  Array c = Array::from(std::vector<double>{1, 2, 3}, {3, 1});
  Array r = f(c);
  ASSERT_EQ(r.shape(), (Shape{2, 3, 4}));
  for (std::int64_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r.data<double>()[i], static_cast<double>((i / 4) % 3 + 1)) << i;
  }
  EXPECT_TRUE(arrays_close(fn([](Value x) { return broadcast_to(x, {2}); })(3.0),
                           Array::full(DType::F64, {2}, 3.0)));
  Fn bad = fn([](Value x) { return broadcast_to(x, {4}); });
  try {
    bad(Array::from(std::vector<double>{1, 2, 3}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("broadcast_to: cannot broadcast [3] to [4]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(fn([](Value x) { return broadcast_to(x, {3}); })(Array::zeros(DType::F64, {2, 3})),
               ShapeError);
}

TEST(BroadcastOps, BroadcastInDimThroughTheDsl) {
  Fn f = fn([](Value x) { return broadcast_in_dim(x, {3, 2}, {0}); });
  EXPECT_TRUE(arrays_close(f(Array::from(std::vector<std::int64_t>{4, 5, 6})),
                           Array::from(std::vector<std::int64_t>{4, 4, 5, 5, 6, 6}, {3, 2})));
}

TEST(BroadcastOps, FullZerosOnesLike) {
  Fn f = fn([](Value x) {
    return std::make_tuple(full(DType::I32, {2, 2}, 7), zeros_like(x), ones_like(x));
  });
  Outputs out = f(Array::from(std::vector<float>{1, 2, 3}));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(arrays_close(out[0], Array::from(std::vector<std::int32_t>{7, 7, 7, 7}, {2, 2})));
  EXPECT_TRUE(arrays_close(out[1], Array::from(std::vector<float>{0, 0, 0})));
  EXPECT_TRUE(arrays_close(out[2], Array::from(std::vector<float>{1, 1, 1})));
  bool weak_zero = false, strong_full = true;
  fn([&](Value x) {
    weak_zero = zeros_like(x).weak_type();
    strong_full = full(DType::F64, {}, 1).weak_type();
    return x;
  })(2.0);
  EXPECT_TRUE(weak_zero);  // zeros_like keeps weakness, as lax.full_like
  EXPECT_FALSE(strong_full);
}

TEST(BroadcastOps, OutsideATraceIsATraceError) {
  EXPECT_THROW(full(DType::F64, {2}, 1.0), TraceError);
}

}  // namespace
}  // namespace lanes
