// Builtins: the collectives over a named axis (psum, pmean, pmax, pmin, all_gather,
// ppermute, axis_index), for functions run under pmap(f, 'i') or vmap(f, axis_name='i').
#include <lanes/collectives.h>

#include "frontend/repl/builtins.h"

namespace lanes::repl {

namespace {

std::string axis_name(const CallArgs& a, std::size_t i) {
  std::string name = a.string_or(i, "");
  if (name.empty()) a.fail(i, "must be an axis name (a string such as 'i')");
  return name;
}

// ((source, destination), ...) pairs of a ppermute.
std::vector<std::pair<int, int>> permutation(const CallArgs& a, std::size_t i) {
  const auto* pairs = a.need(i).items();
  if (pairs == nullptr) a.fail(i, "must be a tuple of (source, destination) pairs");
  std::vector<std::pair<int, int>> out;
  for (const RVal& p : *pairs) {
    const auto* sd = p.items();
    const Num* s = sd != nullptr && sd->size() == 2 ? (*sd)[0].num() : nullptr;
    const Num* d = sd != nullptr && sd->size() == 2 ? (*sd)[1].num() : nullptr;
    if (s == nullptr || d == nullptr || s->dtype() != DType::I64 || d->dtype() != DType::I64 ||
        s->as_int() < 0 || d->as_int() < 0 || s->as_int() > 1 << 20 || d->as_int() > 1 << 20) {
      a.fail(i, "must be a tuple of (source, destination) pairs of replica indices");
    }
    out.push_back({static_cast<int>(s->as_int()), static_cast<int>(d->as_int())});
  }
  return out;
}

}  // namespace

void register_parallel_builtins(Registry& reg) {
  reg.op(
      "psum(x, axis_name)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::psum(a.value(0), axis_name(a, 1))); },
      "sum over the replicas of a named axis");
  reg.op(
      "pmean(x, axis_name)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::pmean(a.value(0), axis_name(a, 1))); },
      "mean over the replicas of a named axis");
  reg.op(
      "pmax(x, axis_name)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::pmax(a.value(0), axis_name(a, 1))); },
      "maximum over the replicas of a named axis");
  reg.op(
      "pmin(x, axis_name)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::pmin(a.value(0), axis_name(a, 1))); },
      "minimum over the replicas of a named axis");
  reg.op(
      "all_gather(x, axis_name, axis=, tiled=)",
      [](Evaluator&, const CallArgs& a) {
        return RVal(lanes::all_gather(a.value(0), axis_name(a, 1), a.integer_or(2, 0),
                                      a.boolean_or(3, false)));
      },
      "every replica's x, stacked (or concatenated: tiled=True)");
  reg.op(
      "ppermute(x, axis_name, perm)",
      [](Evaluator&, const CallArgs& a) {
        return RVal(lanes::ppermute(a.value(0), axis_name(a, 1), permutation(a, 2)));
      },
      "send x from source to destination replicas ((src, dst), ...)");
  reg.op(
      "axis_index(axis_name)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::axis_index(axis_name(a, 0))); },
      "this replica's index along a named axis");
}

}  // namespace lanes::repl
