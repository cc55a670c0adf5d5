// EngineContext (see engine_context.h): made once, leaked on purpose.
#include "engine/engine_context.h"

#include "engine/compile_cache.h"
#include "engine/hip_compile.h"
#include "engine/replica_program.h"

namespace lanes::internal {

EngineContext::EngineContext()
    : compile_cache_(std::make_unique<CompileCache>()),
      hip_cache_(std::make_unique<HipCompileCache>()),
      replica_programs_(std::make_unique<ReplicaProgramCache>()) {}

EngineContext::~EngineContext() = default;

EngineContext& EngineContext::get() {
  // Never destroyed (see engine_context.h). Making it reads no settings and cannot fail
  // but for memory: the caches read theirs at first use.
  static EngineContext* const context = new EngineContext;
  return *context;
}

}  // namespace lanes::internal
