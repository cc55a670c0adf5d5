// hipGetDeviceProperties of the fake HIP runtime, apart from fake_hip.cpp because it needs
// hipDeviceProp_t from HIP's header (the layout Lanes' runtime reads) where it is
// installed. Every fake device is a gfx90a with 1 GiB and 104 compute units.
#include <cstring>

#if defined(LANES_FAKE_HIP_HAVE_HEADERS)
#ifndef __HIP_PLATFORM_AMD__
#define __HIP_PLATFORM_AMD__
#endif
#include <hip/hip_runtime_api.h>

hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int device) {
  int n = 0;  // fake_hip.cpp's hipGetDeviceCount (it returns int, the same ABI as hipError_t)
  if (hipGetDeviceCount(&n) != hipSuccess) return hipErrorNoDevice;
  if (device < 0 || device >= n) return hipErrorInvalidDevice;
  std::memset(prop, 0, sizeof *prop);
  std::strcpy(prop->name, "Lanes fake HIP device");
  std::strcpy(prop->gcnArchName, "gfx90a:sramecc+:xnack-");
  prop->totalGlobalMem = std::size_t{1} << 30;
  prop->multiProcessorCount = 104;
  return hipSuccess;
}
#else
// Without HIP's header Lanes does not read the properties (the architecture stays unknown).
extern "C" int hipGetDeviceProperties(void* prop, int /*device*/) {
  std::memset(prop, 0, 64);
  return 0;
}
#endif
