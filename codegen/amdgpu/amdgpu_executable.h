// A loop-IR Program compiled for a HIP device: its kernels in one code object, launched
// in step order on one stream; host steps run on the host between them (their operands
// copied back and their results copied up).
#pragma once

#include <memory>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/backend.h"

namespace lanes::internal::hip {
class DeviceBuffer;
}

namespace lanes::internal::amdgpu {

using DeviceBufferRef = std::shared_ptr<const hip::DeviceBuffer>;

class HipExecutable : public Executable {
 public:
  // Host arrays in and out: inputs are copied up, outputs copied back.
  std::vector<Array> run(std::span<const Array> inputs) const override = 0;
  // Device-resident: the inputs are device buffers of this executable's device (used in
  // place, never written), the outputs stay on the device. An output that is an input
  // passed through shares the input's buffer. ArgumentError for a buffer of another
  // device or of the wrong size.
  virtual std::vector<DeviceBufferRef> run_resident(
      std::span<const DeviceBufferRef> inputs) const = 0;
  virtual int device() const = 0;
};

// Compiles `program` for the architecture of HIP device `device` (or `arch` when not
// empty) and loads it there. RuntimeError when HIP or the device is unavailable.
std::shared_ptr<HipExecutable> compile_hip_executable(loop::Program program, int device,
                                                      const JitOptions& options,
                                                      const std::string& arch = "");

}  // namespace lanes::internal::amdgpu
