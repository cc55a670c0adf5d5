// Params: ordered named parameters, with equality, hashing and printing.
#include "engine/ir/params.h"

#include <algorithm>
#include <functional>

#include "engine/ir/graph.h"
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

void Params::throw_wrong_type(const std::string& name) const {
  LANES_FAIL("parameter '" + name + "' has an unexpected type (" + to_string() + ")");
}

namespace {
bool param_equal(const Param& a, const Param& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ga = std::get_if<GraphRef>(&a)) {
    const auto& gb = std::get<GraphRef>(b);
    return ga->get() == gb.get() || (*ga && gb && (*ga)->to_string() == gb->to_string());
  }
  if (const auto* va = std::get_if<std::vector<GraphRef>>(&a)) {
    const auto& vb = std::get<std::vector<GraphRef>>(b);
    if (va->size() != vb.size()) return false;
    for (std::size_t i = 0; i < va->size(); ++i) {
      if (!param_equal(Param((*va)[i]), Param(vb[i]))) return false;
    }
    return true;
  }
  if (const auto* aa = std::get_if<Array>(&a)) {
    const auto& ab = std::get<Array>(b);
    if (aa->raw() == ab.raw() && aa->shape() == ab.shape() && aa->dtype() == ab.dtype())
      return true;
    return aa->dtype() == ab.dtype() && aa->shape() == ab.shape() &&
           std::equal(static_cast<const char*>(aa->raw()),
                      static_cast<const char*>(aa->raw()) + aa->nbytes(),
                      static_cast<const char*>(ab.raw()));
  }
  return std::visit(
      [&](const auto& va) {
        using T = std::decay_t<decltype(va)>;
        if constexpr (std::is_same_v<T, Array> || std::is_same_v<T, GraphRef> ||
                      std::is_same_v<T, std::vector<GraphRef>>) {
          return false;  // handled above
        } else {
          return va == std::get<T>(b);
        }
      },
      a);
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

bool Params::operator==(const Params& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first != other.entries_[i].first) return false;
    if (!param_equal(entries_[i].second, other.entries_[i].second)) return false;
  }
  return true;
}

std::size_t Params::hash() const {
  // Hash the text form: params are small, and this keeps graphs and arrays consistent
  // with operator== without a hand-written hash per alternative.
  return std::hash<std::string>{}(to_string());
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
