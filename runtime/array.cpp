// lanes::Array: aligned storage, views, factories and numpy-style printing.
#include <lanes/array.h>

#include "runtime/block_cache.h"
#include "runtime/dtype_check.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <limits>
#include <new>
#include <ostream>
#include <sstream>

namespace lanes {

namespace {
constexpr std::size_t kAlignment = 64;

// Null when the memory is not available (the caller's error names the array).
std::shared_ptr<void> allocate(std::size_t nbytes) {
  // Round up: aligned_alloc wants a multiple of the alignment; never ask for 0 bytes.
  std::size_t padded = std::max<std::size_t>(kAlignment, (nbytes + kAlignment - 1) / kAlignment * kAlignment);
  void* p = internal::acquire_block(padded);
  if (p == nullptr) return nullptr;
  return std::shared_ptr<void>(p, [padded](void* q) { internal::release_block(q, padded); });
}

void fill(Array& a, Scalar v) {
  visit_dtype(a.dtype(), [&](auto t) {
    using T = decltype(t);
    T* d = static_cast<T*>(a.raw());
    std::fill(d, d + a.size(), v.as<T>());
  });
}
}  // namespace

std::int64_t shape_size(const Shape& shape) {
  bool empty = false;
  for (std::int64_t d : shape) {
    if (d < 0) throw ShapeError("negative extent in shape " + shape_to_string(shape));
    empty |= d == 0;
  }
  // A zero extent makes the element count 0 whatever the other extents are: the overflow
  // check is on the count, so [2^32, 2^32, 0] is a valid (empty) shape.
  if (empty) return 0;
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (n > std::numeric_limits<std::int64_t>::max() / d) {
      throw ShapeError("shape " + shape_to_string(shape) + " has too many elements");
    }
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Array::Array(std::in_place_t, DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), size_(shape_size(shape_)) {
  internal::check_dtype_arg(dtype_, "Array");
  const auto cannot = [&](const std::string& why) {
    return RuntimeError("Array: cannot allocate " + std::string(dtype_name(dtype_)) +
                        shape_to_string(shape_) + " (" + std::to_string(size_) + " elements" + why +
                        ")");
  };
  if (static_cast<std::uint64_t>(size_) > std::numeric_limits<std::size_t>::max() / 16) {
    throw cannot("");
  }
  storage_ = allocate(nbytes());
  if (storage_ == nullptr) throw cannot(", " + std::to_string(nbytes()) + " bytes");
  data_ = storage_.get();
}

Array::Array() : shape_{0} {}

Array Array::empty(DType dtype, Shape shape) { return Array(std::in_place_t{}, dtype, std::move(shape)); }

Array Array::zeros(DType dtype, Shape shape) {
  Array a(std::in_place_t{}, dtype, std::move(shape));
  std::memset(a.data_, 0, a.nbytes());
  return a;
}

Array Array::ones(DType dtype, Shape shape) { return full(dtype, std::move(shape), 1.0); }

Array Array::full(DType dtype, Shape shape, Scalar value) {
  Array a = empty(dtype, std::move(shape));
  fill(a, value);
  return a;
}

Array Array::arange(double start, double stop, double step, DType dtype) {
  auto num = [](double x) { return Scalar::of(x).to_string(); };  // %.17g, not %f
  if (!std::isfinite(start)) throw ArgumentError("arange: start " + num(start) + " is not finite");
  if (!std::isfinite(stop)) throw ArgumentError("arange: stop " + num(stop) + " is not finite");
  if (step == 0 || !std::isfinite(step)) {
    throw ArgumentError("arange: step " + num(step) + " must be finite and non-zero");
  }
  double count = std::ceil((stop - start) / step);
  // Blame the bound (the size it asks for), not the step: arange(1e18) is too large, not
  // badly stepped. An element count this large could not be allocated anyway.
  if (!(count < 0x1p62)) {
    throw ArgumentError("arange: start " + num(start) + " to stop " + num(stop) + " by step " +
                        num(step) + " makes too many elements (" + num(count) + ")");
  }
  std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
  Array a = empty(dtype, {n});
  visit_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    T* d = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return a;
}

Array Array::arange(std::int64_t n, DType dtype) {
  return arange(0.0, static_cast<double>(n), 1.0, dtype);
}

Array Array::linspace(double start, double stop, std::int64_t n, DType dtype) {
  if (n < 0) throw ArgumentError("linspace: negative count " + std::to_string(n));
  Array a = empty(dtype, {n});
  visit_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    T* d = static_cast<T*>(a.raw());
    double step = n > 1 ? (stop - start) / static_cast<double>(n - 1) : 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      d[i] = static_cast<T>(i == n - 1 && n > 1 ? stop : start + static_cast<double>(i) * step);
    }
  });
  return a;
}

template <class T>
Array Array::from(const std::vector<T>& values, Shape shape) {
  Array a = empty(dtype_of<T>(), std::move(shape));
  if (static_cast<std::size_t>(a.size()) != values.size()) {
    throw ShapeError("Array::from: " + std::to_string(values.size()) +
                     " values do not fill shape " + shape_to_string(a.shape()));
  }
  std::copy(values.begin(), values.end(), static_cast<T*>(a.raw()));
  return a;
}

template Array Array::from<std::int32_t>(const std::vector<std::int32_t>&, Shape);
template Array Array::from<std::int64_t>(const std::vector<std::int64_t>&, Shape);
template Array Array::from<float>(const std::vector<float>&, Shape);
template Array Array::from<double>(const std::vector<double>&, Shape);

Array Array::from(const std::vector<bool>& values, Shape shape) {
  Array a = empty(DType::Bool, std::move(shape));
  if (static_cast<std::size_t>(a.size()) != values.size()) {
    throw ShapeError("Array::from: " + std::to_string(values.size()) +
                     " values do not fill shape " + shape_to_string(a.shape()));
  }
  bool* d = static_cast<bool*>(a.raw());
  for (std::size_t i = 0; i < values.size(); ++i) d[i] = values[i];
  return a;
}

Array Array::view_raw(void* data, DType dtype, Shape shape) {
  Array a(std::in_place_t{}, dtype, Shape{});
  a.size_ = shape_size(shape);
  a.shape_ = std::move(shape);
  if (data == nullptr && a.size_ > 0) throw ArgumentError("Array::view: null data pointer");
  a.storage_.reset();
  a.data_ = data;
  return a;
}

bool Array::is_view() const { return storage_ == nullptr; }

void Array::check_dtype(DType requested) const {
  if (requested != dtype_) {
    throw DTypeError("Array: requested " + std::string(dtype_name(requested)) +
                     " data of an array of dtype " + std::string(dtype_name(dtype_)) +
                     shape_to_string(shape_));
  }
}

double Array::element_as_double(std::int64_t i) const { return element(i).as_double(); }

Scalar Array::element(std::int64_t i) const {
  return visit_dtype(dtype_, [&](auto t) {
    using T = decltype(t);
    return Scalar::of(static_cast<const T*>(data_)[i]);
  });
}

Scalar Array::item_checked() const {
  if (size_ != 1) {
    throw ShapeError("Array::item: array of shape " + shape_to_string(shape_) +
                     " has " + std::to_string(size_) + " elements, not 1");
  }
  return element(0);
}

Array Array::copy() const {
  Array a = empty(dtype_, shape_);
  if (nbytes()) std::memcpy(a.data_, data_, nbytes());
  return a;
}

Array Array::reshaped(Shape new_shape) const {
  if (shape_size(new_shape) != size_) {
    throw ShapeError("Array::reshaped: cannot reshape " + shape_to_string(shape_) + " to " +
                     shape_to_string(new_shape));
  }
  Array a = *this;
  a.shape_ = std::move(new_shape);
  return a;
}

namespace {
std::string format_element(const Array& a, std::int64_t i) {
  if (!is_float(a.dtype())) return a.element(i).to_string();  // exact: True/False, integers
  double v = a.element_as_double(i);
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::setprecision(a.dtype() == DType::F32 ? 8 : 8) << v;
  std::string s = os.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".";
  return s;
}

void format_rec(const Array& a, int dim, std::int64_t offset, std::int64_t stride_prod,
                int indent, std::string& out) {
  if (dim == a.rank()) {
    out += format_element(a, offset);
    return;
  }
  std::int64_t n = a.shape()[static_cast<std::size_t>(dim)];
  std::int64_t inner = stride_prod / std::max<std::int64_t>(n, 1);
  out += "[";
  constexpr std::int64_t kEdge = 3;
  bool summarize = a.size() > 1000 && n > 2 * kEdge;
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && i == kEdge) {
      out += "...";
      i = n - kEdge - 1;
      out += dim + 1 == a.rank() ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ');
      continue;
    }
    format_rec(a, dim + 1, offset + i * inner, inner, indent + 1, out);
    if (i + 1 < n) {
      out += dim + 1 == a.rank() ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ');
    }
  }
  out += "]";
}
}  // namespace

std::string Array::to_string() const {
  // An empty array is printed bracket by bracket ([[], []]) only while that is short: one
  // of [2^32, 2^32, 0] would be 2^64 pairs of brackets, so it shows its shape instead.
  if (size_ == 0) {
    std::int64_t rows = 1;
    for (std::int64_t d : shape_) {
      if (d == 0) break;
      rows = rows > 1000 / d ? 1001 : rows * d;
    }
    if (rows > 1000) {
      return "array([], shape=" + shape_to_string(shape_) +
             ", dtype=" + std::string(dtype_name(dtype_)) + ")";
    }
  }
  std::string body;
  format_rec(*this, 0, 0, size_, 6, body);
  return "array(" + body + ", dtype=" + std::string(dtype_name(dtype_)) + ")";
}

std::ostream& operator<<(std::ostream& os, const Array& a) { return os << a.to_string(); }

}  // namespace lanes
