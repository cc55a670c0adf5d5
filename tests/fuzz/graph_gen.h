// The random graph generator shared by the differential fuzz targets.
//
// Fuzzer bytes decode (FuzzedDataProvider-style: read from the front, zeros past the end)
// into a Recipe: input dtypes and shape kinds, a list of operations and the outputs. A
// Recipe is turned into a lanes::Fn whose body traces the operations through the DSL
// (include/lanes/ops.h, control_flow.h), so every graph is built by the engine's own
// tracing and is well typed by construction. Operations are decoded relative to the
// actual operands at trace time (an axis is taken modulo the rank, an operand index
// modulo the number of values so far, dtypes are coerced where an op needs it), so any
// Recipe is valid: a minimiser may drop operations, outputs or shrink shapes freely.
//
// Each value also carries an "inexact" flag: it depends on an operation whose jit result
// may differ from the interpreter's within a ULP bound (transcendental functions, float
// reductions whose order differs, ...). Exact values must agree bit for bit.
#pragma once

#include <lanes/lanes.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lanes::fuzz {

// Reads integers from the front of the fuzzer's bytes; past the end it reads zeros.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // An integer in [lo, hi].
  int range(int lo, int hi) { return lo + static_cast<int>(byte() % (hi - lo + 1)); }
  bool done() const { return pos_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Any: every primitive and dtype. Differentiable: f64 only, smooth operations on bounded
// values (no kinks near the sampled inputs, no overflow), for the gradient checks.
enum class Flavor { Any, Differentiable };

struct InputSpec {
  DType dtype = DType::F64;
  std::uint8_t shape_kind = 0;  // how the shape derives from the main shape (see input_shape)
};

struct OpSpec {
  std::uint8_t kind = 0;
  std::uint8_t a = 0, b = 0, c = 0;  // operand indices (modulo the values so far)
  std::uint8_t p0 = 0, p1 = 0;       // parameters, decoded against the operands
  // The minimiser's replacement: passes operand a through unchanged (turning ops into
  // nops rather than deleting them keeps the operand numbering of the other ops).
  bool nop = false;
};

struct Recipe {
  Flavor flavor = Flavor::Any;
  std::vector<std::int64_t> lead;  // the main shape is lead ++ [n], or [] when main_rank == 0
  int main_rank = 1;
  std::vector<InputSpec> inputs;
  std::vector<OpSpec> ops;
  std::vector<std::uint8_t> outputs;  // value indices (modulo the value count)
  std::uint32_t value_seed = 0;       // seeds the input values
  int value_style = 0;                // 0: mixed specials, 1: moderate, 2: small ints only
};

Recipe decode_recipe(ByteReader& in, Flavor flavor);

// The main shape for an innermost extent n; input i's shape derives from it.
Shape main_shape(const Recipe& r, std::int64_t n);
Shape input_shape(const Recipe& r, std::size_t i, std::int64_t n);
std::vector<Array> make_inputs(const Recipe& r, std::int64_t n);

// How an output may differ from the interpreter's: not at all, or within the relative
// bound of f64 or of f32 arithmetic. A value keeps the coarsest level of its inexact
// sources: an f32 sum converted to f64 still carries f32's rounding.
// kInexactUnbounded: a discontinuous op (rem, floor, ceil, round, sign) of an inexact
// float, which may jump by a whole step on either side (rem(3 - 1e-15, 1) vs
// rem(3 + 1e-15, 1)); such values, and all that depends on them, are not compared.
enum Inexact : int { kExact = 0, kInexactF64 = 1, kInexactF32 = 2, kInexactUnbounded = 3 };

// The traced function of a Recipe. `inexact` is filled when the function is traced (an
// Inexact level per output).
struct BuiltFn {
  Fn fn;
  std::shared_ptr<std::vector<int>> inexact;
};
BuiltFn build_fn(const Recipe& r);

// The text of a case: the recipe, the traced graph and the inputs (a reproducer).
std::string describe_case(const Recipe& r, const std::vector<Array>& inputs);

// Primitives of the tests' primitive table (tests/oracle/primitive_cases.h) that the
// generator's own kinds do not make are made through extension slots of its unary and
// binary ops (graph_gen.cpp, pick()); with no such rows the decoding is the corpus'
// one. For the generator's test only: make the rows of `names` take that path too
// (empty: none); not thread-safe.
void treat_as_table_rows_for_testing(std::vector<std::string> names);

}  // namespace lanes::fuzz
