// Plain C++ whole-array peer: one std::vector temporary per operation (see the header).
#include "comparison_eager_cpp.h"

#include <cmath>
#include <cstdint>

#include "comparison_cases.h"

namespace lanes::bench::comparison {
namespace {

using Vec = std::vector<double>;

template <class F>
Vec map1(const Vec& a, F f) {
  Vec r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = f(a[i]);
  return r;
}

template <class F>
Vec map2(const Vec& a, const Vec& b, F f) {
  Vec r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = f(a[i], b[i]);
  return r;
}

}  // namespace

Vec add_temporaries(const Vec& x, double b) {
  return map1(x, [b](double e) { return e + b; });
}

Vec sinexp_temporaries(const Vec& x, const Vec& y) {
  Vec s = map1(x, [](double e) { return std::sin(e); });
  Vec sy = map2(s, y, [](double p, double q) { return p * q; });
  Vec xx = map2(x, x, [](double p, double q) { return p * q; });
  Vec nxx = map1(xx, [](double e) { return -e; });
  Vec e = map1(nxx, [](double v) { return std::exp(v); });
  return map2(sy, e, [](double p, double q) { return p + q; });
}

Vec newton_temporaries(const Vec& a) {
  Vec x = a, step = a;
  const std::size_t n = a.size();
  for (;;) {
    Vec mag = map1(step, [](double e) { return std::fabs(e); });
    Vec tol = map1(x, [](double e) { return kNewtonRelTol * e; });
    std::vector<std::uint8_t> active(n);
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) any |= (active[i] = mag[i] > tol[i]);
    if (!any) break;
    Vec q = map2(a, x, [](double p, double r) { return p / r; });
    Vec s = map2(x, q, [](double p, double r) { return p + r; });
    Vec nx = map1(s, [](double e) { return 0.5 * e; });
    Vec d = map2(nx, x, [](double p, double r) { return p - r; });
    Vec new_x(n), new_step(n);
    for (std::size_t i = 0; i < n; ++i) {
      new_x[i] = active[i] ? nx[i] : x[i];
      new_step[i] = active[i] ? d[i] : step[i];
    }
    x = std::move(new_x);
    step = std::move(new_step);
  }
  return x;
}

Vec outer_temporaries(const Vec& v, const Vec& w, std::size_t batch, std::size_t k) {
  const std::size_t kk = k * k;
  Vec outer(batch * kk);
  for (std::size_t b = 0; b < batch; ++b) {
    const double* vb = &v[b * k];
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) outer[b * kk + i * k + j] = vb[i] * vb[j];
  }
  Vec prod(batch * kk);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t e = 0; e < kk; ++e) prod[b * kk + e] = outer[b * kk + e] * w[e];
  Vec out(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    double s = 0;
    for (std::size_t e = 0; e < kk; ++e) s += prod[b * kk + e];
    out[b] = s;
  }
  return out;
}

}  // namespace lanes::bench::comparison
