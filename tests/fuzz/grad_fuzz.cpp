// Fuzz target 3: on random differentiable f64 graphs (smooth operations on bounded
// values, see graph_gen.h's Differentiable flavor):
//  - grad of the scalar L(x) = sum_j <w_j, f_j(x)> agrees with central finite differences;
//  - <c, jvp(t)> = <vjp(c), t> for random tangents t and cotangents c.
// Tolerances: a central difference with step h has truncation error ~h^2 |L'''| and
// rounding error ~eps |L| / h. We take two steps (1e-4 and 1e-5 times max(1, |x|)) and
// report a gradient only when both differences agree with each other (so the difference
// has converged, and not to exactly 0: rounding then absorbed the step), both differ
// from grad by more than 1e-5 (|g| + |fd|) + 1e-7 (1 + |L|), and by more than 4 times the change of grad itself over each step (else the mean slope
// that a difference measures may differ from the slope at x by that much).
// The dot-product identity holds up to rounding: |a - b| <= 1e-9 * (sum of |terms|).
// Both checks need the derivative to be a linear map in floating point. Where a partial
// derivative on some path is NaN or infinite (an intermediate 0/0 that the outputs do not
// use, a cond branch not taken), IEEE's 0 * NaN = NaN makes the pullback map a zero
// cotangent to NaN: reverse mode then gives NaN where forward mode (which drops symbolic
// zero tangents) gives the finite derivative. JAX has the same convention (jax-ml/jax#1052;
// docs/semantics.md, "NaN in derivatives"), so such a case is skipped, not reported: the
// pullback of zero cotangents and the pushforward of zero tangents must both be zero.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/graph_gen.h"

namespace {

using namespace lanes;
using namespace lanes::fuzz;

// A case the reference rejects (or that cannot be checked) passes; LANES_FUZZ_VERBOSE
// says why, to keep an eye on how many cases are really checked.
std::optional<std::string> skip(const std::string& why) {
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "skipped: %s\n", why.c_str());
  return std::nullopt;
}

struct Setup {
  std::int64_t n = 1;
  std::uint32_t seed = 0;  // weights, tangents and cotangents
};

std::vector<double> random_values(std::mt19937& g, std::int64_t count) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v;
  for (std::int64_t i = 0; i < count; ++i) v.push_back(u(g));
  return v;
}

Array random_like(std::mt19937& g, const Shape& s) {
  return Array::from(random_values(g, shape_size(s)), s);
}

double dot(const Array& a, const Array& b, double* abs_sum) {
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    double t = a.element_as_double(i) * b.element_as_double(i);
    s += t;
    *abs_sum += std::fabs(t);
  }
  return s;
}

bool all_zero(const Outputs& xs) {
  for (const Array& x : xs)
    for (std::int64_t i = 0; i < x.size(); ++i)
      if (x.element_as_double(i) != 0) return false;
  return true;
}

std::vector<Arg> zeros_like(const std::vector<Array>& xs) {
  std::vector<Arg> z;
  for (const Array& x : xs) z.push_back(Array::zeros(x.dtype(), x.shape()));
  return z;
}

// Whether the derivatives of f at `args` are linear maps in IEEE arithmetic (see the top
// of this file): zero tangents and zero cotangents map to zero. Sets *error when a
// transformation throws.
bool derivatives_map_zero_to_zero(const Fn& f, const std::vector<Arg>& args,
                                  const std::vector<Array>& inputs, const Outputs& outs,
                                  std::string* error) {
  std::pair<Outputs, Outputs> jv;
  Outputs back;
  if (!run_catching([&] { jv = lanes::jvp(f, args, zeros_like(inputs)); }, error)) return false;
  if (!run_catching(
          [&] {
            std::vector<Array> o(outs.begin(), outs.end());
            back = lanes::vjp(f, args).pullback.call(zeros_like(o));
          },
          error))
    return false;
  return all_zero(jv.second) && all_zero(back);
}

std::optional<std::string> check(const Recipe& r, const Setup& s) {
  std::vector<Array> inputs = make_inputs(r, s.n);
  std::vector<Arg> args(inputs.begin(), inputs.end());
  BuiltFn f = build_fn(r);
  Outputs outs;
  std::string error;
  if (!run_catching([&] { outs = f.fn.call(args); }, &error)) return skip(error);
  for (const Array& o : outs) {
    for (std::int64_t i = 0; i < o.size(); ++i) {
      double v = o.element_as_double(i);
      if (!std::isfinite(v) || std::fabs(v) > 1e6)
        return skip("outputs too large");  // too large to check
    }
  }
  error.clear();
  if (!derivatives_map_zero_to_zero(f.fn, args, inputs, outs, &error)) {
    if (!error.empty()) return "jvp or vjp threw where f did not: " + error;
    return skip("a NaN or infinite partial derivative (0 * NaN = NaN)");
  }
  std::mt19937 g(s.seed);
  std::vector<Array> weights;
  for (const Array& o : outs) weights.push_back(random_like(g, o.shape()));
  Fn loss = fn_variadic(
      [fn = f.fn, weights](const std::vector<Value>& xs) {
        Values ys = fn.call_traced(xs);
        Value total = Value(0.0);
        for (std::size_t j = 0; j < ys.size(); ++j)
          total = total + lanes::sum(ys[j] * Value(weights[j]));
        return std::vector<Value>{lanes::astype(total, DType::F64)};
      },
      "loss");
  std::vector<int> argnums;
  for (std::size_t i = 0; i < inputs.size(); ++i) argnums.push_back(static_cast<int>(i));
  Outputs grads;
  if (!run_catching([&] { grads = grad(loss, Argnums(argnums)).call(args); }, &error)) {
    return "grad threw where f did not: " + error;
  }
  const double l0 = static_cast<Array>(loss.call(args)).element_as_double(0);
  // Finite differences on up to 12 elements.
  int checked = 0;
  for (std::size_t i = 0; i < inputs.size() && checked < 12; ++i) {
    for (std::int64_t e = 0; e < inputs[i].size() && checked < 12; ++e, ++checked) {
      double x = inputs[i].element_as_double(e);
      // The arguments with this element moved by d.
      auto moved = [&](double d) {
        std::vector<Arg> a = args;
        Array xi = inputs[i].copy();
        xi.mutable_data<double>()[static_cast<std::size_t>(e)] = x + d;
        a[i] = xi;
        return a;
      };
      auto fd = [&](double h) {
        h *= std::max(1.0, std::fabs(x));
        auto at = [&](double d) {
          return static_cast<Array>(loss.call(moved(d))).element_as_double(0);
        };
        return (at(h) - at(-h)) / (2 * h);
      };
      double fd1 = fd(1e-4), fd2 = fd(1e-5);
      double gv = grads[i].element_as_double(e);
      auto bad = [&](double d) {
        return !(std::fabs(gv - d) <=
                 1e-5 * (std::fabs(gv) + std::fabs(d)) + 1e-7 * (1 + std::fabs(l0)));
      };
      // Both differences exactly 0: the loss did not move at all, i.e. rounding absorbed
      // the step in a large intermediate (x + 1e17 takes steps of 16), a staircase whose
      // differences say nothing about the slope of the exact function.
      const bool absorbed = fd1 == 0 && fd2 == 0;
      bool converged = !absorbed && std::fabs(fd1 - fd2) < 1e-6 * (1 + std::fabs(fd2));
      // A difference quotient with step h measures the mean slope over [x - h, x + h],
      // which differs from the slope at x by up to how much the slope varies there. A
      // graph like sin(x^16 * ...) has |L'| ~ 1e20 and oscillates many times within any
      // step, so its differences are noise that can look converged; a milder one moves
      // the slope by 1e-4 of itself within the step. So a mismatch counts only where it
      // is well above the slope's variation over both steps (the gradient at x +- h,
      // where forward and reverse mode agree, says how much that is).
      auto resolves = [&](double mismatch) {
        for (double step : {1e-4, 1e-5}) {
          const double h = step * std::max(1.0, std::fabs(x));
          for (double d : {h, -h}) {
            Outputs gd;
            if (!run_catching([&] { gd = grad(loss, Argnums(argnums)).call(moved(d)); }, &error))
              return false;
            const double gn = gd[i].element_as_double(e);
            if (!(4 * std::fabs(gn - gv) < mismatch)) return false;
          }
        }
        return true;
      };
      const double mismatch = std::min(std::fabs(gv - fd1), std::fabs(gv - fd2));
      // A NaN or infinite gradient where the differences converge to a finite slope is
      // wrong: the derivatives map zero to zero here, so no 0 * NaN explains it.
      const bool non_finite = !std::isfinite(gv) && std::isfinite(fd2);
      if (bad(fd1) && bad(fd2) && converged && (non_finite || resolves(mismatch))) {
        std::ostringstream os;
        os.precision(17);
        os << "grad of input " << i << " element " << e << ": " << gv << ", central differences "
           << fd1 << " (h=1e-4), " << fd2 << " (h=1e-5)";
        return os.str();
      }
    }
  }
  // <c, jvp(t)> = <vjp(c), t>
  std::vector<Arg> tangents;
  std::vector<Array> ts;
  for (const Array& x : inputs)
    ts.push_back(random_like(g, x.shape())), tangents.push_back(ts.back());
  std::vector<Array> cts;
  for (const Array& o : outs) cts.push_back(random_like(g, o.shape()));
  std::pair<Outputs, Outputs> jv;
  if (!run_catching([&] { jv = lanes::jvp(f.fn, args, tangents); }, &error)) {
    return "jvp threw where f did not: " + error;
  }
  Outputs back;
  if (!run_catching(
          [&] {
            VjpResult vr = lanes::vjp(f.fn, args);
            std::vector<Arg> c(cts.begin(), cts.end());
            back = vr.pullback.call(c);
          },
          &error)) {
    return "vjp threw where f did not: " + error;
  }
  double abs_sum = 0, lhs = 0, rhs = 0;
  for (std::size_t j = 0; j < cts.size(); ++j) lhs += dot(cts[j], jv.second[j], &abs_sum);
  for (std::size_t i = 0; i < ts.size(); ++i) rhs += dot(back[i], ts[i], &abs_sum);
  if (!(std::fabs(lhs - rhs) <= 1e-9 * (1 + abs_sum))) {
    std::ostringstream os;
    os.precision(17);
    os << "<c, jvp(t)> = " << lhs << " but <vjp(c), t> = " << rhs;
    return os.str();
  }
  return std::nullopt;
}

std::string describe(const Recipe& r, const Setup& s) {
  std::ostringstream os;
  os << "n=" << s.n << " seed (weights, t, c)=" << s.seed << "\n"
     << describe_case(r, make_inputs(r, s.n));
  return os.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  Setup s;
  s.n = in.range(1, 4);
  s.seed = in.byte();
  Recipe r = decode_recipe(in, Flavor::Differentiable);
  Check c = [&](const Recipe& x) { return check(x, s); };
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", describe(r, s).c_str());
  if (c(r)) report_and_abort(r, c, "grad_fuzz", [&](const Recipe& x) { return describe(x, s); });
  return 0;
}
