// lanes::amdgpu::DeviceArray: a shape and dtype over a device buffer (runtime/hip_runtime),
// and the copies between it and host Arrays.
#include <lanes/amdgpu.h>
#include <lanes/error.h>

#include "runtime/check.h"
#include "runtime/devices.h"
#include "runtime/hip_runtime.h"

namespace lanes::amdgpu {

DeviceArray::DeviceArray(std::shared_ptr<const internal::hip::DeviceBuffer> buffer, DType dtype,
                         Shape shape)
    : buffer_(std::move(buffer)), dtype_(dtype), shape_(std::move(shape)) {
  if (buffer_ && buffer_->bytes() < nbytes()) {
    LANES_FAIL("DeviceArray: a buffer of " + std::to_string(buffer_->bytes()) + " bytes for " +
               shape_to_string(shape_) + " elements of " + std::to_string(dtype_size(dtype_)) +
               " bytes");
  }
}

std::int64_t DeviceArray::size() const { return shape_size(shape_); }

int DeviceArray::device() const { return buffer_ ? buffer_->device() : -1; }

Array DeviceArray::to_host() const {
  Array out = Array::empty(dtype_, shape_);
  if (buffer_) buffer_->copy_to_host(out.raw(), nbytes());
  return out;
}

DeviceArray to_device(const Array& a, int device) {
  return to_device(a, Device{DeviceKind::Hip, device, "hip:" + std::to_string(device),
                             internal::this_process()});
}

DeviceArray to_device(const Array& a, const Device& device) {
  internal::check_hip_device(device, "amdgpu::to_device");
  auto buf = std::make_shared<internal::hip::DeviceBuffer>(device.index, a.nbytes());
  buf->copy_from_host(a.raw(), a.nbytes());
  return DeviceArray(std::move(buf), a.dtype(), a.shape());
}

}  // namespace lanes::amdgpu
