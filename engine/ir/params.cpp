// Params: ordered named parameters, with equality, hashing and printing.
#include "engine/ir/params.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "engine/ir/graph.h"
#include "engine/ir/graph_identity.h"
#include "runtime/check.h"

namespace lanes::internal {

Params::Params(std::initializer_list<std::pair<std::string, Param>> init) {
  for (const auto& [k, v] : init) set(k, v);
}

Params& Params::set(const std::string& name, Param value) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const auto& e, const std::string& n) { return e.first < n; });
  if (it != entries_.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    entries_.insert(it, {name, std::move(value)});
  }
  return *this;
}

bool Params::has(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& e) { return e.first == name; });
}

const Param& Params::at(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.first == name) return e.second;
  }
  LANES_FAIL("missing parameter '" + name + "' (have: " + to_string() + ")");
}

namespace {
// The sub-graphs waiting to be dropped by the release loop running on this thread (null:
// none runs). A plain pointer: nothing to destroy at thread exit.
thread_local std::vector<GraphRef>* t_release = nullptr;
}  // namespace

Params::~Params() {
  std::vector<GraphRef> mine;
  std::vector<GraphRef>& out = t_release ? *t_release : mine;
  for (auto& [name, value] : entries_) {
    if (auto* one = std::get_if<GraphRef>(&value)) {
      if (*one) out.push_back(std::move(*one));
    } else if (auto* many = std::get_if<std::vector<GraphRef>>(&value)) {
      for (GraphRef& s : *many) {
        if (s) out.push_back(std::move(s));
      }
    }
  }
  if (t_release || mine.empty()) return;
  // The outermost release on this thread: a graph freed here hands its own sub-graphs to
  // `mine` (above) rather than freeing them inside this frame.
  t_release = &mine;
  while (!mine.empty()) {
    GraphRef g = std::move(mine.back());
    mine.pop_back();
    g.reset();
  }
  t_release = nullptr;
}

void Params::throw_wrong_type(const std::string& name) const {
  LANES_FAIL("parameter '" + name + "' has an unexpected type (" + to_string() + ")");
}

namespace {
// Sub-graphs `a` and `b` equal, or possibly equal (then queued on `pending`).
bool graph_equal_deferred(const GraphRef& a, const GraphRef& b,
                          std::vector<std::pair<const Graph*, const Graph*>>& pending) {
  if (a.get() == b.get()) return true;
  if (!a || !b) return false;
  if (structural_hash(*a) != structural_hash(*b)) return false;
  pending.emplace_back(a.get(), b.get());
  return true;
}

bool array_equal(const Array& a, const Array& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.raw() == b.raw()) return true;
  return std::equal(static_cast<const char*>(a.raw()),
                    static_cast<const char*>(a.raw()) + a.nbytes(),
                    static_cast<const char*>(b.raw()));
}

bool param_equal(const Param& a, const Param& b,
                 std::vector<std::pair<const Graph*, const Graph*>>& pending) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& va) {
        using T = std::decay_t<decltype(va)>;
        const T& vb = std::get<T>(b);
        if constexpr (std::is_same_v<T, GraphRef>) {
          return graph_equal_deferred(va, vb, pending);
        } else if constexpr (std::is_same_v<T, std::vector<GraphRef>>) {
          if (va.size() != vb.size()) return false;
          for (std::size_t i = 0; i < va.size(); ++i) {
            if (!graph_equal_deferred(va[i], vb[i], pending)) return false;
          }
          return true;
        } else if constexpr (std::is_same_v<T, Array>) {
          return array_equal(va, vb);
        } else {
          return va == vb;
        }
      },
      a);
}

std::size_t graph_ref_hash(const GraphRef& g) { return g ? structural_hash(*g) : 0x51ed27; }

std::size_t param_hash(const Param& p) {
  std::size_t h = p.index();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, GraphRef>) {
          h = hash_mix(h, graph_ref_hash(v));
        } else if constexpr (std::is_same_v<T, std::vector<GraphRef>>) {
          for (const GraphRef& g : v) h = hash_mix(h, graph_ref_hash(g));
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          for (std::int64_t x : v) h = hash_mix(h, std::hash<std::int64_t>{}(x));
        } else if constexpr (std::is_same_v<T, Array>) {
          h = hash_mix(h, static_cast<std::size_t>(v.dtype()));
          for (std::int64_t d : v.shape()) h = hash_mix(h, std::hash<std::int64_t>{}(d));
          h = hash_mix(h, std::hash<std::string_view>{}(
                              std::string_view(static_cast<const char*>(v.raw()), v.nbytes())));
        } else if constexpr (std::is_same_v<T, double>) {
          h = hash_mix(h, std::hash<double>{}(v == 0.0 ? 0.0 : v));  // == has -0.0 == 0.0
        } else if constexpr (std::is_same_v<T, DType>) {
          h = hash_mix(h, static_cast<std::size_t>(v));
        } else {
          h = hash_mix(h, std::hash<T>{}(v));
        }
      },
      p);
  return h;
}

std::string param_to_string(const Param& p) {
  struct Printer {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return buf;
    }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return "'" + v + "'"; }
    std::string operator()(DType v) const { return std::string(dtype_name(v)); }
    std::string operator()(const std::vector<std::int64_t>& v) const { return shape_to_string(v); }
    std::string operator()(const GraphRef& g) const { return g ? g->to_string() : "null"; }
    std::string operator()(const std::vector<GraphRef>& gs) const {
      std::string s = "(";
      for (std::size_t i = 0; i < gs.size(); ++i) s += (i ? ", " : "") + (*this)(gs[i]);
      return s + ")";
    }
    std::string operator()(const Array& a) const {
      return a.size() <= 8
                 ? a.to_string()
                 : std::string(dtype_name(a.dtype())) + shape_to_string(a.shape()) + "{...}";
    }
  };
  return std::visit(Printer{}, p);
}
}  // namespace

bool Params::equal_deferring_graphs(
    const Params& other, std::vector<std::pair<const Graph*, const Graph*>>& pending) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first != other.entries_[i].first) return false;
    if (!param_equal(entries_[i].second, other.entries_[i].second, pending)) return false;
  }
  return true;
}

bool Params::operator==(const Params& other) const {
  std::vector<std::pair<const Graph*, const Graph*>> pending;
  if (!equal_deferring_graphs(other, pending)) return false;
  for (const auto& [a, b] : pending) {
    if (!structural_equal(*a, *b)) return false;
  }
  return true;
}

std::size_t Params::hash() const {
  std::size_t h = entries_.size();
  for (const auto& [name, value] : entries_) {
    h = hash_mix(hash_mix(h, std::hash<std::string>{}(name)), param_hash(value));
  }
  return h;
}

std::string Params::to_string() const {
  std::string s;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i) s += ", ";
    s += entries_[i].first + "=" + param_to_string(entries_[i].second);
  }
  return s;
}

}  // namespace lanes::internal
