// The CPU's math calls for ScalarOps (the MathCallHook of codegen/llvm/scalar_codegen.h):
// a transcendental calls a vector function of the value's width (split into or padded up
// to the widths the host has): SLEEF u10 in Precise mode; in Fast mode the provider that
// vector_math_table.h names (SLEEF u35, glibc libmvec or liblanes' Highway exports). At
// width 1 both modes call scalar SLEEF, within the same bound (docs/precision.md). Where
// a provider breaks its bound on part of the domain, the lanes in that region are
// recomputed by a long double fallback in a cold block (kMathGuards, guard_lanes).
#include "codegen/cpu/scalar_codegen.h"

#include <lanes/error.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <limits>
#include <string>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "codegen/cpu/vector_math_table.h"
#include "codegen/llvm/scalar_codegen.h"
#include "runtime/check.h"
#include "runtime/hwy_vector_math.h"

namespace lanes::internal::cpu {

using llvm::Value;
using llvmgen::constant_like;

namespace {

// --- SLEEF ----------------------------------------------------------------------------

// The ops that call a math library, with SLEEF's accuracy suffixes; the base name
// ("sin") is the ScalarOp table's, shared with libmvec, Highway and ocml.
struct MathFn {
  ScalarOp op;
  const char* precise;  // accuracy suffix for Precision::Precise
  const char* fast;     // for Precision::Fast (u35 where SLEEF has it)
  const char* name() const { return scalar_op_math_name(op); }
};

constexpr MathFn kMathFns[] = {
    {ScalarOp::Cbrt, "u10", "u35"},  {ScalarOp::Exp, "u10", "u10"},
    {ScalarOp::Exp2, "u10", "u35"},  {ScalarOp::Expm1, "u10", "u10"},
    {ScalarOp::Log, "u10", "u35"},   {ScalarOp::Log2, "u10", "u35"},
    {ScalarOp::Log10, "u10", "u10"}, {ScalarOp::Log1p, "u10", "u10"},
    {ScalarOp::Sin, "u10", "u35"},   {ScalarOp::Cos, "u10", "u35"},
    {ScalarOp::Tan, "u10", "u35"},   {ScalarOp::Asin, "u10", "u35"},
    {ScalarOp::Acos, "u10", "u35"},  {ScalarOp::Atan, "u10", "u35"},
    {ScalarOp::Sinh, "u10", "u35"},  {ScalarOp::Cosh, "u10", "u35"},
    {ScalarOp::Tanh, "u10", "u35"},  {ScalarOp::Asinh, "u10", "u10"},
    {ScalarOp::Acosh, "u10", "u10"}, {ScalarOp::Atanh, "u10", "u10"},
    {ScalarOp::Erf, "u10", "u10"},   {ScalarOp::Erfc, "u15", "u15"},
    {ScalarOp::Pow, "u10", "u10"},   {ScalarOp::Atan2, "u10", "u35"},
};

const MathFn* find_math(ScalarOp op) {
  for (const MathFn& f : kMathFns) {
    if (f.op == op) return &f;
  }
  return nullptr;
}

// SLEEF's ISA suffix for a vector of `bytes` bytes on this host.
std::string isa_suffix(int bytes) {
  const HostIsa& isa = host_isa();
  if (bytes == 64) return "avx512f";
  if (bytes == 32) return isa.avx2_fma ? "avx2" : "avx";
  return isa.avx ? "sse4" : "sse2";
}

Value* call_pure(llvm::IRBuilderBase& b, const std::string& name, llvm::Type* t,
                 llvm::ArrayRef<Value*> args) {
  llvm::Module* m = b.GetInsertBlock()->getModule();
  std::vector<llvm::Type*> params(args.size(), t);
  llvm::FunctionCallee callee =
      m->getOrInsertFunction(name, llvm::FunctionType::get(t, params, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    // Pure functions: lets LLVM hoist and CSE the calls.
    f->setDoesNotThrow();
    f->setDoesNotAccessMemory();
    f->setWillReturn();
  }
  return b.CreateCall(callee, args);
}

// The vector function for `chunk` lanes of `dt`: SLEEF's `ulp` variant unless Fast mode's
// table names another provider that this host can run.
// `provider` receives the provider that the symbol belongs to.
std::string vector_math_symbol(const MathFn& fn, DType dt, int chunk, std::size_t arity,
                               Precision precision, MathProvider& provider) {
  const bool f32 = dt == DType::F32;
  const int bytes = chunk * (f32 ? 4 : 8);
  const std::string ulp = precision == Precision::Fast ? fn.fast : fn.precise;
  const std::string sleef = std::string("Sleef_") + fn.name() + (f32 ? "f" : "d") +
                            std::to_string(chunk) + "_" + ulp + isa_suffix(bytes);
  provider = MathProvider::Sleef;
  if (precision != Precision::Fast) return sleef;
  switch (fast_math_provider(fn.op, dt, bytes)) {
    case MathProvider::Sleef:
      return sleef;
    case MathProvider::Libmvec: {
      // x86-64 vector ABI ISA letters: b = SSE, d = AVX2, e = AVX-512.
      const HostIsa& isa = host_isa();
      const char* letter = bytes == 16 ? "b" : bytes == 32 ? "d" : "e";
      if ((bytes == 32 && !isa.avx2_fma) || (bytes == 64 && !isa.avx512f)) return sleef;
      provider = MathProvider::Libmvec;
      return std::string("_ZGV") + letter + "N" + std::to_string(chunk) +
             (arity == 2 ? "vv_" : "v_") + fn.name() + (f32 ? "f" : "");
    }
    case MathProvider::Hwy:
      if (!hwy_math_available(bytes)) return sleef;
      provider = MathProvider::Hwy;
      return std::string("lanes_hwy_") + fn.name() + "_" + (f32 ? "f" : "d") +
             std::to_string(chunk);
  }
  return sleef;
}

// fn(args) from its provider (which `provider` receives), split into or padded up to the
// vector widths the host has.
Value* emit_provider_call(llvm::IRBuilderBase& b, const MathFn& fn, DType dt,
                          std::span<Value* const> args, Precision precision,
                          MathProvider& provider) {
  provider = MathProvider::Sleef;
  const bool f32 = dt == DType::F32;
  const std::string ulp = precision == Precision::Fast ? fn.fast : fn.precise;
  llvm::Type* t = args[0]->getType();
  auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(t);
  std::vector<Value*> a(args.begin(), args.end());
  if (vt == nullptr) {
    return call_pure(b, std::string("Sleef_") + fn.name() + (f32 ? "f" : "") + "_" + ulp, t, a);
  }
  const int width = static_cast<int>(vt->getNumElements());
  const int elem = f32 ? 4 : 8;
  // Vector widths SLEEF offers on this host, widest first.
  std::vector<int> widths;
  if (host_isa().avx512f) widths.push_back(64 / elem);
  if (host_isa().avx) widths.push_back(32 / elem);
  widths.push_back(16 / elem);
  int chunk = widths.back();  // pad up to the narrowest when the value is narrower
  for (int w : widths) {
    if (w <= width) {
      chunk = w;
      break;
    }
  }
  const std::string name = vector_math_symbol(fn, dt, chunk, args.size(), precision, provider);
  llvm::Type* ct = llvm::FixedVectorType::get(vt->getElementType(), chunk);
  if (chunk == width) return call_pure(b, name, ct, a);
  Value* result = llvm::PoisonValue::get(vt);
  for (int start = 0; start < width; start += chunk) {
    llvm::SmallVector<int, 16> take(chunk), widen(width), blend(width);
    for (int k = 0; k < chunk; ++k) take[k] = start + k < width ? start + k : -1;
    for (int j = 0; j < width; ++j) {
      bool in = j >= start && j < start + chunk;
      widen[j] = in ? j - start : -1;
      blend[j] = in ? width + j : j;
    }
    std::vector<Value*> part;
    for (Value* x : a) part.push_back(b.CreateShuffleVector(x, take));
    Value* r = call_pure(b, name, ct, part);
    result = b.CreateShuffleVector(result, b.CreateShuffleVector(r, widen), blend);
  }
  return result;
}

// --- guards: lanes outside a provider's range -----------------------------------------
//
// tests/unit/vector_math_test.cpp sweeps every function over its whole domain; where some
// provider (SLEEF u10/u35 at any width, libmvec, Highway) breaks its bound, the lanes of
// that region are recomputed by liblanes' long double fallback (runtime/math_fallback.h).
// The region test is a few compares and one vector or-reduction; the fallback sits in a
// cold block that runs only when some lane is in the region.

Value* fabs_of(llvm::IRBuilderBase& b, Value* x) {
  return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
}

// lo < v <= hi, false for NaN.
Value* in_range(llvm::IRBuilderBase& b, Value* v, double lo, double hi) {
  return b.CreateAnd(b.CreateFCmpOGT(v, constant_like(v, lo)),
                     b.CreateFCmpOLE(v, constant_like(v, hi)));
}

// The lanes of op(args) = r that the fallback must recompute, for an op with a row in
// vector_math_table.h's kMathGuards (regions and evidence in docs/precision.md, Guards).
Value* guard_lanes(llvm::IRBuilderBase& b, ScalarOp op, DType dt, std::span<Value* const> args,
                   Value* r) {
  const bool f32 = dt == DType::F32;
  const double max = f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  Value* x = args[0];
  switch (op) {
    case ScalarOp::Sinh:
    case ScalarOp::Cosh:
      // SLEEF (and libmvec's AVX-512 sinhf/coshf) overflow before the true result does:
      // f64 from |x| = 709.78, f32 from 88.5. Beyond 710.48 / 89.42 inf is right.
      return f32 ? in_range(b, fabs_of(b, x), 88, 89.5) : in_range(b, fabs_of(b, x), 709, 710.5);
    case ScalarOp::Exp:
      // SLEEF (f64) returns inf from x = 709.78271114955743; the true overflow is at
      // 709.78271289338400 (ln DBL_MAX). Above the region inf is right. Every f32 exp
      // is within its bound (kMathGuards has no f32 Exp row).
      LANES_CHECK(!f32, "no guard region for f32 exp");
      return in_range(b, x, 709.78, 709.79);
    case ScalarOp::Erfc:
      // SLEEF u15 is up to 1.6 ULP where erfc(x) nears the smallest normal (x from 26.5
      // (f64) / 9.1 (f32)); beyond 27.3 / 10.1 the result is 0.
      return f32 ? in_range(b, x, 9, 10.5) : in_range(b, x, 26, 27.5);
    case ScalarOp::Asinh:
      // SLEEF: inf from |x| = 1.34e154 (f64) / 1.8e19 (f32); libmvec and Highway: inf
      // near -DBL_MAX / -FLT_MAX.
      return in_range(b, fabs_of(b, x), f32 ? 0x1p60 : 0x1p500, max);
    case ScalarOp::Acosh:
      return in_range(b, x, f32 ? 0x1p60 : 0x1p500, max);
    case ScalarOp::Log1p:
      // SLEEF forms 1 + x * (something > 1): inf from x = 1e307 (f64) / 1e38 (f32).
      return in_range(b, x, f32 ? 0x1p120 : 0x1p1000, max);
    case ScalarOp::Pow: {
      // SLEEF overflows to inf for results just below DBL_MAX (pow(DBL_MAX, 1)): every
      // inf from finite nonzero operands is rechecked (true overflows take the slow path).
      Value* y = args[1];
      Value* inf = constant_like(x, std::numeric_limits<double>::infinity());
      return b.CreateAnd(
          b.CreateAnd(b.CreateFCmpOEQ(fabs_of(b, r), inf), b.CreateFCmpONE(x, constant_like(x, 0))),
          b.CreateAnd(b.CreateFCmpOLT(fabs_of(b, x), inf), b.CreateFCmpOLT(fabs_of(b, y), inf)));
    }
    case ScalarOp::Erf:
      // SLEEF u10 is up to 1.04 (f64) / 1.43 (f32) ULP for tiny x (results near or below
      // the smallest normal). Zero is exact and stays on the fast path.
      return in_range(b, fabs_of(b, x), 0, f32 ? 0x1p-120 : 0x1p-1000);
    case ScalarOp::Atan2: {
      // SLEEF u10 is up to 1.5 ULP where the result is below 4 * the smallest normal
      // (x > 0, 0 < |y| < x * 4 * min).
      Value* y = args[0];
      Value* xx = args[1];
      const double tiny =
          4 * (f32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min());
      Value* ay = fabs_of(b, y);
      return b.CreateAnd(b.CreateAnd(b.CreateFCmpOGT(xx, constant_like(xx, 0)),
                                     b.CreateFCmpOGT(ay, constant_like(ay, 0))),
                         b.CreateFCmpOLT(ay, b.CreateFMul(xx, constant_like(xx, tiny))));
    }
    default:
      LANES_FAIL("cpu backend: no math guard region for " + std::string(scalar_op_name(op)));
  }
}

// An alloca of `t` in the entry block (so that a loop does not grow the stack).
llvm::AllocaInst* entry_alloca(llvm::IRBuilderBase& b, llvm::Type* t) {
  llvm::BasicBlock& entry = b.GetInsertBlock()->getParent()->getEntryBlock();
  llvm::IRBuilder<> eb(&entry, entry.getFirstInsertionPt());
  return eb.CreateAlloca(t);
}

// r with the `bad` lanes replaced by lanes_math_fallback_<fn>: in a cold block entered
// only when some lane is bad.
Value* apply_fallback(llvm::IRBuilderBase& b, const MathFn& fn, DType dt,
                      std::span<Value* const> args, Value* r, Value* bad) {
  llvm::LLVMContext& ctx = b.getContext();
  const bool f32 = dt == DType::F32;
  llvm::Type* et = r->getType()->getScalarType();
  llvm::Module* m = b.GetInsertBlock()->getModule();
  llvm::FunctionType* fty = llvm::FunctionType::get(et, {et, et}, false);
  llvm::FunctionCallee fallback = m->getOrInsertFunction(
      std::string("lanes_math_fallback_") + fn.name() + (f32 ? "_f" : "_d"), fty);
  auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(r->getType());
  Value* any = vt != nullptr ? b.CreateOrReduce(bad) : bad;
  llvm::Function* f = b.GetInsertBlock()->getParent();
  auto* fix = llvm::BasicBlock::Create(ctx, "math_fallback", f);
  auto* cont = llvm::BasicBlock::Create(ctx, "math_cont", f);
  llvm::BasicBlock* pre = b.GetInsertBlock();
  b.CreateCondBr(any, fix, cont, llvm::MDBuilder(ctx).createBranchWeights(1, 1 << 20));
  b.SetInsertPoint(fix);
  Value* fixed = nullptr;
  if (vt == nullptr) {
    Value* y = args.size() > 1 ? args[1] : constant_like(r, 0);
    fixed = b.CreateCall(fallback, {args[0], y});
  } else {
    // Spill the lanes and let lanes_math_fix_lanes_<f|d> call the fallback on the bad ones.
    const unsigned n = vt->getNumElements();
    llvm::Type* bytes = llvm::FixedVectorType::get(b.getInt8Ty(), n);
    llvm::AllocaInst* bad_mem = entry_alloca(b, bytes);
    llvm::AllocaInst* x_mem = entry_alloca(b, vt);
    llvm::AllocaInst* r_mem = entry_alloca(b, vt);
    Value* y_mem = llvm::ConstantPointerNull::get(b.getPtrTy());
    b.CreateStore(b.CreateZExt(bad, bytes), bad_mem);
    b.CreateStore(args[0], x_mem);
    if (args.size() > 1) {
      llvm::AllocaInst* ym = entry_alloca(b, vt);
      b.CreateStore(args[1], ym);
      y_mem = ym;
    }
    b.CreateStore(r, r_mem);
    llvm::Type* ptr = b.getPtrTy();
    llvm::FunctionCallee fix_lanes = m->getOrInsertFunction(
        f32 ? "lanes_math_fix_lanes_f" : "lanes_math_fix_lanes_d",
        llvm::FunctionType::get(b.getVoidTy(), {ptr, b.getInt32Ty(), ptr, ptr, ptr, ptr}, false));
    b.CreateCall(fix_lanes, {fallback.getCallee(), b.getInt32(n), bad_mem, x_mem, y_mem, r_mem});
    fixed = b.CreateLoad(vt, r_mem);
  }
  llvm::BasicBlock* fix_end = b.GetInsertBlock();
  b.CreateBr(cont);
  b.SetInsertPoint(cont);
  llvm::PHINode* phi = b.CreatePHI(r->getType(), 2);
  phi->addIncoming(r, pre);
  phi->addIncoming(fixed, fix_end);
  return phi;
}

// fn(args) from its provider, with the lanes outside the provider's range recomputed.
Value* emit_math(llvm::IRBuilderBase& b, const MathFn& fn, DType dt, std::span<Value* const> args,
                 Precision precision) {
  MathProvider provider;
  Value* r = emit_provider_call(b, fn, dt, args, precision, provider);
  if (!math_guard_needed(fn.op, dt, provider, precision == Precision::Precise)) return r;
  return apply_fallback(b, fn, dt, args, r, guard_lanes(b, fn.op, dt, args, r));
}

}  // namespace

bool calls_math_library(ScalarOp op) { return find_math(op) != nullptr; }

Value* emit_host_math(llvm::IRBuilderBase& b, ScalarOp op, DType dtype,
                      std::span<Value* const> args, Precision precision) {
  const MathFn* fn = find_math(op);
  if (fn == nullptr) {
    LANES_FAIL("cpu backend: no math function for " + std::string(scalar_op_name(op)));
  }
  return emit_math(b, *fn, dtype, args, precision);
}

}  // namespace lanes::internal::cpu
