// lanes::Array: a dense, row-major, n-dimensional array of one dtype.
//
// Storage is 64-byte aligned and shared between copies of an Array (copies are cheap
// handles; use copy() for a deep copy). Array::view wraps memory the caller owns without
// copying: the caller keeps it alive and unchanged while Lanes uses it (during a call:
// the outputs of a Fn never alias a view, see lanes::Outputs in <lanes/fn.h>).
//
// A DType argument must be one of DType's enumerators (ArgumentError otherwise), and a
// shape with a zero extent has zero elements whatever its other extents are.
//
//   lanes::Array xs = lanes::Array::from(std::vector<double>{0.1, 0.2, 0.3});  // f64[3]
//   lanes::Array m  = lanes::Array::zeros(lanes::DType::F32, {2, 3});
//   std::span<const double> d = xs.data<double>();
//   std::cout << m;   // array([[0., 0., 0.], [0., 0., 0.]], dtype=f32)
#pragma once

#include <lanes/dtype.h>
#include <lanes/error.h>
#include <lanes/scalar.h>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

using Shape = std::vector<std::int64_t>;

// Number of elements of a shape (1 for rank 0). Throws ShapeError on negative extents.
std::int64_t shape_size(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "[2,3]"

class Array {
 public:
  Array();  // an empty f64 array of shape [0] (allocates nothing)

  // Uninitialized storage of the given dtype and shape.
  static Array empty(DType dtype, Shape shape);
  static Array zeros(DType dtype, Shape shape);
  static Array ones(DType dtype, Shape shape);
  // `value` converted to `dtype` as astype would; an integer argument is exact (never
  // rounded through a double).
  static Array full(DType dtype, Shape shape, Scalar value);
  template <class T>
  requires std::is_arithmetic_v<T>
  static Array full(DType dtype, Shape shape, T value) {
    return full(dtype, std::move(shape), Scalar::of_value(dtype, value));
  }
  // 0, 1, ..., n-1 (or start, start+step, ... below stop).
  static Array arange(double start, double stop, double step = 1, DType dtype = DType::F64);
  static Array arange(std::int64_t n, DType dtype = DType::I64);
  // n evenly spaced values from start to stop inclusive.
  static Array linspace(double start, double stop, std::int64_t n, DType dtype = DType::F64);

  // Copies the values into an array of the given shape ({} is a scalar); without a
  // shape the array is 1-d of extent values.size().
  template <class T>
  static Array from(const std::vector<T>& values, Shape shape);
  template <class T>
  static Array from(const std::vector<T>& values) {
    return from(values, Shape{static_cast<std::int64_t>(values.size())});
  }
  template <class T>
  static Array from(std::initializer_list<T> values, Shape shape) {
    return from(std::vector<T>(values), std::move(shape));
  }
  template <class T>
  static Array from(std::initializer_list<T> values) {
    return from(std::vector<T>(values));
  }
  static Array from(const std::vector<bool>& values, Shape shape);
  static Array from(const std::vector<bool>& values) {
    return from(values, Shape{static_cast<std::int64_t>(values.size())});
  }
  template <class T>
  static Array scalar(T value) {
    return from(std::vector<T>{value}, Shape{});
  }
  // Zero-copy view of caller-owned, contiguous row-major memory.
  template <class T>
  static Array view(T* data, Shape shape) {
    return view_raw(const_cast<std::remove_const_t<T>*>(data), dtype_of<std::remove_const_t<T>>(),
                    std::move(shape));
  }
  static Array view_raw(void* data, DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t size() const { return size_; }
  std::size_t nbytes() const { return static_cast<std::size_t>(size_) * dtype_size(dtype_); }
  bool is_view() const;

  // Typed access; throws DTypeError if T does not match dtype().
  template <class T>
  std::span<const T> data() const {
    check_dtype(dtype_of<T>());
    return {static_cast<const T*>(raw()), static_cast<std::size_t>(size_)};
  }
  template <class T>
  std::span<T> mutable_data() {
    check_dtype(dtype_of<T>());
    return {static_cast<T*>(raw()), static_cast<std::size_t>(size_)};
  }
  // The single element of a size-1 array, converted to T as astype would: exact when T's
  // dtype holds it (item<std::int64_t>() of an i64 array is its exact value).
  template <class T>
  T item() const {
    return item_checked().as<T>();
  }
  // Element `i` (flat, row-major), exact.
  Scalar element(std::int64_t i) const;
  // Element `i` converted to double (integers beyond 2^53 rounded): for float tests.
  double element_as_double(std::int64_t i) const;

  const void* raw() const { return data_; }
  void* raw() { return data_; }

  Array copy() const;                      // deep copy, owning
  Array reshaped(Shape new_shape) const;   // same storage, new shape (sizes must match)
  std::string to_string() const;           // numpy-style text

 private:
  Array(std::in_place_t, DType dtype, Shape shape);  // allocates, uninitialized
  void check_dtype(DType requested) const;
  Scalar item_checked() const;  // element 0; ShapeError unless size() == 1

  std::shared_ptr<void> storage_;  // owns (or, for views, nothing)
  void* data_ = nullptr;
  DType dtype_ = DType::F64;
  Shape shape_;
  std::int64_t size_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Array& a);

extern template Array Array::from<std::int32_t>(const std::vector<std::int32_t>&, Shape);
extern template Array Array::from<std::int64_t>(const std::vector<std::int64_t>&, Shape);
extern template Array Array::from<float>(const std::vector<float>&, Shape);
extern template Array Array::from<double>(const std::vector<double>&, Shape);

}  // namespace lanes
#pragma GCC visibility pop
