// The test-control entry points of the fake HIP runtime (fake_hip.cpp). Tests reach them
// with dlsym on the library that LANES_HIP_LIBRARY names (fake_hip_test_util.h), the same
// instance that Lanes' runtime loaded.
#pragma once

#include <cstddef>

extern "C" {
// Clears counters and injected errors and restores the 1 GiB per-device capacity (live
// buffers, streams and modules stay).
void lanes_fake_hip_reset(void);
// The next call of `call` (a HIP function name, or hipMemcpyHtoD / hipMemcpyDtoH /
// hipMemcpyDtoD) after `after` successful ones returns `error` (a hipError_t value).
void lanes_fake_hip_fail(const char* call, int error, int after);
// Device memory per device; a hipMalloc past it returns hipErrorOutOfMemory.
void lanes_fake_hip_set_capacity(std::size_t bytes);
// How often `call` was made since the last reset; "hipMemcpyHtoD bytes" (and DtoH, DtoD)
// count the bytes copied.
long lanes_fake_hip_calls(const char* call);
// Live "buffers", "bytes", "streams" or "modules".
long lanes_fake_hip_live(const char* what);
// The kernel symbol of the last launch that reached the (failing) launch.
const char* lanes_fake_hip_last_kernel(void);
}
