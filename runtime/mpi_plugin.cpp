// The MPI plugin's entry point (liblanes_mpi.so; see process_group.h): the ProcessGroup of
// an MPI job, over MpiWorld and MpiCommunicator.
#include <memory>
#include <mutex>

#include "runtime/mpi_communicator.h"
#include "runtime/mpi_world.h"
#include "runtime/process_group.h"

namespace lanes::internal {
namespace {

class MpiProcessGroup final : public ProcessGroup {
 public:
  int rank() const override { return MpiWorld::get().rank(); }
  std::vector<GlobalDevice> global_devices() const override {
    return MpiWorld::get().global_devices();
  }
  std::shared_ptr<Communicator> world_communicator() override {
    std::lock_guard lock(mu_);
    if (!world_) world_ = MpiCommunicator::create_world();
    return world_;
  }
  int first_replica() const override {
    const MpiWorld& world = MpiWorld::get();
    return world.device_offset(world.rank());
  }
  int local_replicas() const override { return MpiWorld::get().local_device_count(); }

 private:
  std::mutex mu_;
  std::shared_ptr<MpiCommunicator> world_;
};

}  // namespace
}  // namespace lanes::internal

extern "C" __attribute__((visibility("default"))) lanes::internal::ProcessGroup*
lanes_mpi_process_group(int abi, const lanes::internal::ProcessGroupSettings* settings) {
  using namespace lanes::internal;
  if (abi != kProcessGroupAbi || settings == nullptr) return nullptr;
  static std::once_flag once;
  std::call_once(once, [&] { set_mpi_settings(*settings); });
  MpiWorld::get();  // starts MPI (collective): errors surface here, as lanes::Error
  static MpiProcessGroup group;
  return &group;
}
