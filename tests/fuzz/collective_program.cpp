// Random per-replica programs with collectives in control flow, and their lockstep oracle.
#include "tests/fuzz/collective_program.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <utility>

namespace lanes::fuzz {
namespace {

// Generator bounds: nesting depth and the number of steps in all (so a program stays
// small enough to compile fast; loops run at most 3 + 2 = 5 times).
constexpr int kMaxDepth = 3;
constexpr int kMaxSteps = 24;

std::vector<Step> decode_block(ByteReader& in, int depth, int* budget) {
  std::vector<Step> steps;
  const int count = in.range(1, depth == 0 ? 6 : 3);
  for (int i = 0; i<count&& * budget> 0; ++i) {
    --*budget;
    Step s;
    const int kind = in.byte() % 10;
    if (kind <= 3) {
      s.kind = static_cast<StepKind>(kind);
    } else if (kind <= 6 || depth >= kMaxDepth) {
      s.kind = StepKind::Collective;
      s.collective = static_cast<CollectiveKind>(in.byte() % 6);
    } else if (kind <= 8) {
      s.kind = StepKind::Cond;
      s.pred = static_cast<PredKind>(in.byte() % 4);
      s.k = in.range(0, 3);
      s.then_steps = decode_block(in, depth + 1, budget);
      s.else_steps = decode_block(in, depth + 1, budget);
    } else {
      s.kind = StepKind::Loop;
      s.trip = static_cast<TripKind>(in.byte() % 2);
      s.k = in.range(0, 2);
      s.then_steps = decode_block(in, depth + 1, budget);
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

const char* collective_name(CollectiveKind k) {
  switch (k) {
    case CollectiveKind::Psum:
      return "psum";
    case CollectiveKind::Pmean:
      return "pmean";
    case CollectiveKind::Pmax:
      return "pmax";
    case CollectiveKind::Pmin:
      return "pmin";
    case CollectiveKind::AllGatherWeighted:
      return "all_gather";
    case CollectiveKind::PpermuteShift:
      return "ppermute";
  }
  return "?";
}

// --- the DSL function ----------------------------------------------------------------

struct FnBuilder {
  const CollectiveProgram& p;
  const std::string& axis;

  Value index() const { return lanes::astype(lanes::axis_index(axis), DType::F64); }
  static Value first(const Value& x) { return lanes::reshape(lanes::slice(x, {0}, {1}), {}); }

  Value collective(CollectiveKind k, const Value& x) const {
    switch (k) {
      case CollectiveKind::Psum:
        return lanes::psum(x, axis);
      case CollectiveKind::Pmean:
        return lanes::pmean(x, axis);
      case CollectiveKind::Pmax:
        return lanes::pmax(x, axis);
      case CollectiveKind::Pmin:
        return lanes::pmin(x, axis);
      case CollectiveKind::AllGatherWeighted: {
        std::vector<double> w;
        for (int j = 0; j < p.replicas; ++j) w.push_back(j + 1);
        Array weights = Array::from(w, {p.replicas, 1});
        return lanes::sum(lanes::all_gather(x, axis) * Value(weights), {0});
      }
      case CollectiveKind::PpermuteShift: {
        std::vector<std::pair<int, int>> perm;
        for (int s = 0; s < p.replicas; ++s) perm.emplace_back(s, (s + 1) % p.replicas);
        return lanes::ppermute(x, axis, perm);
      }
    }
    return x;
  }

  Value predicate(const Step& s, const Value& x) const {
    switch (s.pred) {
      case PredKind::IndexEquals:
        return lanes::axis_index(axis) == s.k;
      case PredKind::IndexLess:
        return lanes::axis_index(axis) < s.k;
      case PredKind::DataPositive:
        return first(x) > 0.0;
      case PredKind::UniformData:
        return first(lanes::psum(x, axis)) > 0.0;
    }
    return first(x) > 0.0;
  }

  // Recursion on the generator's nesting (at most kMaxDepth), not on a user's program.
  Value block(const std::vector<Step>& steps, Value x) const {
    for (const Step& s : steps) {
      switch (s.kind) {
        case StepKind::Sin:
          x = lanes::sin(x);
          break;
        case StepKind::AddIndex:
          x = x + index();
          break;
        case StepKind::Scale:
          x = x * 0.75;
          break;
        case StepKind::Tanh:
          x = lanes::tanh(x);
          break;
        case StepKind::Collective:
          x = collective(s.collective, x);
          break;
        case StepKind::Cond:
          x = lanes::cond(
              predicate(s, x), [&](Value v) { return block(s.then_steps, v); },
              [&](Value v) { return block(s.else_steps, v); }, x);
          break;
        case StepKind::Loop: {
          Value hi = s.trip == TripKind::Constant ? Value(s.k) : lanes::axis_index(axis) + s.k;
          x = lanes::fori_loop(
              Value(0), hi, [&](Value, Value c) { return block(s.then_steps, c); }, x);
          break;
        }
      }
    }
    return x;
  }
};

// --- the lockstep oracle -----------------------------------------------------------------

enum class Op { Unary, Collective, PredPsum, BranchUnless, Jump, LoopBegin, LoopTest };

struct Instr {
  Op op = Op::Unary;
  StepKind unary = StepKind::Sin;
  CollectiveKind collective = CollectiveKind::Psum;
  const Step* step = nullptr;  // BranchUnless: the cond; LoopBegin: the loop
  int target = 0;              // BranchUnless, Jump, LoopTest
};

void flatten(const std::vector<Step>& steps, std::vector<Instr>* code) {
  for (const Step& s : steps) {
    Instr in;
    switch (s.kind) {
      case StepKind::Collective:
        in.op = Op::Collective, in.collective = s.collective;
        code->push_back(in);
        break;
      case StepKind::Cond: {
        if (s.pred == PredKind::UniformData) code->push_back(Instr{Op::PredPsum});
        const std::size_t branch = code->size();
        code->push_back(Instr{Op::BranchUnless, StepKind::Sin, CollectiveKind::Psum, &s});
        flatten(s.then_steps, code);
        const std::size_t jump = code->size();
        code->push_back(Instr{Op::Jump});
        (*code)[branch].target = static_cast<int>(code->size());
        flatten(s.else_steps, code);
        (*code)[jump].target = static_cast<int>(code->size());
        break;
      }
      case StepKind::Loop: {
        code->push_back(Instr{Op::LoopBegin, StepKind::Sin, CollectiveKind::Psum, &s});
        const std::size_t test = code->size();
        code->push_back(Instr{Op::LoopTest});
        flatten(s.then_steps, code);
        Instr back{Op::Jump};
        back.target = static_cast<int>(test);
        code->push_back(back);
        (*code)[test].target = static_cast<int>(code->size());
        break;
      }
      default:
        in.op = Op::Unary, in.unary = s.kind;
        code->push_back(in);
    }
  }
}

struct Replica {
  std::size_t pc = 0;
  std::vector<double> x;
  double pred_psum = 0;  // the first element of the last UniformData psum
  std::vector<int> trips;
};

// The collective a replica waits in, as the communicator sees it (kind and operand):
// a UniformData predicate's psum is a psum like any other.
const char* waiting_in(const Instr& in) {
  return in.op == Op::PredPsum ? "psum" : collective_name(in.collective);
}

double combine(CollectiveKind k, double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  switch (k) {
    case CollectiveKind::Pmax:
      return std::max(a, b);
    case CollectiveKind::Pmin:
      return std::min(a, b);
    default:
      return a + b;
  }
}

// Runs replica r until it waits in a collective or returns (pc == code.size()).
void run_local(const std::vector<Instr>& code, Replica& st, int r) {
  while (st.pc < code.size()) {
    const Instr& in = code[st.pc];
    switch (in.op) {
      case Op::Collective:
      case Op::PredPsum:
        return;
      case Op::Unary:
        for (double& v : st.x) {
          switch (in.unary) {
            case StepKind::Sin:
              v = std::sin(v);
              break;
            case StepKind::AddIndex:
              v = v + r;
              break;
            case StepKind::Scale:
              v = v * 0.75;
              break;
            default:
              v = std::tanh(v);
          }
        }
        ++st.pc;
        break;
      case Op::BranchUnless: {
        const Step& s = *in.step;
        bool taken = false;
        switch (s.pred) {
          case PredKind::IndexEquals:
            taken = r == s.k;
            break;
          case PredKind::IndexLess:
            taken = r < s.k;
            break;
          case PredKind::DataPositive:
            taken = st.x[0] > 0;
            break;
          case PredKind::UniformData:
            taken = st.pred_psum > 0;
            break;
        }
        st.pc = taken ? st.pc + 1 : static_cast<std::size_t>(in.target);
        break;
      }
      case Op::Jump:
        st.pc = static_cast<std::size_t>(in.target);
        break;
      case Op::LoopBegin:
        st.trips.push_back(in.step->trip == TripKind::Constant ? in.step->k : r + in.step->k);
        ++st.pc;
        break;
      case Op::LoopTest:
        if (st.trips.back() == 0) {
          st.trips.pop_back();
          st.pc = static_cast<std::size_t>(in.target);
        } else {
          --st.trips.back();
          ++st.pc;
        }
        break;
    }
  }
}

// Every replica waits in the same collective: compute it, store each replica's result.
void run_collective(const std::vector<Instr>& code, std::vector<Replica>& reps) {
  const int R = static_cast<int>(reps.size());
  const std::size_t n = reps[0].x.size();
  const Instr& in0 = code[reps[0].pc];
  const CollectiveKind kind = in0.op == Op::PredPsum ? CollectiveKind::Psum : in0.collective;
  std::vector<std::vector<double>> out(static_cast<std::size_t>(R), std::vector<double>(n));
  for (std::size_t e = 0; e < n; ++e) {
    if (kind == CollectiveKind::PpermuteShift) {
      for (int r = 0; r < R; ++r)
        out[static_cast<std::size_t>((r + 1) % R)][e] = reps[static_cast<std::size_t>(r)].x[e];
      continue;
    }
    double acc = 0;
    for (int r = 0; r < R; ++r) {
      const double v = reps[static_cast<std::size_t>(r)].x[e];
      const double term = kind == CollectiveKind::AllGatherWeighted ? (r + 1) * v : v;
      acc = r == 0 ? term : combine(kind, acc, term);
    }
    if (kind == CollectiveKind::Pmean) acc /= R;
    for (int r = 0; r < R; ++r) out[static_cast<std::size_t>(r)][e] = acc;
  }
  for (int r = 0; r < R; ++r) {
    Replica& st = reps[static_cast<std::size_t>(r)];
    if (code[st.pc].op == Op::PredPsum) {
      st.pred_psum = out[static_cast<std::size_t>(r)][0];
    } else {
      st.x = out[static_cast<std::size_t>(r)];
    }
    ++st.pc;
  }
}

void describe_block(const std::vector<Step>& steps, int indent, std::ostringstream& os) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  static const char* unary[] = {"sin", "x + axis_index", "x * 0.75", "tanh"};
  static const char* preds[] = {"axis_index == ", "axis_index < ", "x[0] > 0", "psum(x)[0] > 0"};
  for (const Step& s : steps) {
    switch (s.kind) {
      case StepKind::Collective:
        os << pad << collective_name(s.collective) << "\n";
        break;
      case StepKind::Cond:
        os << pad << "cond " << preds[static_cast<int>(s.pred)];
        if (s.pred == PredKind::IndexEquals || s.pred == PredKind::IndexLess) os << s.k;
        os << ":\n";
        describe_block(s.then_steps, indent + 1, os);
        os << pad << "else:\n";
        describe_block(s.else_steps, indent + 1, os);
        break;
      case StepKind::Loop:
        os << pad << "fori_loop " << (s.trip == TripKind::Constant ? "" : "axis_index + ") << s.k
           << " times:\n";
        describe_block(s.then_steps, indent + 1, os);
        break;
      default:
        os << pad << unary[static_cast<int>(s.kind)] << "\n";
    }
  }
}

}  // namespace

CollectiveProgram decode_collective_program(ByteReader& in) {
  CollectiveProgram p;
  p.replicas = in.range(1, 4);
  p.n = in.range(1, 3);
  p.value_seed = in.byte();
  int budget = kMaxSteps;
  p.steps = decode_block(in, 0, &budget);
  return p;
}

std::vector<std::vector<double>> collective_inputs(const CollectiveProgram& p) {
  std::mt19937 g(p.value_seed);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<std::vector<double>> xs(static_cast<std::size_t>(p.replicas));
  for (auto& x : xs)
    for (std::int64_t e = 0; e < p.n; ++e) x.push_back(u(g));
  return xs;
}

Fn build_replica_fn(const CollectiveProgram& p, const std::string& axis) {
  return fn([p, axis](Value x) { return FnBuilder{p, axis}.block(p.steps, x); });
}

SimulatedRun simulate(const CollectiveProgram& p, const std::vector<std::vector<double>>& inputs) {
  std::vector<Instr> code;
  flatten(p.steps, &code);
  std::vector<Replica> reps(inputs.size());
  for (std::size_t r = 0; r < reps.size(); ++r) reps[r].x = inputs[r];
  SimulatedRun run;
  for (;;) {
    for (std::size_t r = 0; r < reps.size(); ++r) run_local(code, reps[r], static_cast<int>(r));
    std::vector<int> done, waiting;
    for (std::size_t r = 0; r < reps.size(); ++r)
      (reps[r].pc == code.size() ? done : waiting).push_back(static_cast<int>(r));
    if (waiting.empty()) break;
    std::ostringstream why;
    if (!done.empty()) {
      why << "replica " << done[0] << " returns while replica " << waiting[0] << " waits in "
          << waiting_in(code[reps[static_cast<std::size_t>(waiting[0])].pc]);
    } else {
      for (int r : waiting) {
        const char* a = waiting_in(code[reps[static_cast<std::size_t>(r)].pc]);
        const char* b = waiting_in(code[reps[0].pc]);
        if (std::string(a) != b) {
          why << "replica 0 calls " << b << " where replica " << r << " calls " << a;
          break;
        }
      }
    }
    if (!why.str().empty()) {
      run.diverges = true;
      run.why = why.str();
      return run;
    }
    run_collective(code, reps);
  }
  for (const Replica& st : reps) run.values.push_back(st.x);
  return run;
}

std::string describe(const CollectiveProgram& p) {
  std::ostringstream os;
  os << "pmap over " << p.replicas << " replicas of f64[" << p.n << "], value seed "
     << static_cast<int>(p.value_seed) << ":\n";
  describe_block(p.steps, 1, os);
  return os.str();
}

}  // namespace lanes::fuzz
