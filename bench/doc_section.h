// Writes one benchmark's section into a shared markdown file (docs/benchmarks.md), keeping
// the other benchmarks' sections: each section sits between marker comments
//   <!-- begin: NAME -->  ...  <!-- end: NAME -->
// and is replaced in place, or appended when the file does not have it yet.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace lanes::bench {

inline bool write_doc_section(const std::string& path, const std::string& name,
                              const std::string& body) {
  std::string text;
  {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
  }
  if (text.empty()) {
    text =
        "# Benchmarks\n\nEach section below is written by the benchmark it names; rerun the "
        "command it gives to refresh it (other sections are kept).\n";
  }
  const std::string begin = "<!-- begin: " + name + " -->";
  const std::string end = "<!-- end: " + name + " -->";
  const std::string block =
      begin + "\n" + body + (body.empty() || body.back() == '\n' ? "" : "\n") + end;
  std::size_t b = text.find(begin);
  std::size_t e = b == std::string::npos ? std::string::npos : text.find(end, b);
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    if (!text.empty() && text.back() != '\n') text += "\n";
    text += "\n" + block + "\n";
  }
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace lanes::bench
