// lanes::Scalar: construction, conversion (astype's rules, from runtime/scalar_semantics.h),
// comparison and text.
#include <lanes/scalar.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <functional>

#include "runtime/scalar_semantics.h"

namespace lanes {

Scalar Scalar::of_double(DType dtype, double v) {
  Scalar s;
  s.dtype_ = dtype;
  switch (dtype) {
    case DType::F64:
      s.f_ = v;
      break;
    case DType::F32:
      s.f_ = static_cast<double>(static_cast<float>(v));
      break;
    case DType::Bool:
      s.bits_ = internal::sem_convert<bool>(v) ? 1 : 0;
      break;
    case DType::I32:
      s.bits_ = static_cast<std::uint64_t>(
          static_cast<std::int64_t>(internal::sem_convert<std::int32_t>(v)));
      break;
    case DType::I64:
      s.bits_ = static_cast<std::uint64_t>(internal::sem_convert<std::int64_t>(v));
      break;
  }
  return s;
}

Scalar Scalar::of_int(DType dtype, std::int64_t v) {
  Scalar s;
  s.dtype_ = dtype;
  switch (dtype) {
    case DType::F64:
      s.f_ = static_cast<double>(v);
      break;
    case DType::F32:
      s.f_ = static_cast<double>(static_cast<float>(v));
      break;
    case DType::Bool:
      s.bits_ = v != 0 ? 1 : 0;
      break;
    case DType::I32:
      s.bits_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)));
      break;
    case DType::I64:
      s.bits_ = static_cast<std::uint64_t>(v);
      break;
  }
  return s;
}

Scalar Scalar::convert(DType dtype) const {
  if (dtype == dtype_) return *this;
  // of_double and of_int are astype's rules from a double and from an i64; an f32 value is
  // held exactly as a double, an i32 or bool exactly as an i64.
  return is_float(dtype_) ? of_double(dtype, f_) : of_int(dtype, int_bits());
}

bool Scalar::identical(const Scalar& o) const {
  if (dtype_ != o.dtype_) return false;
  if (!is_float(dtype_)) return bits_ == o.bits_;
  if (std::isnan(f_) || std::isnan(o.f_)) return std::isnan(f_) && std::isnan(o.f_);
  return std::bit_cast<std::uint64_t>(f_) == std::bit_cast<std::uint64_t>(o.f_);
}

bool Scalar::equals(std::int64_t v) const {
  return is_float(dtype_) ? f_ == static_cast<double>(v) : int_bits() == v;
}

std::size_t Scalar::hash() const {
  const std::uint64_t payload =
      is_float(dtype_) ? (std::isnan(f_) ? 0x7ff8000000000000ULL : std::bit_cast<std::uint64_t>(f_))
                       : bits_;
  return std::hash<std::uint64_t>{}(payload)*31 + static_cast<std::size_t>(dtype_);
}

std::string Scalar::to_string() const {
  if (dtype_ == DType::Bool) return bits_ != 0 ? "True" : "False";
  if (!is_float(dtype_)) return std::to_string(int_bits());
  if (std::isnan(f_)) return "nan";
  if (std::isinf(f_)) return f_ > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", f_);
  return buf;
}

}  // namespace lanes
