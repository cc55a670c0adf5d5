// Builtins that make arrays on the host (zeros, ones, arange, linspace, random.*) and the
// small Python helpers (print, len, float, int).
//
// Random numbers: a key is an i64[2] array (seed, stream). Element k of a draw is
// generated from a counter-based hash, splitmix64(splitmix64(seed ^ splitmix64(stream)) +
// k), so a draw depends only on the key and the shape (as JAX's threefry keys); normal
// variates use the Box-Muller transform of two such uniforms. random.split derives new
// keys from the same hash. Keys are concrete: random numbers are made at the prompt,
// not inside traced code.
#include <cmath>
#include <cstring>

#include "frontend/repl/builtins.h"
#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"

namespace lanes::repl {

namespace {

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct Key {
  std::uint64_t seed, stream;
  std::uint64_t bits(std::uint64_t k) const {
    return splitmix64(splitmix64(seed ^ splitmix64(stream)) + k);
  }
};

Key key_arg(const CallArgs& a, std::size_t i) {
  const Array* k = a.need(i).array();
  if (!k || k->dtype() != DType::I64 || k->shape() != Shape{2}) {
    a.fail(i, "must be a concrete key made by random.key(seed), got " + type_name(a.need(i)));
  }
  auto d = k->data<std::int64_t>();
  return {static_cast<std::uint64_t>(d[0]), static_cast<std::uint64_t>(d[1])};
}

Array make_key(std::uint64_t seed, std::uint64_t stream) {
  return Array::from(std::vector<std::int64_t>{static_cast<std::int64_t>(seed),
                                               static_cast<std::int64_t>(stream)});
}

double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1p-53; }

void check_size(Evaluator& ev, const CallArgs& a, const Shape& shape) {
  const std::int64_t n = shape_size(shape);  // 0 with a zero extent; ShapeError on overflow
  if (n > ev.options().max_elements) {
    throw ReplError("RuntimeError",
                    a.fname + "(): " + std::to_string(n) + " elements exceed the REPL's limit of " +
                        std::to_string(ev.options().max_elements),
                    a.loc);
  }
}

// Fills an array of the given dtype from a generator of doubles.
template <class G>
Array generate(DType dt, const Shape& shape, G gen) {
  Array out = Array::empty(dt, shape);
  visit_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    std::span<T> d = out.mutable_data<T>();
    for (std::size_t k = 0; k < d.size(); ++k) d[k] = static_cast<T>(gen(k));
  });
  return out;
}

DType float_dtype(const CallArgs& a, std::size_t i) {
  DType t = a.dtype_or(i, DType::F64);
  if (!is_float(t)) a.fail(i, "must be a float dtype (f32 or f64)");
  return t;
}

RVal number_from(const CallArgs& a, DType want) {
  const Scalar s = a.scalar(0);  // exact: int() of an i64 array element keeps all its bits
  if (want == DType::F64) return RVal(Num::of_float(s.as_double()));
  if (want == DType::Bool) return RVal(Num::of_bool(s.as<bool>()));
  if (!is_float(s.dtype())) return RVal(Num::of_int(s.as_int64()));
  const double x = s.as_double();  // Python's int(float): truncates; 2^63 is beyond i64
  if (std::isnan(x)) a.fail(0, "cannot convert float NaN to integer");
  if (!(std::fabs(x) < 9223372036854775808.0)) {
    int_overflow("int(" + s.to_string() + ")", a.loc);
  }
  return RVal(Num::of_int(static_cast<std::int64_t>(x)));
}

}  // namespace

void register_array_builtins(Registry& reg) {
  reg.host("zeros(shape, dtype=)", [](Evaluator& ev, const CallArgs& a) {
    Shape s = a.shape(0);
    check_size(ev, a, s);
    return RVal(Array::zeros(a.dtype_or(1, DType::F64), s));
  });
  reg.host("ones(shape, dtype=)", [](Evaluator& ev, const CallArgs& a) {
    Shape s = a.shape(0);
    check_size(ev, a, s);
    return RVal(Array::ones(a.dtype_or(1, DType::F64), s));
  });
  reg.host(
      "arange(start, stop=, step=, dtype=)",
      [](Evaluator& ev, const CallArgs& a) {
        bool has_stop = a.has(1) && !a.slots[1]->is_none();
        double start = has_stop ? a.number(0) : 0, stop = has_stop ? a.number(1) : a.number(0);
        double step = a.number_or(2, 1);
        // Each bad argument is named: arange(1e18) has a bad stop (its size), not a bad step.
        if (step == 0 || !std::isfinite(step)) a.fail(2, "must be finite and non-zero");
        if (!(std::fabs(start) < 1e15)) a.fail(0, "must be finite and below 1e15 in magnitude");
        if (!(std::fabs(stop) < 1e15)) {
          a.fail(has_stop ? 1 : 0,
                 "must be finite and below 1e15 in magnitude (the size of the range)");
        }
        bool all_int = true;
        for (std::size_t i = 0; i < 3; ++i) {
          if (a.has(i) && a.slots[i]->num() && !a.slots[i]->num()->is_integral()) all_int = false;
        }
        DType dt = a.dtype_or(3, all_int ? DType::I64 : DType::F64);
        double count = std::ceil((stop - start) / step);
        Shape s{count > 0 ? static_cast<std::int64_t>(std::min(count, 1e15)) : 0};
        check_size(ev, a, s);
        return RVal(
            generate(dt, s, [&](std::size_t k) { return start + step * static_cast<double>(k); }));
      },
      "start, start+step, ... below stop (arange(n) is 0..n-1)");
  reg.host(
      "linspace(start, stop, num=, dtype=)",
      [](Evaluator& ev, const CallArgs& a) {
        std::int64_t n = a.integer_or(2, 50);
        if (n < 0) a.fail(2, "must not be negative");
        check_size(ev, a, {n});
        return RVal(Array::linspace(a.number(0), a.number(1), n, float_dtype(a, 3)));
      },
      "num evenly spaced values from start to stop inclusive");
  auto key = [](Evaluator&, const CallArgs& a) {
    return RVal(make_key(static_cast<std::uint64_t>(a.integer(0)), 0));
  };
  reg.host("random.key(seed)", key, "a PRNG key (an i64[2] array)");
  reg.host("random.PRNGKey(seed)", key, "the same as random.key");
  reg.host(
      "random.split(key, num=)",
      [](Evaluator& ev, const CallArgs& a) {
        Key k = key_arg(a, 0);
        std::int64_t n = a.integer_or(1, 2);
        if (n < 1) a.fail(1, "must be at least 1");
        check_size(ev, a, {n, 2});
        std::vector<RVal> keys;
        for (std::int64_t j = 0; j < n && j < 4096; ++j) {
          auto u = static_cast<std::uint64_t>(j);
          keys.push_back(RVal(make_key(k.bits(2 * u) >> 33, k.bits(2 * u + 1) >> 33)));
        }
        return RVal::tuple(std::move(keys));
      },
      "num new keys (a tuple)");
  reg.host(
      "random.uniform(key, shape=, dtype=, minval=, maxval=)",
      [](Evaluator& ev, const CallArgs& a) {
        Key k = key_arg(a, 0);
        Shape s = a.has(1) ? a.shape(1) : Shape{};
        check_size(ev, a, s);
        double lo = a.number_or(3, 0), hi = a.number_or(4, 1);
        return RVal(generate(float_dtype(a, 2), s,
                             [&](std::size_t i) { return lo + (hi - lo) * unit(k.bits(i)); }));
      },
      "uniform in [minval, maxval)");
  reg.host(
      "random.normal(key, shape=, dtype=)",
      [](Evaluator& ev, const CallArgs& a) {
        Key k = key_arg(a, 0);
        Shape s = a.has(1) ? a.shape(1) : Shape{};
        check_size(ev, a, s);
        return RVal(generate(float_dtype(a, 2), s, [&](std::size_t i) {
          double u1 = 1.0 - unit(k.bits(2 * i)), u2 = unit(k.bits(2 * i + 1));
          return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
        }));
      },
      "standard normal variates");
  reg.host(
      "for_each(f, xs, *args)",
      [](Evaluator& ev, const CallArgs& a) {
        // A host loop: one call of f per leading slice of xs, results stacked. It
        // is the REPL's Python `for` loop over calls, for comparing with vmap.
        const Array* xs = a.need(1).array();
        if (!xs || xs->rank() == 0) a.fail(1, "must be a concrete array of rank >= 1");
        std::int64_t n = xs->shape()[0];
        Shape inner(xs->shape().begin() + 1, xs->shape().end());
        std::size_t bytes = static_cast<std::size_t>(shape_size(inner)) * dtype_size(xs->dtype());
        std::vector<Array> results;
        for (std::int64_t i = 0; i < n; ++i) {
          Array x = Array::empty(xs->dtype(), inner);
          std::memcpy(x.raw(),
                      static_cast<const char*>(xs->raw()) + static_cast<std::size_t>(i) * bytes,
                      bytes);
          std::vector<RVal> args{RVal(x)};
          args.insert(args.end(), a.rest.begin(), a.rest.end());
          RVal r = ev.call(a.need(0), std::move(args), {}, a.loc);
          if (const Num* num = r.num()) {
            r = RVal(Array::full(num->dtype() == DType::F64 ? DType::F64 : DType::I64, {}, num->s));
          }
          if (!r.array()) a.fail(0, "must return an array, got " + type_name(r));
          if (!results.empty() && (r.array()->shape() != results[0].shape() ||
                                   r.array()->dtype() != results[0].dtype())) {
            a.fail(0, "returned results of different shapes or dtypes");
          }
          results.push_back(*r.array());
        }
        if (results.empty()) return RVal(Array::zeros(xs->dtype(), {0}));
        Shape shape{n};
        shape.insert(shape.end(), results[0].shape().begin(), results[0].shape().end());
        check_size(ev, a, shape);
        Array out = Array::empty(results[0].dtype(), shape);
        std::size_t rb = results[0].nbytes();
        for (std::size_t i = 0; i < results.size(); ++i) {
          std::memcpy(static_cast<char*>(out.raw()) + i * rb, results[i].raw(), rb);
        }
        return RVal(out);
      },
      "a host loop: f(x, *args) for each x in xs, stacked");
  reg.host(
      "print(*values)",
      [](Evaluator& ev, const CallArgs& a) {
        std::string line;
        for (std::size_t i = 0; i < a.rest.size(); ++i) {
          line += (i ? " " : "") + (a.rest[i].str() ? *a.rest[i].str() : to_display(a.rest[i]));
        }
        ev.print(line + "\n");
        return RVal();
      },
      "print values");
  reg.host("len(x)", [](Evaluator&, const CallArgs& a) {
    const RVal& v = a.need(0);
    if (const auto* items = v.items())
      return RVal(Num::of_int(static_cast<std::int64_t>(items->size())));
    Shape s = v.array() ? v.array()->shape() : v.traced() ? v.traced()->shape() : Shape{};
    if (s.empty()) a.fail(0, "has no length (" + type_name(v) + ")");
    return RVal(Num::of_int(s[0]));
  });
  reg.host("float(x)", [](Evaluator&, const CallArgs& a) { return number_from(a, DType::F64); });
  reg.host("int(x)", [](Evaluator&, const CallArgs& a) { return number_from(a, DType::I64); });
}

}  // namespace lanes::repl
