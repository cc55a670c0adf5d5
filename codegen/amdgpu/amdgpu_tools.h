// Running the external LLVM tools of the AMDGPU backend (ld.lld, llvm-objdump) on
// temporary files, with errors as CompileError.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lanes::internal::amdgpu {

// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void write(std::span<const std::uint8_t> bytes) const;
  std::vector<std::uint8_t> read() const;

 private:
  std::string path_;
};

// Runs `tool` with `args` (not including argv[0]); returns its stdout. CompileError,
// with the tool's stderr, if it cannot run or exits nonzero. `what` names the step.
std::string run_tool(const std::string& what, const std::string& tool,
                     const std::vector<std::string>& args);

// Whether code objects are linked by lld's library in this process (built with it, not
// disabled by LANES_AMDGPU_LINKER=exec); otherwise the ld.lld executable runs.
bool lld_in_process();

// `ld.lld -shared -o output object`, in process or by the executable. CompileError on
// failure, with lld's messages.
void link_code_object(const std::string& object, const std::string& output);

}  // namespace lanes::internal::amdgpu
