// lanes::Array: factories, views, typed access and printing.
#include <lanes/array.h>

#include <gtest/gtest.h>

namespace lanes {
namespace {

TEST(Array, FromVectorHasShapeAndDtype) {
  Array a = Array::from(std::vector<double>{1, 2, 3});
  EXPECT_EQ(a.dtype(), DType::F64);
  EXPECT_EQ(a.shape(), (Shape{3}));
  EXPECT_EQ(a.data<double>()[2], 3.0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.raw()) % 64, 0u);
}

TEST(Array, WrongDtypeAccessThrows) {
  Array a = Array::from(std::vector<float>{1, 2});
  EXPECT_THROW(a.data<double>(), DTypeError);
}

TEST(Array, ViewSharesCallerMemory) {
  std::vector<double> mem{1, 2, 3, 4};
  Array v = Array::view(mem.data(), {2, 2});
  mem[3] = 9;
  EXPECT_TRUE(v.is_view());
  EXPECT_EQ(v.data<double>()[3], 9.0);
}

TEST(Array, FromChecksSize) {
  EXPECT_THROW(Array::from(std::vector<double>{1, 2, 3}, {2, 2}), ShapeError);
}

TEST(Array, PrintsLikeNumpy) {
  Array a = Array::from(std::vector<std::int32_t>{1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(a.to_string(), "array([[1, 2],\n       [3, 4]], dtype=i32)");
  EXPECT_EQ(Array::from(std::vector<bool>{true, false}).to_string(),
            "array([True, False], dtype=bool)");
  EXPECT_EQ(Array::scalar(1.5).to_string(), "array(1.5, dtype=f64)");
}

TEST(Array, LinspaceAndArange) {
  Array l = Array::linspace(0, 1, 5);
  EXPECT_EQ(l.data<double>()[4], 1.0);
  EXPECT_EQ(l.data<double>()[1], 0.25);
  Array r = Array::arange(4);
  EXPECT_EQ(r.dtype(), DType::I64);
  EXPECT_EQ(r.data<std::int64_t>()[3], 3);
}

TEST(Array, ItemRequiresOneElement) {
  EXPECT_EQ(Array::scalar(2.5).item<double>(), 2.5);
  EXPECT_THROW(Array::zeros(DType::F32, {2}).item<float>(), ShapeError);
}

}  // namespace
}  // namespace lanes

namespace lanes {
namespace {
TEST(Array, DefaultIsEmptyAndAllocatesNothing) {
  Array a;
  EXPECT_EQ(a.shape(), (Shape{0}));
  EXPECT_EQ(a.size(), 0);
  EXPECT_EQ(a.data<double>().size(), 0u);
  EXPECT_EQ(a.to_string(), "array([], dtype=f64)");
}
}  // namespace
}  // namespace lanes
