// The HIP runtime (ROCm's libamdhip64), loaded with dlopen on first use: Lanes has no
// link-time dependency on ROCm, builds and runs where it is absent, and reports HIP
// devices only where the library loads and finds some. No HIP type appears here.
//
//   if (lanes::internal::hip::hip_available()) {
//     hip::DeviceBuffer buf(0, bytes);
//     buf.copy_from_host(host_ptr, bytes);
//     hip::Module mod(0, code_object_bytes);
//     hip::Stream stream(0);
//     void* args[] = {&buf.ptr()};
//     hip::launch(mod.function("kernel"), {blocks, 1, 1}, {256, 1, 1}, args, stream);
//     stream.synchronize();
//   }
//
// The library is libamdhip64 from the loader's path, or the file that the environment
// variable LANES_HIP_LIBRARY names (read at the first use of HIP): the tests point it at a
// fake runtime (tests/amdgpu_fake/) that keeps "device" memory on the host and fails
// every kernel launch. A LANES_HIP_LIBRARY that does not load, or lacks HIP's functions,
// makes every function below throw ArgumentError naming the variable (it is the user's
// error, not an absent HIP).
//
// Every failing HIP call throws lanes::RuntimeError naming the call and the HIP error
// (hipGetErrorName), e.g. "hipMalloc: hipErrorOutOfMemory (2)".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace lanes::internal::hip {

// Whether libamdhip64 loaded and reports at least one device.
bool hip_available();
// Devices the runtime reports; 0 when the library is absent or has no device.
int device_count();
// Why HIP is not available (library not found, no device, ...); empty when it is.
std::string unavailable_reason();

struct DeviceProperties {
  std::string name;              // e.g. "AMD Instinct MI210"
  std::string arch;              // e.g. "gfx90a" (feature suffixes such as ":xnack-" removed)
  std::size_t total_memory = 0;  // bytes
  int compute_units = 0;
};
DeviceProperties device_properties(int device);

// A stream of `device`: kernel launches and copies on it run in order.
class Stream {
 public:
  explicit Stream(int device);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  void synchronize();
  void* handle() const { return stream_; }
  int device() const { return device_; }

 private:
  int device_;
  void* stream_ = nullptr;
};

// Device memory of `bytes` bytes on `device` (freed on destruction).
class DeviceBuffer {
 public:
  DeviceBuffer(int device, std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* const& ptr() const { return ptr_; }  // by reference: kernel arguments point at it
  std::size_t bytes() const { return bytes_; }
  int device() const { return device_; }
  // Synchronous copies of min(bytes, this->bytes()) bytes.
  void copy_from_host(const void* host, std::size_t bytes);
  void copy_to_host(void* host, std::size_t bytes) const;

 private:
  int device_;
  void* ptr_ = nullptr;
  std::size_t bytes_;
};

// A code object loaded on `device` (hipModuleLoadData), unloaded on destruction.
class Module {
 public:
  Module(int device, std::span<const std::uint8_t> code_object);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  // The kernel `name` (hipModuleGetFunction); RuntimeError if absent.
  void* function(const std::string& name) const;

 private:
  int device_;
  void* module_ = nullptr;
};

// hipModuleLaunchKernel: `args[i]` points at the i-th kernel argument.
void launch(void* function, std::array<unsigned, 3> grid, std::array<unsigned, 3> block,
            void** args, Stream& stream, unsigned shared_bytes = 0);

}  // namespace lanes::internal::hip
