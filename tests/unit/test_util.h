// Shared test helpers: ULP distances and array comparisons with tolerances, and an
// environment variable set for one scope.
#pragma once

#include <gtest/gtest.h>
#include <lanes/array.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace lanes::testing {

// Distance in units in the last place between two floats of type T (0 if both are NaN
// or equal, including +0 == -0; huge if only one is NaN).
template <class T>
std::uint64_t ulp_distance(T a, T b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (std::isnan(a) || std::isnan(b)) return UINT64_MAX;
  if (a == b) return 0;
  using I = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  auto key = [](T x) {
    I i = std::bit_cast<I>(x);
    // Map to a monotonic integer line: negatives are mirrored.
    return i < 0 ? static_cast<std::int64_t>(std::numeric_limits<I>::min()) - static_cast<std::int64_t>(i)
                 : static_cast<std::int64_t>(i);
  };
  std::int64_t d = key(a) - key(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

// Checks dtype, shape and every element: floats within `max_ulps` (or `abs_tol`
// absolutely, for results near zero), integers and bools exactly.
inline ::testing::AssertionResult arrays_close(const Array& actual, const Array& expected,
                                               std::uint64_t max_ulps = 0,
                                               double abs_tol = 0) {
  if (actual.dtype() != expected.dtype() || actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure()
           << "got " << dtype_name(actual.dtype()) << shape_to_string(actual.shape())
           << ", expected " << dtype_name(expected.dtype()) << shape_to_string(expected.shape());
  }
  for (std::int64_t i = 0; i < actual.size(); ++i) {
    double a = actual.element_as_double(i);
    double e = expected.element_as_double(i);
    bool ok;
    std::uint64_t ulps = 0;
    if (actual.dtype() == DType::F32) {
      ulps = ulp_distance(static_cast<float>(a), static_cast<float>(e));
      ok = ulps <= max_ulps || std::fabs(a - e) <= abs_tol;
    } else if (actual.dtype() == DType::F64) {
      ulps = ulp_distance(a, e);
      ok = ulps <= max_ulps || std::fabs(a - e) <= abs_tol;
    } else {
      ok = a == e;
    }
    if (!ok) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << i << ": got " << a << ", expected " << e;
      if (is_float(actual.dtype())) os << " (" << ulps << " ulp, allowed " << max_ulps << ")";
      return ::testing::AssertionFailure() << os.str();
    }
  }
  return ::testing::AssertionSuccess();
}

// An array of `dtype` holding `values` (bools: value != 0), for hand-computed cases.
inline Array make(DType dtype, const std::vector<double>& values, Shape shape) {
  Array a = Array::empty(dtype, shape);
  visit_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    T* p = static_cast<T*>(a.raw());
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
  });
  return a;
}

// Runs f and checks that it throws E whose message contains every one of `parts`.
template <class E, class F>
inline void expect_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    std::string msg = e.what();
    for (const std::string& p : parts) {
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// Sets (or unsets, with nullopt) an environment variable for one scope and restores its
// previous value (or absence) on exit, so that a test leaves the process as it found it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  // Changes the variable again within the scope (the destructor still restores the
  // value from before the constructor).
  void set(const std::optional<std::string>& value) {
    if (value) {
      setenv(name_, value->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace lanes::testing
