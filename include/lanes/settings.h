// Process-wide runtime settings that can also be given by environment variables
// (docs/settings.md lists every variable Lanes reads, with its API equivalent).
//
//   lanes::set_num_threads(4);           // jitted kernels split across 4 threads from now on
//   int n = lanes::num_threads();        // 4
//   lanes::Array y = lanes::jit(f)(xs);  // a large call runs on the 4-thread pool
//
// The thread pool splits large jitted kernels (JitOptions::parallel) across threads; the
// calling thread is one of them, so 1 means no extra threads. Its size is, in order: the
// last set_num_threads, else LANES_NUM_THREADS (an integer in [1, 4096]), else the
// number of hardware threads. A malformed LANES_NUM_THREADS is an ArgumentError naming
// the variable, thrown by the first call that needs the pool (num_threads(), or a jitted
// call large enough to be split), until it is fixed or set_num_threads decides.
#pragma once

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Sets the thread pool's size to n threads (the caller included); takes effect for
// kernels that start after it returns. Safe while other threads run jitted code: a kernel
// already running finishes on the pool it started on. ArgumentError naming `n` unless
// 1 <= n <= 4096.
//
//   lanes::set_num_threads(1);  // run every kernel on the calling thread alone
void set_num_threads(int n);

// The thread pool's size (see above); starts no thread. ArgumentError for a malformed
// LANES_NUM_THREADS when set_num_threads was not called.
//
//   std::cout << "kernels use " << lanes::num_threads() << " threads\n";
int num_threads();

}  // namespace lanes
#pragma GCC visibility pop
