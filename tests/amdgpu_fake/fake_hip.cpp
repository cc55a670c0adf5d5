// A fake HIP runtime for tests on machines without an AMD GPU: the subset of
// libamdhip64's C API that runtime/hip_runtime.cpp loads, with "device" memory kept on the
// host. It checks what it is handed (device pointers must lie inside live allocations,
// code objects must be amdgcn ELF files holding the requested kernel and its descriptor)
// and counts what happens, but it never computes: every kernel launch fails with
// hipErrorLaunchFailure, so no test can mistake it for a GPU.
//
// LANES_FAKE_HIP_DEVICES sets the device count (default 2). Tests steer it through the
// lanes_fake_hip_* functions (fake_hip_control.h): injected errors, memory capacity,
// counters of calls and of live buffers, streams and modules.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/amdgpu_fake/fake_hip_control.h"

namespace {

// hipError_t values (hip_runtime_api.h).
constexpr int kSuccess = 0;
constexpr int kInvalidValue = 1;
constexpr int kOutOfMemory = 2;
constexpr int kInvalidDevicePointer = 17;
constexpr int kNoDevice = 100;
constexpr int kInvalidDevice = 101;
constexpr int kInvalidImage = 200;
constexpr int kInvalidHandle = 400;
constexpr int kNotFound = 500;
constexpr int kLaunchFailure = 719;

constexpr std::uint16_t kElfMachineAmdgpu = 224;

struct Allocation {
  std::vector<unsigned char> bytes;
  int device = 0;
};

struct Module {
  std::set<std::string> symbols;  // defined symbol names of the code object
};

struct Function {
  Module* module = nullptr;
  std::string name;
};

struct Injected {
  std::string call;
  int error = 0;
  int after = 0;  // successful calls of `call` to let through first
};

struct State {
  std::mutex mu;
  int devices = 2;
  std::size_t capacity = std::size_t{1} << 30;  // per device
  std::map<const unsigned char*, Allocation> allocations;
  std::map<int, std::size_t> used;  // bytes per device
  std::set<void*> streams;
  std::set<Module*> modules;
  std::set<Function*> functions;
  std::map<std::string, long> calls;
  std::vector<Injected> injected;
  std::string last_kernel;

  State() {
    if (const char* env = std::getenv("LANES_FAKE_HIP_DEVICES")) devices = std::atoi(env);
  }
};

State& state() {
  static State* s = new State;  // never destroyed: callers may run during exit
  return *s;
}

thread_local int current_device = 0;

// Counts the call and returns the injected error for it, if one is due (kSuccess if not).
int enter(State& s, const std::string& call) {
  ++s.calls[call];
  for (auto it = s.injected.begin(); it != s.injected.end(); ++it) {
    if (it->call != call) continue;
    if (it->after > 0) {
      --it->after;
      return kSuccess;
    }
    const int e = it->error;
    s.injected.erase(it);
    return e;
  }
  return kSuccess;
}

// The allocation holding [p, p + n), or null.
Allocation* find(State& s, const void* p, std::size_t n) {
  const auto* q = static_cast<const unsigned char*>(p);
  auto it = s.allocations.upper_bound(q);
  if (it == s.allocations.begin()) return nullptr;
  --it;
  const unsigned char* base = it->first;
  if (q < base || q + n > base + it->second.bytes.size()) return nullptr;
  return &it->second;
}

// The defined symbols of an ELF64 little-endian image for amdgcn; false if it is not one.
bool read_symbols(const unsigned char* image, std::set<std::string>* out) {
  if (std::memcmp(image,
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      image[4] != 2 || image[5] != 1)
    return false;
  auto u16 = [&](std::size_t off) {
    std::uint16_t v;
    std::memcpy(&v, image + off, 2);
    return v;
  };
  auto u32 = [&](std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, image + off, 4);
    return v;
  };
  auto u64 = [&](std::size_t off) {
    std::uint64_t v;
    std::memcpy(&v, image + off, 8);
    return v;
  };
  if (u16(18) != kElfMachineAmdgpu) return false;
  const std::uint64_t shoff = u64(40);
  const std::uint16_t shentsize = u16(58), shnum = u16(60);
  if (shoff == 0 || shentsize < 64) return false;
  for (std::uint16_t i = 0; i < shnum; ++i) {
    const std::size_t sh = shoff + std::size_t{i} * shentsize;
    const std::uint32_t type = u32(sh + 4);
    if (type != 2 && type != 11) continue;  // SHT_SYMTAB, SHT_DYNSYM
    const std::uint64_t off = u64(sh + 24), size = u64(sh + 32), entsize = u64(sh + 56);
    const std::uint32_t link = u32(sh + 40);
    const std::uint64_t stroff = u64(shoff + std::size_t{link} * shentsize + 24);
    if (entsize < 24) continue;
    for (std::uint64_t k = 1; k < size / entsize; ++k) {
      const std::size_t sym = off + k * entsize;
      const std::uint32_t name = u32(sym);
      const std::uint16_t shndx = u16(sym + 6);
      if (shndx == 0) continue;  // undefined
      out->insert(reinterpret_cast<const char*>(image + stroff + name));
    }
  }
  return true;
}

}  // namespace

extern "C" {

// --- the HIP API subset ------------------------------------------------------------

const char* hipGetErrorName(int e) {
  switch (e) {
    case kSuccess:
      return "hipSuccess";
    case kInvalidValue:
      return "hipErrorInvalidValue";
    case kOutOfMemory:
      return "hipErrorOutOfMemory";
    case kInvalidDevicePointer:
      return "hipErrorInvalidDevicePointer";
    case kNoDevice:
      return "hipErrorNoDevice";
    case kInvalidDevice:
      return "hipErrorInvalidDevice";
    case kInvalidImage:
      return "hipErrorInvalidImage";
    case kInvalidHandle:
      return "hipErrorInvalidHandle";
    case kNotFound:
      return "hipErrorNotFound";
    case kLaunchFailure:
      return "hipErrorLaunchFailure";
    default:
      return "hipErrorUnknown";
  }
}

int hipGetDeviceCount(int* count) {
  State& s = state();
  std::lock_guard lock(s.mu);
  *count = s.devices > 0 ? s.devices : 0;
  return s.devices > 0 ? kSuccess : kNoDevice;
}

int hipSetDevice(int device) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipSetDevice")) return e;
  if (device < 0 || device >= s.devices) return kInvalidDevice;
  current_device = device;
  return kSuccess;
}

int hipDeviceGetName(char* name, int len, int device) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (device < 0 || device >= s.devices) return kInvalidDevice;
  if (name == nullptr || len <= 0) return kInvalidValue;
  const std::string n = "Lanes fake HIP device " + std::to_string(device);
  std::strncpy(name, n.c_str(), static_cast<std::size_t>(len) - 1);
  name[len - 1] = '\0';
  return kSuccess;
}

int hipMalloc(void** ptr, std::size_t bytes) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (ptr == nullptr) return kInvalidValue;
  *ptr = nullptr;
  if (int e = enter(s, "hipMalloc")) return e;
  if (s.used[current_device] + bytes > s.capacity) return kOutOfMemory;
  Allocation a;
  a.bytes.assign(bytes, 0xcd);  // "uninitialized" device memory has a recognizable pattern
  a.device = current_device;
  const unsigned char* key = a.bytes.data();
  s.used[current_device] += bytes;
  s.allocations.emplace(key, std::move(a));
  *ptr = const_cast<unsigned char*>(key);
  return kSuccess;
}

int hipFree(void* ptr) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (ptr == nullptr) return kSuccess;
  auto it = s.allocations.find(static_cast<const unsigned char*>(ptr));
  if (it == s.allocations.end()) return kInvalidDevicePointer;
  s.used[it->second.device] -= it->second.bytes.size();
  s.allocations.erase(it);
  return kSuccess;
}

// kind: 0 host->host, 1 host->device, 2 device->host, 3 device->device.
int hipMemcpy(void* dst, const void* src, std::size_t bytes, int kind) {
  State& s = state();
  std::lock_guard lock(s.mu);
  static const char* const names[] = {"hipMemcpyHtoH", "hipMemcpyHtoD", "hipMemcpyDtoH",
                                      "hipMemcpyDtoD"};
  if (kind < 0 || kind > 3) return kInvalidValue;
  if (int e = enter(s, names[kind])) return e;
  if (dst == nullptr || src == nullptr) return kInvalidValue;
  const bool dst_dev = kind == 1 || kind == 3, src_dev = kind == 2 || kind == 3;
  if (dst_dev && find(s, dst, bytes) == nullptr) return kInvalidValue;
  if (src_dev && find(s, src, bytes) == nullptr) return kInvalidValue;
  s.calls[std::string(names[kind]) + " bytes"] += static_cast<long>(bytes);
  std::memmove(dst, src, bytes);
  return kSuccess;
}

int hipStreamCreate(void** stream) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipStreamCreate")) return e;
  *stream = new int(current_device);
  s.streams.insert(*stream);
  return kSuccess;
}

int hipStreamDestroy(void* stream) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.streams.erase(stream) == 0) return kInvalidHandle;
  delete static_cast<int*>(stream);
  return kSuccess;
}

int hipStreamSynchronize(void* stream) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipStreamSynchronize")) return e;
  if (stream != nullptr && s.streams.count(stream) == 0) return kInvalidHandle;
  return kSuccess;
}

int hipModuleLoadData(void** module, const void* image) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipModuleLoadData")) return e;
  if (module == nullptr || image == nullptr) return kInvalidValue;
  auto m = std::make_unique<Module>();
  if (!read_symbols(static_cast<const unsigned char*>(image), &m->symbols)) return kInvalidImage;
  *module = m.get();
  s.modules.insert(m.release());
  return kSuccess;
}

int hipModuleUnload(void* module) {
  State& s = state();
  std::lock_guard lock(s.mu);
  auto* m = static_cast<Module*>(module);
  if (s.modules.erase(m) == 0) return kInvalidHandle;
  for (auto it = s.functions.begin(); it != s.functions.end();) {
    if ((*it)->module != m) {
      ++it;
      continue;
    }
    delete *it;
    it = s.functions.erase(it);
  }
  delete m;
  return kSuccess;
}

int hipModuleGetFunction(void** function, void* module, const char* name) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipModuleGetFunction")) return e;
  auto* m = static_cast<Module*>(module);
  if (s.modules.count(m) == 0) return kInvalidHandle;
  // A launchable kernel has its symbol and its kernel descriptor NAME.kd.
  if (m->symbols.count(name) == 0 || m->symbols.count(std::string(name) + ".kd") == 0) {
    return kNotFound;
  }
  auto* f = new Function{m, name};
  s.functions.insert(f);
  *function = f;
  return kSuccess;
}

int hipModuleLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                          unsigned by, unsigned bz, unsigned /*shared*/, void* stream, void** args,
                          void** extra) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int e = enter(s, "hipModuleLaunchKernel")) return e;
  auto* f = static_cast<Function*>(function);
  if (s.functions.count(f) == 0) return kInvalidHandle;
  if (stream != nullptr && s.streams.count(stream) == 0) return kInvalidHandle;
  if (gx * gy * gz == 0 || bx * by * bz == 0 || bx * by * bz > 1024) return kInvalidValue;
  if (args == nullptr && extra == nullptr) return kInvalidValue;
  s.last_kernel = f->name;
  return kLaunchFailure;  // the fake has no GPU: it never pretends to run a kernel
}

// --- test control (fake_hip_control.h) ---------------------------------------------

void lanes_fake_hip_reset(void) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.calls.clear();
  s.injected.clear();
  s.capacity = std::size_t{1} << 30;
  s.last_kernel.clear();
}

void lanes_fake_hip_fail(const char* call, int error, int after) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.injected.push_back({call, error, after});
}

void lanes_fake_hip_set_capacity(std::size_t bytes) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.capacity = bytes;
}

long lanes_fake_hip_calls(const char* call) {
  State& s = state();
  std::lock_guard lock(s.mu);
  auto it = s.calls.find(call);
  return it == s.calls.end() ? 0 : it->second;
}

long lanes_fake_hip_live(const char* what) {
  State& s = state();
  std::lock_guard lock(s.mu);
  const std::string w = what;
  if (w == "buffers") return static_cast<long>(s.allocations.size());
  if (w == "streams") return static_cast<long>(s.streams.size());
  if (w == "modules") return static_cast<long>(s.modules.size());
  if (w == "bytes") {
    long n = 0;
    for (const auto& [device, bytes] : s.used) n += static_cast<long>(bytes);
    return n;
  }
  return -1;
}

const char* lanes_fake_hip_last_kernel(void) {
  State& s = state();
  std::lock_guard lock(s.mu);
  static thread_local std::string copy;
  copy = s.last_kernel;
  return copy.c_str();
}

}  // extern "C"
