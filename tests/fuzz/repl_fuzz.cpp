// libFuzzer entry point for the REPL: feeds arbitrary bytes to a fresh Session. The
// contract under test: no input crashes, hangs or lets anything but lanes::Error escape
// (Session::run reports every error in its result, so nothing should escape at all).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <lanes/error.h>
#include <lanes/repl.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lanes::repl::SessionOptions options;
  options.time_budget_s = 0.001;  // :time repeats only briefly
  options.allow_load = false;     // no file system access
  options.max_loop_iterations = 10000;
  options.max_elements = 1 << 16;  // keep arrays small
  lanes::repl::Session session(options);
  try {
    session.run(std::string_view(reinterpret_cast<const char*>(data), size), "<fuzz>");
  } catch (const lanes::Error&) {
    // Allowed by the contract (run() reports errors itself, so this is not expected).
  } catch (...) {
    std::abort();  // anything else is a bug the fuzzer must report
  }
  return 0;
}
