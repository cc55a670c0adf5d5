// ScalarOp -> LLVM IR, on scalars or <W x T> vectors alike, for every LLVM backend.
//
// Semantics follow docs/semantics.md: integer arithmetic wraps; x / 0 = -1, x % 0 = x,
// INT_MIN / -1 = INT_MIN (Rem truncates, sign of the dividend, like C and lax.rem);
// float->int converts saturate with NaN -> 0; min/max propagate NaN; round is half away
// from zero; comparisons are ordered except Ne; Select is (pred, on_true, on_false).
// Transcendentals are the backend's MathCallHook.
#include "codegen/llvm/scalar_codegen.h"

#include <lanes/error.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <string>

#include "runtime/check.h"

namespace lanes::internal::llvmgen {

using llvm::Value;

llvm::Type* register_type(llvm::LLVMContext& ctx, DType dtype, int width) {
  llvm::Type* t = nullptr;
  switch (dtype) {
    case DType::Bool:
      t = llvm::Type::getInt1Ty(ctx);
      break;
    case DType::I32:
      t = llvm::Type::getInt32Ty(ctx);
      break;
    case DType::I64:
      t = llvm::Type::getInt64Ty(ctx);
      break;
    case DType::F32:
      t = llvm::Type::getFloatTy(ctx);
      break;
    case DType::F64:
      t = llvm::Type::getDoubleTy(ctx);
      break;
  }
  return width > 1 ? llvm::FixedVectorType::get(t, width) : t;
}

Value* constant_like(Value* v, double x) {
  llvm::Type* t = v->getType();
  llvm::Type* e = t->getScalarType();
  llvm::Constant* c =
      e->isFloatingPointTy()
          ? llvm::ConstantFP::get(e, x)
          : llvm::ConstantInt::get(e, static_cast<std::uint64_t>(static_cast<std::int64_t>(x)),
                                   /*isSigned=*/true);
  if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(t)) {
    return llvm::ConstantVector::getSplat(vt->getElementCount(), c);
  }
  return c;
}

namespace {

[[noreturn]] void bad_dtype(ScalarOp op, DType dt) {
  throw CompileError("codegen: scalar op " + std::string(scalar_op_name(op)) +
                     " is not defined on " + std::string(dtype_name(dt)));
}

Value* int_min_like(Value* v) {
  llvm::Type* e = v->getType()->getScalarType();
  llvm::Constant* c =
      llvm::ConstantInt::get(e, llvm::APInt::getSignedMinValue(e->getIntegerBitWidth()));
  if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(v->getType())) {
    return llvm::ConstantVector::getSplat(vt->getElementCount(), c);
  }
  return c;
}

// --- integer helpers ------------------------------------------------------------------

// x / y with y == 0 -> -1 and INT_MIN / -1 -> INT_MIN (no UB: the divisor is made safe).
Value* emit_int_div(llvm::IRBuilderBase& b, Value* x, Value* y) {
  Value* zero = b.CreateICmpEQ(y, constant_like(y, 0));
  Value* overflow =
      b.CreateAnd(b.CreateICmpEQ(x, int_min_like(x)), b.CreateICmpEQ(y, constant_like(y, -1)));
  Value* safe = b.CreateSelect(b.CreateOr(zero, overflow), constant_like(y, 1), y);
  return b.CreateSelect(zero, constant_like(x, -1), b.CreateSDiv(x, safe));
}

// x % y truncating, with x % 0 -> x and x % -1 -> 0.
Value* emit_int_rem(llvm::IRBuilderBase& b, Value* x, Value* y) {
  Value* zero = b.CreateICmpEQ(y, constant_like(y, 0));
  Value* minus1 = b.CreateICmpEQ(y, constant_like(y, -1));
  Value* safe = b.CreateSelect(b.CreateOr(zero, minus1), constant_like(y, 1), y);
  return b.CreateSelect(zero, x, b.CreateSRem(x, safe));
}

// x ** y by square-and-multiply over y's bits (wrapping); y < 0 gives 1 for x == 1,
// +-1 for x == -1 (by parity) and 0 otherwise, the exact integer results truncated.
Value* emit_int_pow(llvm::IRBuilderBase& b, Value* x, Value* y) {
  const unsigned bits = x->getType()->getScalarSizeInBits();
  Value* acc = constant_like(x, 1);
  Value* base = x;
  for (unsigned i = 0; i + 1 < bits; ++i) {
    Value* bit = b.CreateICmpNE(b.CreateAnd(y, constant_like(y, static_cast<double>(1LL << i))),
                                constant_like(y, 0));
    acc = b.CreateSelect(bit, b.CreateMul(acc, base), acc);
    if (i + 2 < bits) base = b.CreateMul(base, base);
  }
  Value* odd = b.CreateICmpNE(b.CreateAnd(y, constant_like(y, 1)), constant_like(y, 0));
  Value* neg_result =
      b.CreateSelect(b.CreateICmpEQ(x, constant_like(x, 1)), constant_like(x, 1),
                     b.CreateSelect(b.CreateICmpEQ(x, constant_like(x, -1)),
                                    b.CreateSelect(odd, constant_like(x, -1), constant_like(x, 1)),
                                    constant_like(x, 0)));
  return b.CreateSelect(b.CreateICmpSLT(y, constant_like(y, 0)), neg_result, acc);
}

Value* emit_compare(llvm::IRBuilderBase& b, ScalarOp op, DType dt, Value* x, Value* y) {
  using P = llvm::CmpInst::Predicate;
  P p;
  if (is_float(dt)) {
    switch (op) {
      case ScalarOp::Lt:
        p = P::FCMP_OLT;
        break;
      case ScalarOp::Le:
        p = P::FCMP_OLE;
        break;
      case ScalarOp::Gt:
        p = P::FCMP_OGT;
        break;
      case ScalarOp::Ge:
        p = P::FCMP_OGE;
        break;
      case ScalarOp::Eq:
        p = P::FCMP_OEQ;
        break;
      default:
        p = P::FCMP_UNE;
        break;
    }
    return b.CreateFCmp(p, x, y);
  }
  const bool u = dt == DType::Bool;  // false < true
  switch (op) {
    case ScalarOp::Lt:
      p = u ? P::ICMP_ULT : P::ICMP_SLT;
      break;
    case ScalarOp::Le:
      p = u ? P::ICMP_ULE : P::ICMP_SLE;
      break;
    case ScalarOp::Gt:
      p = u ? P::ICMP_UGT : P::ICMP_SGT;
      break;
    case ScalarOp::Ge:
      p = u ? P::ICMP_UGE : P::ICMP_SGE;
      break;
    case ScalarOp::Eq:
      p = P::ICMP_EQ;
      break;
    default:
      p = P::ICMP_NE;
      break;
  }
  return b.CreateICmp(p, x, y);
}

Value* emit_unary(llvm::IRBuilderBase& b, ScalarOp op, DType dt, Value* x, Precision precision,
                  MathCallHook math) {
  const bool fl = is_float(dt);
  const bool bl = dt == DType::Bool;
  switch (op) {
    case ScalarOp::Neg:
      if (bl) return x;
      return fl ? b.CreateFNeg(x) : b.CreateNeg(x);
    case ScalarOp::Abs:
      if (bl) return x;
      if (fl) return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
      return b.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, b.getFalse());
    case ScalarOp::Sign:
      if (bl) return x;
      if (fl) {
        // +-0 and NaN map to themselves.
        return b.CreateSelect(
            b.CreateFCmpOGT(x, constant_like(x, 0)), constant_like(x, 1),
            b.CreateSelect(b.CreateFCmpOLT(x, constant_like(x, 0)), constant_like(x, -1), x));
      }
      return b.CreateSub(b.CreateZExt(b.CreateICmpSGT(x, constant_like(x, 0)), x->getType()),
                         b.CreateZExt(b.CreateICmpSLT(x, constant_like(x, 0)), x->getType()));
    case ScalarOp::Not:
      if (fl) bad_dtype(op, dt);
      return b.CreateNot(x);
    case ScalarOp::Floor:
    case ScalarOp::Ceil:
    case ScalarOp::Round:
      if (!fl) return x;
      return b.CreateUnaryIntrinsic(op == ScalarOp::Floor  ? llvm::Intrinsic::floor
                                    : op == ScalarOp::Ceil ? llvm::Intrinsic::ceil
                                                           : llvm::Intrinsic::round,
                                    x);
    case ScalarOp::Sqrt:
    case ScalarOp::Rsqrt: {
      if (!fl) bad_dtype(op, dt);
      Value* s = b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x);
      return op == ScalarOp::Sqrt ? s : b.CreateFDiv(constant_like(x, 1), s);
    }
    default:
      break;
  }
  // The others (cbrt, exp, ..., erfc) call the math library.
  if (!fl) bad_dtype(op, dt);
  Value* args[] = {x};
  return math(b, op, dt, std::span<Value* const>(args), precision);
}

Value* emit_binary(llvm::IRBuilderBase& b, ScalarOp op, DType dt, Value* x, Value* y,
                   Precision precision, MathCallHook math) {
  const bool fl = is_float(dt);
  const bool bl = dt == DType::Bool;
  if (scalar_op_is_comparison(op)) return emit_compare(b, op, dt, x, y);
  switch (op) {
    case ScalarOp::Add:
      return fl ? b.CreateFAdd(x, y) : bl ? b.CreateOr(x, y) : b.CreateAdd(x, y);
    case ScalarOp::Sub:
      return fl ? b.CreateFSub(x, y) : bl ? b.CreateXor(x, y) : b.CreateSub(x, y);
    case ScalarOp::Mul:
      return fl ? b.CreateFMul(x, y) : bl ? b.CreateAnd(x, y) : b.CreateMul(x, y);
    case ScalarOp::Div:
      if (bl) bad_dtype(op, dt);
      return fl ? b.CreateFDiv(x, y) : emit_int_div(b, x, y);
    case ScalarOp::Rem:
      if (bl) bad_dtype(op, dt);
      return fl ? b.CreateFRem(x, y) : emit_int_rem(b, x, y);
    case ScalarOp::Min:
      if (bl) return b.CreateAnd(x, y);
      return b.CreateBinaryIntrinsic(fl ? llvm::Intrinsic::minimum : llvm::Intrinsic::smin, x, y);
    case ScalarOp::Max:
      if (bl) return b.CreateOr(x, y);
      return b.CreateBinaryIntrinsic(fl ? llvm::Intrinsic::maximum : llvm::Intrinsic::smax, x, y);
    case ScalarOp::And:
    case ScalarOp::Or:
    case ScalarOp::Xor:
      if (fl) bad_dtype(op, dt);
      return op == ScalarOp::And  ? b.CreateAnd(x, y)
             : op == ScalarOp::Or ? b.CreateOr(x, y)
                                  : b.CreateXor(x, y);
    case ScalarOp::Pow:
      if (bl) bad_dtype(op, dt);
      if (!fl) return emit_int_pow(b, x, y);
      break;
    case ScalarOp::Atan2:
      if (!fl) bad_dtype(op, dt);
      break;
    default:
      LANES_FAIL("codegen: unhandled binary scalar op " + std::string(scalar_op_name(op)));
  }
  Value* args[] = {x, y};
  return math(b, op, dt, std::span<Value* const>(args), precision);
}

}  // namespace

Value* emit_convert(llvm::IRBuilderBase& b, Value* v, DType from, DType to) {
  if (from == to) return v;
  llvm::Type* vt = v->getType();
  int width = 1;
  if (auto* fv = llvm::dyn_cast<llvm::FixedVectorType>(vt))
    width = static_cast<int>(fv->getNumElements());
  llvm::Type* t = register_type(b.getContext(), to, width);
  if (to == DType::Bool) {
    // Nonzero (and NaN) is true.
    return is_float(from) ? b.CreateFCmpUNE(v, constant_like(v, 0))
                          : b.CreateICmpNE(v, constant_like(v, 0));
  }
  if (from == DType::Bool) return is_float(to) ? b.CreateUIToFP(v, t) : b.CreateZExt(v, t);
  if (is_int(from) && is_int(to)) return b.CreateSExtOrTrunc(v, t);
  if (is_int(from)) return b.CreateSIToFP(v, t);
  if (is_int(to)) return b.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {t, vt}, {v});
  return from == DType::F32 ? b.CreateFPExt(v, t) : b.CreateFPTrunc(v, t);
}

Value* emit_scalar_op(llvm::IRBuilderBase& b, ScalarOp op, DType out, std::span<Value* const> args,
                      std::span<const DType> arg_dtypes, Precision precision, MathCallHook math) {
  const int arity = scalar_op_arity(op);
  if (math == nullptr) LANES_FAIL("codegen: emit_scalar_op without a MathCallHook");
  if (op == ScalarOp::None || static_cast<int>(args.size()) != arity ||
      arg_dtypes.size() != args.size()) {
    LANES_FAIL("codegen: scalar op " + std::string(scalar_op_name(op)) + " with " +
               std::to_string(args.size()) + " operands");
  }
  if (op == ScalarOp::Convert) return emit_convert(b, args[0], arg_dtypes[0], out);
  if (op == ScalarOp::Select) return b.CreateSelect(args[0], args[1], args[2]);
  if (arity == 1) return emit_unary(b, op, arg_dtypes[0], args[0], precision, math);
  return emit_binary(b, op, arg_dtypes[0], args[0], args[1], precision, math);
}

}  // namespace lanes::internal::llvmgen
