// The process-wide LLJIT and the compile path: emit kernels into one module, verify,
// optimize (new PassManager, O2; or less, per JitOptions::opt_level), hand it to ORC
// under its own ResourceTracker, and look up the kernels. Every llvm::Error, every error
// diagnostic and LLVM fatal errors become lanes::CompileError here; nothing on a
// user-reachable path aborts.
#include "codegen/cpu/cpu_jit.h"

#include <lanes/error.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "codegen/compile_monitor.h"
#include "codegen/cpu/inner_vectorization.h"
#include "codegen/cpu/kernel_codegen.h"
#include "codegen/cpu/scalar_codegen.h"
#include "codegen/llvm/fatal_error.h"
#include "codegen/llvm/optimize.h"
#include "runtime/cancel.h"
#include "runtime/check.h"
#include "runtime/runtime_symbols.h"

namespace lanes::internal::cpu {

namespace {

std::string to_message(llvm::Error err) { return llvm::toString(std::move(err)); }

// ORC reports materialization failures (e.g. unresolved symbols) to the session's error
// reporter rather than in the lookup's error; materialization runs on the looking-up
// thread, so a thread-local collects them for the CompileError message.
thread_local std::string t_session_errors;

// Collects error diagnostics of one LLVMContext (the default handler would exit(1)).
struct Diagnostics {
  std::mutex mu;
  std::string errors;
  static void handle(const llvm::DiagnosticInfo* info, void* self) {
    if (info->getSeverity() != llvm::DS_Error) return;
    auto* d = static_cast<Diagnostics*>(self);
    std::string msg;
    llvm::raw_string_ostream os(msg);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info->print(printer);
    std::lock_guard lock(d->mu);
    d->errors += os.str() + "\n";
  }
};

// The module flag that carries JitOptions::opt_level from compile_kernels to the
// object compiler (a module without it gets the default level).
constexpr const char* kOptLevelFlag = "lanes.opt_level";

llvm::CodeGenOptLevel codegen_level(int opt_level) {
  switch (opt_level) {
    case 0:
      return llvm::CodeGenOptLevel::None;  // fast instruction selection, fast regalloc
    case 1:
      return llvm::CodeGenOptLevel::Less;
    default:
      return llvm::CodeGenOptLevel::Default;
  }
}

// The JIT's IR-to-object compiler. LLJIT's default compiles every module with one
// TargetMachine, whose CodeGenOptLevel is fixed at creation; this one holds a
// TargetMachine per level and picks by the module's kOptLevelFlag, so that one
// process-wide JIT serves both fast-compiling and fully optimised modules. Like the
// default, it is not thread-safe: materialization holds Jit::materialize_mu.
class LeveledCompiler : public llvm::orc::IRCompileLayer::IRCompiler {
 public:
  static llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> create(
      llvm::orc::JITTargetMachineBuilder jtmb) {
    std::unique_ptr<llvm::TargetMachine> tms[3];
    for (int level = 0; level < 3; ++level) {
      jtmb.setCodeGenOptLevel(codegen_level(level));
      auto tm = jtmb.createTargetMachine();
      if (!tm) return tm.takeError();
      tms[level] = std::move(*tm);
    }
    return std::unique_ptr<IRCompiler>(new LeveledCompiler(std::move(tms)));
  }

  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module& m) override {
    int level = 2;
    if (auto* flag =
            llvm::mdconst::extract_or_null<llvm::ConstantInt>(m.getModuleFlag(kOptLevelFlag))) {
      level = static_cast<int>(std::clamp<std::int64_t>(flag->getSExtValue(), 0, 2));
    }
    return llvm::orc::SimpleCompiler(*tms_[level])(m);
  }

 private:
  explicit LeveledCompiler(std::unique_ptr<llvm::TargetMachine> tms[3])
      : IRCompiler(llvm::orc::irManglingOptionsFromTargetOptions(tms[2]->Options)) {
    for (int i = 0; i < 3; ++i) tms_[i] = std::move(tms[i]);
  }
  std::unique_ptr<llvm::TargetMachine> tms_[3];
};

llvm::OptimizationLevel ir_level(int opt_level) {
  switch (opt_level) {
    case 0:
      return llvm::OptimizationLevel::O0;
    case 1:
      return llvm::OptimizationLevel::O1;
    default:
      return llvm::OptimizationLevel::O2;
  }
}

class Jit {
 public:
  static Jit& get() {
    // Never destroyed (as the engine context): a jitted Fn held in a static of the host
    // application is destroyed at exit, after a function-local static Jit would be, and
    // its module's tracker->remove() then ran on a destroyed ExecutionSession (a hang at
    // exit: a static map of Fns in jit_reduce_vector_test). A throwing constructor leaves
    // it unset: the next call retries.
    static Jit* const jit = new Jit;
    return *jit;
  }

  llvm::orc::LLJIT& lljit() { return *lljit_; }
  const llvm::DataLayout& data_layout() const { return lljit_->getDataLayout(); }
  const llvm::Triple& triple() const { return lljit_->getTargetTriple(); }

  // The TargetMachine is not thread-safe: optimization and asm printing hold mu.
  std::mutex mu;
  llvm::TargetMachine& tm() { return *tm_; }

  // The JIT's compiler (LeveledCompiler) shares its TargetMachines, and materialization runs on the
  // looking-up thread: lookups that may compile hold this, or concurrent first calls of
  // different functions corrupt each other's objects (found by concurrency_test: wrong
  // results and "symbol extends past the end of its containing block"). ORC's concurrent
  // compiler would avoid the lock but reports materialization errors off this thread.
  std::mutex materialize_mu;

  std::atomic<std::uint64_t> next_module{0};
  std::atomic<int> injected_failures{0};  // fail_next_compiles_for_test
  std::atomic<std::size_t> live_modules{0};
  std::atomic<std::uint64_t> removed_modules{0};

 private:
  Jit() {
    static std::once_flag once;
    std::call_once(once, [] {
      llvmgen::install_fatal_error_handler();
      llvm::InitializeNativeTarget();
      llvm::InitializeNativeTargetAsmPrinter();
      llvm::InitializeNativeTargetAsmParser();
    });
    // detectHost (not the triple alone) so that vector arguments get AVX registers.
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb)
      throw CompileError("cpu backend: cannot detect the host: " + to_message(jtmb.takeError()));
    jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
    auto tm = jtmb->createTargetMachine();
    if (!tm) throw CompileError("cpu backend: no target machine: " + to_message(tm.takeError()));
    tm_ = std::move(*tm);
    auto jit = llvm::orc::LLJITBuilder()
                   .setJITTargetMachineBuilder(std::move(*jtmb))
                   .setCompileFunctionCreator(&LeveledCompiler::create)
                   .create();
    if (!jit)
      throw CompileError("cpu backend: cannot create the JIT: " + to_message(jit.takeError()));
    lljit_ = std::move(*jit);
    // liblanes' own functions (not exported) are defined at their addresses; SLEEF, libmvec
    // and libm are resolved from the process (liblanes links libsleef and libmvec).
    llvm::orc::SymbolMap runtime;
    for (const RuntimeSymbol& s : jit_runtime_symbols()) {
      runtime[lljit_->mangleAndIntern(s.name)] = {llvm::orc::ExecutorAddr::fromPtr(s.address),
                                                  llvm::JITSymbolFlags::Exported};
    }
    if (llvm::Error err = lljit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(runtime))) {
      throw CompileError("cpu backend: runtime symbols: " + to_message(std::move(err)));
    }
    auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        lljit_->getDataLayout().getGlobalPrefix());
    if (!gen) throw CompileError("cpu backend: process symbols: " + to_message(gen.takeError()));
    lljit_->getMainJITDylib().addGenerator(std::move(*gen));
    lljit_->getExecutionSession().setErrorReporter(
        [](llvm::Error err) { t_session_errors += to_message(std::move(err)) + "; "; });
  }

  std::unique_ptr<llvm::TargetMachine> tm_;
  std::unique_ptr<llvm::orc::LLJIT> lljit_;
};

std::string print_module(const llvm::Module& m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return os.str();
}

}  // namespace

struct CompiledModule::Impl {
  llvm::orc::ResourceTrackerSP tracker;
  std::shared_ptr<Diagnostics> diagnostics;

  ~Impl() {
    if (!tracker) return;
    // Frees the machine code; a failure here cannot be reported from a destructor.
    if (llvm::Error err = tracker->remove()) llvm::consumeError(std::move(err));
    Jit& jit = Jit::get();
    jit.live_modules.fetch_sub(1);
    // Every module interns unique kernel names; ORC keeps dead pool entries until asked,
    // which the load test measured as ~80 bytes of RSS growth per jitted function.
    if (jit.removed_modules.fetch_add(1) % 128 == 127) {
      jit.lljit().getExecutionSession().getSymbolStringPool()->clearDeadEntries();
    }
  }
};

CompiledModule::~CompiledModule() = default;

const HostIsa& host_isa() {
  static const HostIsa isa = [] {
    HostIsa h;
    auto f = llvm::sys::getHostCPUFeatures();
    auto has = [&](const char* name) {
      auto it = f.find(name);
      return it != f.end() && it->second;
    };
    h.avx = has("avx");
    h.avx2_fma = has("avx2") && has("fma");
    h.avx512f = has("avx512f");
    return h;
  }();
  return isa;
}

namespace {
void widest_in(const loop::Block& block, std::size_t* widest) {
  for (DType t : block.param_dtypes) *widest = std::max(*widest, dtype_size(t));
  for (const loop::Op& op : block.ops) {
    *widest = std::max(*widest, dtype_size(op.dtype));
    for (const loop::Block& b : op.blocks) widest_in(b, widest);
  }
}
// Whether the block runs counted loops, whether it runs data-dependent (While) loops and
// how many ops their blocks hold, and whether it calls vector math.
struct BodyTraits {
  bool loops = false;
  bool whiles = false;
  int while_ops = 0;
  bool math = false;
};
void body_traits(const loop::Block& block, bool in_while, BodyTraits* t) {
  for (const loop::Op& op : block.ops) {
    if (in_while) ++t->while_ops;
    if (op.kind == loop::OpKind::Loop) t->loops = true;
    if (op.kind == loop::OpKind::While) t->whiles = true;
    if (op.kind == loop::OpKind::Scalar && calls_math_library(op.sop)) t->math = true;
    for (const loop::Block& b : op.blocks) {
      body_traits(b, in_while || op.kind == loop::OpKind::While, t);
    }
  }
}

// How deeply the kernel's Loops and Whiles nest (0: none), by an explicit walk.
int loop_nest_depth(const loop::Block& body) {
  int deepest = 0;
  std::vector<std::pair<const loop::Block*, int>> work{{&body, 0}};
  while (!work.empty()) {
    const auto [block, depth] = work.back();
    work.pop_back();
    deepest = std::max(deepest, depth);
    for (const loop::Op& op : block->ops) {
      const bool loop = op.kind == loop::OpKind::Loop || op.kind == loop::OpKind::While;
      for (const loop::Block& b : op.blocks) work.emplace_back(&b, depth + (loop ? 1 : 0));
    }
  }
  return deepest;
}

// LLVM's loop passes take time superlinear in the depth of a loop nest (LICM hoists an
// invariant one level per loop, and each loop's pass walks the loops inside it):
// jit(vmap) of while_loops nested 400 deep spent 5.2 s in the optimizer, now 0.03 s, and
// 800 deep 35 s in all, now 3.1 s (lanes-bench-nested-cf, docs/benchmarks.md). A kernel nested deeper than this is compiled as at opt_level 0
// (optnone: no IR passes, fast instruction selection); no program we know of nests that
// deep except generated or adversarial ones.
constexpr int kMaxOptimizedLoopDepth = 16;

// A While whose blocks hold at most this many ops is bound by the latency of its carry
// chain (Newton's step: a division, an add and a multiply per iteration, each waiting
// for the last); a longer body has independent work of its own, and four times its live
// values would spill.
constexpr int kShortWhileOps = 32;
}  // namespace

// The host's register width; but a kernel whose points run counted loops of cheap
// arithmetic (no vector math) is bound by the latency of its loop carries, so it takes
// four registers' worth of lanes per step (at most 16, dividing the vector-axis extent):
// four independent accumulator chains, as in the partials kernel of a full reduction
// (engine/lower/split_reduction.h; measured 1.6x faster than one register for
// sum(x * x), while vector math is slower at 16 lanes than at 4).
//
// A short While of cheap arithmetic is latency-bound the same way: the masked loop runs
// the four registers' chains side by side until every lane of the step is done (the cap
// of 16, which keeps reduction partials dividing kSplitLanes, does not apply to it), and
// the points left over run one register at a time (kernel_tail_width).
// Newton's sqrt at 10^6 points on AVX-512 (Zen 4): 4.4 ms at 8 lanes, 4.1 ms at 16,
// 3.3 ms at 32, as fast as a hand-written AVX-512 loop of four chains, which the
// divider's throughput bounds (bench/comparison_bench.cpp's hand SIMD column). The same
// kernel compiled for AVX2 (llc -mcpu=znver3, 16 ymm registers, a few spills) and run on
// that machine: 4 lanes 26 ms, 16 lanes 14 ms (loaded machine; the ratio is the point).
int kernel_width(const loop::Kernel& kernel, const JitOptions& options) {
  if (options.vector_width > 0) return options.vector_width;
  std::size_t widest = 4;
  widest_in(kernel.body, &widest);
  const int w = static_cast<int>(static_cast<std::size_t>(host_isa().vector_bytes()) / widest);
  BodyTraits t;
  body_traits(kernel.body, false, &t);
  const int rank = static_cast<int>(kernel.extents.size());
  const int va = kernel.vector_axis < 0 ? rank - 1 : kernel.vector_axis;
  const std::int64_t extent = kernel.extents.at(static_cast<std::size_t>(va));
  if (t.math) return w;
  if (t.whiles && t.while_ops <= kShortWhileOps && extent >= 4 * w) return 4 * w;
  const int wide = std::min(4 * w, 16);
  if (t.loops && wide > w && extent % wide == 0) return wide;
  return w;
}

int kernel_tail_width(const loop::Kernel& kernel, const JitOptions& options, int width) {
  if (options.vector_width > 0) return 0;
  std::size_t widest = 4;
  widest_in(kernel.body, &widest);
  const int w = static_cast<int>(static_cast<std::size_t>(host_isa().vector_bytes()) / widest);
  const int rank = static_cast<int>(kernel.extents.size());
  const int va = kernel.vector_axis < 0 ? rank - 1 : kernel.vector_axis;
  const std::int64_t extent = kernel.extents.at(static_cast<std::size_t>(va));
  return w < width && extent % width != 0 ? w : 0;
}

namespace {

// Adds a verified module to the JIT under a fresh tracker and looks up `symbols`.
std::shared_ptr<CompiledModule> add_and_lookup(std::unique_ptr<llvm::LLVMContext> ctx,
                                               std::unique_ptr<llvm::Module> mod,
                                               std::shared_ptr<Diagnostics> diag,
                                               const std::vector<std::string>& symbols,
                                               std::vector<void*>* addresses) {
  Jit& jit = Jit::get();
  auto out = std::make_shared<CompiledModule>();
  out->impl = std::make_unique<CompiledModule::Impl>();
  out->impl->diagnostics = diag;
  llvm::orc::ResourceTrackerSP rt = jit.lljit().getMainJITDylib().createResourceTracker();
  if (llvm::Error err = jit.lljit().addIRModule(
          rt, llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx)))) {
    if (llvm::Error e2 = rt->remove()) llvm::consumeError(std::move(e2));
    throw CompileError("cpu backend: JIT rejected the module: " + to_message(std::move(err)));
  }
  out->impl->tracker = rt;
  jit.live_modules.fetch_add(1);
  // From here `out` owns the tracker: an exception frees the code.
  t_session_errors.clear();
  std::unique_lock materialize(jit.materialize_mu);
  for (const std::string& s : symbols) {
    auto addr = jit.lljit().lookup(s);
    if (!addr) {
      std::string msg = to_message(addr.takeError());
      if (!t_session_errors.empty()) msg = t_session_errors + msg;
      t_session_errors.clear();
      throw CompileError("cpu backend: JIT compilation failed: " + msg);
    }
    addresses->push_back(addr->toPtr<void*>());
  }
  materialize.unlock();
  std::lock_guard lock(diag->mu);
  if (!diag->errors.empty()) throw CompileError("cpu backend: LLVM reported: " + diag->errors);
  return out;
}

// Whether every buffer `kernel` stores to is a fresh allocation of the executable
// (Output/Temp, not replaced by a host step's result, which may share an input's
// storage), so no stored buffer overlaps another buffer the kernel uses.
bool stores_to_fresh_buffers(const loop::Kernel& kernel, const loop::Program& program) {
  for (const loop::Store& s : kernel.stores) {
    const loop::Buffer& b = program.buffers.at(static_cast<std::size_t>(s.buffer));
    if (b.kind != loop::BufferKind::Output && b.kind != loop::BufferKind::Temp) return false;
    for (const loop::Step& step : program.steps) {
      const auto* host = std::get_if<loop::HostStep>(&step);
      if (host == nullptr) continue;
      for (int o : host->outputs) {
        if (o == s.buffer) return false;
      }
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<CompiledModule> compile_kernels(const loop::Program& program,
                                                const JitOptions& options,
                                                CompileMonitor* monitor) {
  Jit& jit = Jit::get();
  if (jit.injected_failures.load() > 0 && jit.injected_failures.fetch_sub(1) > 0) {
    llvm::report_fatal_error("lanes: injected compile failure for a test");
  }
  auto diag = std::make_shared<Diagnostics>();
  auto ctx = std::make_unique<llvm::LLVMContext>();
  ctx->setDiagnosticHandlerCallBack(&Diagnostics::handle, diag.get());
  auto mod = std::make_unique<llvm::Module>("lanes", *ctx);
  mod->setDataLayout(jit.data_layout());
  mod->setTargetTriple(jit.triple().str());
  mod->addModuleFlag(llvm::Module::Warning, kOptLevelFlag, options.opt_level);
  const std::uint64_t module_id = jit.next_module.fetch_add(1);
  std::vector<std::string> symbols;
  std::vector<int> widths;
  if (monitor) {
    const auto kernels = std::count_if(program.steps.begin(), program.steps.end(), [](auto& s) {
      return std::holds_alternative<loop::Kernel>(s);
    });
    monitor->phase("codegen", static_cast<std::size_t>(kernels), "kernels");
  }
  for (const loop::Step& step : program.steps) {
    const auto* k = std::get_if<loop::Kernel>(&step);
    if (k == nullptr) continue;
    throw_if_cancelled();
    if (monitor) monitor->advance(symbols.size());
    std::string name =
        "lanes_m" + std::to_string(module_id) + "_k" + std::to_string(symbols.size());
    // A forced vector width (tests, the fuzzers) keeps the vector axis.
    const bool inner = options.vector_width <= 0 && vectorize_inner_reductions(*k);
    int w = inner ? 1 : kernel_width(*k, options);
    llvm::Function* fn = emit_kernel(*mod, *k, program.buffers, w, options.precision, name,
                                     stores_to_fresh_buffers(*k, program),
                                     inner ? 0 : kernel_tail_width(*k, options, w), inner);
    if (options.opt_level > 0 && loop_nest_depth(k->body) > kMaxOptimizedLoopDepth) {
      fn->addFnAttr(llvm::Attribute::NoInline);  // optnone requires it
      fn->addFnAttr(llvm::Attribute::OptimizeNone);
    }
    symbols.push_back(name);
    widths.push_back(w);
  }
  std::string broken;
  llvm::raw_string_ostream vos(broken);
  if (llvm::verifyModule(*mod, &vos))
    LANES_FAIL("cpu backend: emitted invalid LLVM IR: " + vos.str());
  throw_if_cancelled();  // LLVM's optimizer and code generation run to the end
  std::string ir;
  if (monitor) monitor->phase("llvm_optimize", 1, "modules");
  {
    std::lock_guard lock(jit.mu);
    optimize_module(*mod, jit.tm(), ir_level(options.opt_level));
  }
  ir = print_module(*mod);
  if (monitor) monitor->phase("machine_code", 1, "modules");
  std::vector<void*> addresses;
  auto out = add_and_lookup(std::move(ctx), std::move(mod), diag, symbols, &addresses);
  if (monitor) monitor->advance(1);
  for (void* a : addresses) out->kernels.push_back(reinterpret_cast<KernelFn>(a));
  out->widths = std::move(widths);
  out->symbols = std::move(symbols);
  out->llvm_ir = std::move(ir);
  return out;
}

namespace {
std::atomic<bool> g_cancel_checks{true};
}  // namespace
void set_cancel_checks_for_bench(bool on) { g_cancel_checks.store(on); }
bool cancel_checks_for_bench() { return g_cancel_checks.load(); }

std::string CompiledModule::assembly() const {
  Jit& jit = Jit::get();
  llvm::LLVMContext ctx;
  Diagnostics diag;
  ctx.setDiagnosticHandlerCallBack(&Diagnostics::handle, &diag);
  llvm::SMDiagnostic parse_error;
  std::unique_ptr<llvm::Module> m =
      llvm::parseIR(llvm::MemoryBufferRef(llvm_ir, "lanes"), parse_error, ctx);
  if (!m)
    throw CompileError("cpu backend: cannot reparse the module: " + parse_error.getMessage().str());
  llvm::SmallString<4096> text;
  llvm::raw_svector_ostream os(text);
  {
    std::lock_guard lock(jit.mu);
    llvm::legacy::PassManager pm;
    if (jit.tm().addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile)) {
      throw CompileError("cpu backend: the target cannot print assembly");
    }
    pm.run(*m);
  }
  return std::string(text.str());
}

std::shared_ptr<CompiledModule> compile_ir_text(const std::string& ir, const std::string& symbol,
                                                void** address) {
  Jit& jit = Jit::get();
  auto diag = std::make_shared<Diagnostics>();
  auto ctx = std::make_unique<llvm::LLVMContext>();
  ctx->setDiagnosticHandlerCallBack(&Diagnostics::handle, diag.get());
  llvm::SMDiagnostic parse_error;
  std::unique_ptr<llvm::Module> m =
      llvm::parseIR(llvm::MemoryBufferRef(ir, "test"), parse_error, *ctx);
  if (!m) throw CompileError("cpu backend: invalid LLVM IR: " + parse_error.getMessage().str());
  m->setDataLayout(jit.data_layout());
  m->setTargetTriple(jit.triple().str());
  std::vector<void*> addresses;
  auto out = add_and_lookup(std::move(ctx), std::move(m), diag, {symbol}, &addresses);
  *address = addresses[0];
  out->symbols = {symbol};
  return out;
}

std::size_t live_module_count() { return Jit::get().live_modules.load(); }

bool jit_can_resolve(const std::string& symbol) {
  Jit& jit = Jit::get();
  std::lock_guard lock(jit.materialize_mu);
  auto addr = jit.lljit().lookup(symbol);
  if (!addr) {
    llvm::consumeError(addr.takeError());
    return false;
  }
  return true;
}

void trigger_llvm_fatal_error_for_test() {
  Jit::get();  // installs the handler
  llvm::report_fatal_error("lanes: deliberate fatal error for a test");
}

void fail_next_compiles_for_test(int n) { Jit::get().injected_failures.store(n); }

}  // namespace lanes::internal::cpu
