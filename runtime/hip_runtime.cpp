// libamdhip64 through dlopen: the entry points Lanes uses, resolved once. HIP's types
// are not needed beyond plain ints and opaque pointers, except hipDeviceProp_t, whose
// layout comes from HIP's header where it is installed (else only the device name is
// known, and the architecture must be given by the user).
#include "runtime/hip_runtime.h"

#include <dlfcn.h>
#include <lanes/error.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#if defined(LANES_HAVE_HIP_HEADERS)
#ifndef __HIP_PLATFORM_AMD__
#define __HIP_PLATFORM_AMD__
#endif
#include <hip/hip_runtime_api.h>
#endif

#include "runtime/env.h"

namespace lanes::internal::hip {

namespace {

using Err = int;  // hipError_t: hipSuccess = 0
constexpr int kMemcpyHostToDevice = 1;
constexpr int kMemcpyDeviceToHost = 2;

struct Api {
  void* lib = nullptr;
  std::string error;  // why it is unavailable
  int count = 0;

  const char* (*GetErrorName)(Err) = nullptr;
  Err (*GetDeviceCount)(int*) = nullptr;
  Err (*SetDevice)(int) = nullptr;
  Err (*DeviceGetName)(char*, int, int) = nullptr;
  Err (*GetDeviceProperties)(void*, int) = nullptr;
  Err (*Malloc)(void**, std::size_t) = nullptr;
  Err (*Free)(void*) = nullptr;
  Err (*Memcpy)(void*, const void*, std::size_t, int) = nullptr;
  Err (*StreamCreate)(void**) = nullptr;
  Err (*StreamDestroy)(void*) = nullptr;
  Err (*StreamSynchronize)(void*) = nullptr;
  Err (*ModuleLoadData)(void**, const void*) = nullptr;
  Err (*ModuleUnload)(void*) = nullptr;
  Err (*ModuleGetFunction)(void**, void*, const char*) = nullptr;
  Err (*ModuleLaunchKernel)(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                            unsigned, void*, void**, void**) = nullptr;

  template <class F>
  bool resolve(F& f, const char* name) {
    f = reinterpret_cast<F>(dlsym(lib, name));
    if (f == nullptr) error = std::string("libamdhip64 lacks ") + name;
    return f != nullptr;
  }

  Api() {
    // LANES_HIP_LIBRARY names the library to load instead of libamdhip64 (the tests' fake
    // HIP runtime, tests/amdgpu_fake/, or a ROCm installed outside the loader's path). One
    // that does not load is the user's error, not "no HIP here": ArgumentError naming the
    // variable (the static Api is then not made, so every use of HIP throws it again).
    const std::optional<std::string> path = env_string("LANES_HIP_LIBRARY");
    if (path) {
      lib = dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) {
        const char* why = dlerror();
        throw_bad_env("LANES_HIP_LIBRARY", *path,
                      "does not load" + (why != nullptr ? std::string(": ") + why : std::string()));
      }
    }
    for (const char* name : {"libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"}) {
      if (lib != nullptr) break;
      lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    }
    if (lib == nullptr) {
      error = "the HIP runtime (libamdhip64) is not installed";
      return;
    }
    bool ok =
        resolve(GetErrorName, "hipGetErrorName") && resolve(GetDeviceCount, "hipGetDeviceCount") &&
        resolve(SetDevice, "hipSetDevice") && resolve(DeviceGetName, "hipDeviceGetName") &&
        resolve(GetDeviceProperties, "hipGetDeviceProperties") && resolve(Malloc, "hipMalloc") &&
        resolve(Free, "hipFree") && resolve(Memcpy, "hipMemcpy") &&
        resolve(StreamCreate, "hipStreamCreate") && resolve(StreamDestroy, "hipStreamDestroy") &&
        resolve(StreamSynchronize, "hipStreamSynchronize") &&
        resolve(ModuleLoadData, "hipModuleLoadData") && resolve(ModuleUnload, "hipModuleUnload") &&
        resolve(ModuleGetFunction, "hipModuleGetFunction") &&
        resolve(ModuleLaunchKernel, "hipModuleLaunchKernel");
    if (!ok && path) {
      dlclose(lib);
      throw_bad_env("LANES_HIP_LIBRARY", *path, "is not a HIP runtime (" + error + ")");
    }
    if (!ok) return;
    // Without a GPU this returns hipErrorNoDevice and count 0 (measured): not an error.
    int n = 0;
    Err e = GetDeviceCount(&n);
    count = e == 0 ? n : 0;
    if (count == 0) {
      error = std::string("no HIP device (hipGetDeviceCount: ") + GetErrorName(e) + ")";
    }
  }
};

Api& api() {
  static Api a;
  return a;
}

void check(Err e, const char* call) {
  if (e == 0) return;
  throw RuntimeError(std::string(call) + ": " + api().GetErrorName(e) + " (" + std::to_string(e) +
                     ")");
}

Api& ready(int device) {
  Api& a = api();
  if (a.count == 0) throw RuntimeError("HIP: " + a.error);
  if (device < 0 || device >= a.count) {
    throw ArgumentError("HIP: device " + std::to_string(device) + " does not exist (" +
                        std::to_string(a.count) + " device" + (a.count == 1 ? "" : "s") + ")");
  }
  check(a.SetDevice(device), "hipSetDevice");
  return a;
}

}  // namespace

bool hip_available() { return api().count > 0; }
int device_count() { return api().count; }
std::string unavailable_reason() { return api().count > 0 ? std::string() : api().error; }

DeviceProperties device_properties(int device) {
  Api& a = ready(device);
  DeviceProperties p;
  char name[256] = {};
  check(a.DeviceGetName(name, sizeof name - 1, device), "hipDeviceGetName");
  p.name = name;
#if defined(LANES_HAVE_HIP_HEADERS)
  // Slack after the struct: a newer runtime may write a larger one.
  std::vector<unsigned char> storage(sizeof(hipDeviceProp_t) + 4096);
  check(a.GetDeviceProperties(storage.data(), device), "hipGetDeviceProperties");
  const auto* props = reinterpret_cast<const hipDeviceProp_t*>(storage.data());
  p.arch = std::string(props->gcnArchName, strnlen(props->gcnArchName, sizeof props->gcnArchName));
  p.arch = p.arch.substr(0, p.arch.find(':'));  // gfx90a:sramecc+:xnack- -> gfx90a
  p.total_memory = props->totalGlobalMem;
  p.compute_units = props->multiProcessorCount;
#endif
  return p;
}

Stream::Stream(int device) : device_(device) {
  check(ready(device).StreamCreate(&stream_), "hipStreamCreate");
}
Stream::~Stream() {
  if (stream_ != nullptr) api().StreamDestroy(stream_);  // a destructor cannot report
}
void Stream::synchronize() {
  check(ready(device_).StreamSynchronize(stream_), "hipStreamSynchronize");
}

DeviceBuffer::DeviceBuffer(int device, std::size_t bytes) : device_(device), bytes_(bytes) {
  // hipMalloc of 0 bytes may give null; one byte keeps every buffer a valid pointer.
  check(ready(device).Malloc(&ptr_, bytes == 0 ? 1 : bytes), "hipMalloc");
}
DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) api().Free(ptr_);
}
void DeviceBuffer::copy_from_host(const void* host, std::size_t bytes) {
  if (bytes > bytes_) bytes = bytes_;
  if (bytes == 0) return;
  check(ready(device_).Memcpy(ptr_, host, bytes, kMemcpyHostToDevice),
        "hipMemcpy (host to device)");
}
void DeviceBuffer::copy_to_host(void* host, std::size_t bytes) const {
  if (bytes > bytes_) bytes = bytes_;
  if (bytes == 0) return;
  check(ready(device_).Memcpy(host, ptr_, bytes, kMemcpyDeviceToHost),
        "hipMemcpy (device to host)");
}

Module::Module(int device, std::span<const std::uint8_t> code_object) : device_(device) {
  check(ready(device).ModuleLoadData(&module_, code_object.data()), "hipModuleLoadData");
}
Module::~Module() {
  if (module_ != nullptr) api().ModuleUnload(module_);
}
void* Module::function(const std::string& name) const {
  void* f = nullptr;
  Err e = ready(device_).ModuleGetFunction(&f, module_, name.c_str());
  if (e != 0) {
    throw RuntimeError("hipModuleGetFunction(" + name + "): " + api().GetErrorName(e) + " (" +
                       std::to_string(e) + ")");
  }
  return f;
}

void launch(void* function, std::array<unsigned, 3> grid, std::array<unsigned, 3> block,
            void** args, Stream& stream, unsigned shared_bytes) {
  Api& a = ready(stream.device());
  check(a.ModuleLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                             shared_bytes, stream.handle(), args, nullptr),
        "hipModuleLaunchKernel");
}

}  // namespace lanes::internal::hip
