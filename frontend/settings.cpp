// The public runtime settings (include/lanes/settings.h): thin calls into the runtime's
// global thread pool.
#include <lanes/settings.h>

#include "runtime/thread_pool.h"

namespace lanes {

void set_num_threads(int n) { internal::ThreadPool::set_global_size(n); }

int num_threads() { return internal::ThreadPool::global_size(); }

}  // namespace lanes
