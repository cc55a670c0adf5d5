// The kernel memory facts the CPU backend promises: a broadcast scalar load is hoisted
// out of the vector loop, kernels realign their stack, the same array may be passed for
// two inputs, and kernel_width asks scalar_codegen which ops call vector math; and the
// SmallVector that keeps dispatch allocation-free. (The dispatch path's allocation counts
// are in tests/alloc/, their own binary.)
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "runtime/small_vector.h"

namespace lanes {
namespace {

TEST(SmallVector, InlineThenHeapKeepsElementsAndDestroysThem) {
  auto counter = std::make_shared<int>(0);
  {
    internal::SmallVector<std::shared_ptr<int>, 2> v;
    for (int i = 0; i < 5; ++i) v.push_back(counter);
    EXPECT_EQ(v.size(), 5u);
    EXPECT_EQ(counter.use_count(), 6);
    for (const auto& p : v) EXPECT_EQ(p.get(), counter.get());
  }
  EXPECT_EQ(counter.use_count(), 1);
}

// --- kernel memory facts ------------------------------------------------------------

// The body of the first LLVM basic block labelled `label` (up to the next label).
std::string block_text(const std::string& ir, const std::string& label) {
  std::istringstream in(ir);
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    const bool is_label = !line.empty() && line[0] != ' ' && line.find(':') != std::string::npos &&
                          line.rfind("define", 0) != 0 && line[0] != ';' && line[0] != '!';
    if (is_label) {
      if (inside) break;
      inside = line.rfind(label + ":", 0) == 0;
      continue;
    }
    if (inside) out += line + "\n";
  }
  return out;
}

// x * s + s with s a 0-d array: the load of s is uniform; with the buffers' alias scopes
// LLVM hoists it out of the vector loop (without them it was reloaded after every store).
TEST(KernelMemory, BroadcastScalarLoadIsHoistedOutOfTheLoop) {
  Fn f = jit(fn([](Value x, Value s) { return x * s + s; }));
  std::vector<double> xv(1000);
  for (int i = 0; i < 1000; ++i) xv[i] = 0.001 * i;
  Array x = Array::from(xv), s = Array::scalar(3.0);
  const std::string ir = f.llvm_ir({x, s});
  const std::string body = block_text(ir, "body");
  ASSERT_FALSE(body.empty()) << ir;
  EXPECT_NE(body.find("load <"), std::string::npos) << body;  // the vector load of x
  EXPECT_EQ(body.find("load double"), std::string::npos) << "scalar load left in the loop:\n"
                                                         << body;
  EXPECT_NE(ir.find("!invariant.load"), std::string::npos);
  Array r = f(x, s);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.data<double>()[i], xv[i] * 3.0 + 3.0);
}

// A kernel whose vector values live across vector-math calls spills them; the stack is
// realigned so that the spill slots do not straddle cache lines.
TEST(KernelMemory, KernelsRealignTheirStack) {
  Fn f = jit(fn([](Value x, Value y) { return lanes::sin(x) * y + lanes::exp(-x * x); }));
  Array x = Array::from(std::vector<double>(64, 0.5));
  const std::string ir = f.llvm_ir({x, x});
  EXPECT_NE(ir.find("\"stackrealign\""), std::string::npos);
  const std::string asm_text = f.assembly({x, x});
  EXPECT_NE(asm_text.find("%rsp"), std::string::npos);
  EXPECT_TRUE(asm_text.find("andq\t$-64, %rsp") != std::string::npos ||
              asm_text.find("andq\t$-32, %rsp") != std::string::npos)
      << asm_text;
}

// The same input passed twice (two buffers, one storage) is fine: both are only read.
TEST(KernelMemory, SameArrayForTwoInputs) {
  Fn f = jit(fn([](Value a, Value b) { return a * b + a; }));
  std::vector<double> xv(1003);
  for (int i = 0; i < 1003; ++i) xv[i] = 0.25 * i - 100;
  Array x = Array::from(xv);
  Array r = f(x, x);
  for (int i = 0; i < 1003; ++i) EXPECT_EQ(r.data<double>()[i], xv[i] * xv[i] + xv[i]);
}

// kernel_width: counted loops of cheap arithmetic take 4 registers of lanes (at most
// 16); a loop body that calls vector math keeps the register width.
TEST(KernelMemory, KernelWidthAsksWhichOpsCallMath) {
  using namespace internal::loop;
  auto kernel_with = [](internal::ScalarOp sop) {
    Kernel k;
    k.extents = {64};
    Op inner;
    inner.kind = OpKind::Scalar;
    inner.sop = sop;
    inner.dtype = DType::F64;
    Op loop;
    loop.kind = OpKind::Loop;
    loop.dtype = DType::F64;
    loop.trip_count = 8;
    Block b;
    b.ops.push_back(inner);
    loop.blocks.push_back(b);
    k.body.ops.push_back(loop);
    return k;
  };
  const int w = internal::cpu::host_isa().vector_bytes() / 8;
  JitOptions o;
  EXPECT_EQ(internal::cpu::kernel_width(kernel_with(internal::ScalarOp::Sin), o), w);
  EXPECT_EQ(internal::cpu::kernel_width(kernel_with(internal::ScalarOp::Pow), o), w);
  EXPECT_EQ(internal::cpu::kernel_width(kernel_with(internal::ScalarOp::Mul), o),
            std::min(4 * w, 16));
}

}  // namespace
}  // namespace lanes
