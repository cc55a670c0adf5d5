// Replays a fuzz target's corpus: runs LLVMFuzzerTestOneInput on every file of the
// directories (or files) given on the command line, in name order, so the fuzzers'
// findings stay fixed in CI. A mismatch aborts inside the target, failing the test.
//
// `--random N [SEED]` runs N random byte strings instead (a fuzzer without coverage
// guidance, for builds without libFuzzer); each input is written to ./last-random-input
// before it runs, so an abort leaves the failing input behind.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int run_random(long n, unsigned seed) {
  std::mt19937 g(seed);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    std::vector<std::uint8_t> bytes(10 + g() % 150);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(g());
    {
      std::ofstream out("last-random-input", std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
    }
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ran %ld random inputs in %.2f s (%.1f exec/s)\n", n, s, n / s);
  return 0;
}

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc >= 3 && std::string(argv[1]) == "--random") {
    return run_random(std::stol(argv[2]),
                      argc >= 4 ? static_cast<unsigned>(std::stoul(argv[3])) : 1u);
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files given\n");
    return 1;
  }
  std::sort(files.begin(), files.end());
  auto t0 = std::chrono::steady_clock::now();
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("replayed %zu inputs in %.2f s\n", files.size(), s);
  return 0;
}
