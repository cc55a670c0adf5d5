// Reading scripts (:load, Session::read_script) and echoing error lines: a file that is
// not a script (/dev/zero, a directory, a NUL byte) is a clear error that leaves the
// session usable, a NUL byte is never a silent end of the text, and an error on a very
// long line echoes a bounded window of it once.
#include <gtest/gtest.h>
#include <lanes/error.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <streambuf>
#include <string>

#include "tests/unit/repl_test_util.h"

namespace lanes::repl {
namespace {

using testing::run_ok;

// A file in the test's temporary directory, removed at the end.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_((std::filesystem::temp_directory_path() /
               ("lanes_repl_load_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ReplLoad, DevZeroIsAnErrorAndTheSessionGoesOn) {
  Session s;
  run_ok(s, "x = 2.5\n");
  EvalOutput r = s.run(":load /dev/zero\n", "<test>");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("ArgumentError: :load cannot read '/dev/zero': NUL byte at line 1"),
            std::string::npos)
      << r.error;
  EXPECT_EQ(run_ok(s, "x\n"), "2.5\n");
}

TEST(ReplLoad, ADirectoryIsAnError) {
  Session s;
  EvalOutput r = s.run(":load /tmp\n", "<test>");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("cannot read '/tmp': it is a directory"), std::string::npos) << r.error;
}

TEST(ReplLoad, ANulByteNamesTheFileAndLine) {
  TempFile f("nul.lanes", std::string("a = 1\nb = 2\nc = 3\0 + 4\nd = 5\n", 25));
  Session s;
  EvalOutput r = s.run(":load " + f.path() + "\n", "<test>");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("cannot read '" + f.path() + "': NUL byte at line 3, column 6"),
            std::string::npos)
      << r.error;
  // Nothing of the file ran (it is rejected before it runs, not cut at the NUL).
  EXPECT_FALSE(s.run("a\n", "<test>").ok);
}

TEST(ReplLoad, ANulByteInTextPassedToRunIsALocatedError) {
  Session s;
  EvalOutput r = s.run(std::string("x = 1\ny = 2 \0 z = 3\n", 20), "script.lanes");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 7);
  EXPECT_NE(r.error.find("script.lanes:2:7: SyntaxError: NUL byte at line 2, column 7"),
            std::string::npos)
      << r.error;
}

// An endless stream of '#' (a pipe that never ends, without a temporary file).
class EndlessText : public std::streambuf {
 public:
  EndlessText() {
    std::fill(std::begin(buf_), std::end(buf_), '#');
    setg(buf_, buf_, buf_ + sizeof buf_);
  }

 protected:
  int_type underflow() override {
    setg(buf_, buf_, buf_ + sizeof buf_);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  char buf_[4096];
};

TEST(ReplLoad, ReadScriptReadsFilesAndStreamsUpToTheLimit) {
  EXPECT_EQ(Session::read_script("/dev/null"), "");
  TempFile ok("ok.lanes", "a = 1\n");
  EXPECT_EQ(Session::read_script(ok.path()), "a = 1\n");
  std::istringstream piped("b = 2\n");
  EXPECT_EQ(Session::read_script(piped, "<stdin>"), "b = 2\n");
  try {
    (void)Session::read_script("/does/not/exist.lanes");
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "cannot open '/does/not/exist.lanes'");
  }
  EndlessText endless_buf;
  std::istream endless(&endless_buf);
  try {
    (void)Session::read_script(endless, "<stdin>");
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'<stdin>': larger than 64 MiB"), std::string::npos)
        << e.what();
  }
}

TEST(ReplLoad, AnErrorOnALongLineEchoesAWindowOnce) {
  // A 10 MB string, then an error at the end of the line.
  const std::string line = "x = \"" + std::string(10'000'000, 'a') + "\" + undefined_name\n";
  Session s;
  EvalOutput r = s.run(line, "<test>");
  ASSERT_FALSE(r.ok);
  EXPECT_LT(r.error.size(), 1000u) << r.error.substr(0, 1000);
  EXPECT_NE(r.error.find("NameError"), std::string::npos) << r.error.substr(0, 1000);
  // The echo: "    ..." + 200 characters ending at the name, then the caret under it.
  const std::size_t echo = r.error.find("\n    ...");
  ASSERT_NE(echo, std::string::npos) << r.error;
  const std::size_t caret_line = r.error.find('\n', echo + 1);
  ASSERT_NE(caret_line, std::string::npos);
  const std::string shown = r.error.substr(echo + 1, caret_line - echo - 1);
  const std::string caret = r.error.substr(caret_line + 1);
  const std::size_t col = caret.find('^');
  ASSERT_NE(col, std::string::npos) << caret;
  EXPECT_EQ(shown.substr(col, 14), "undefined_name") << shown;
  EXPECT_LE(shown.size(), 4 + 3 + 200 + 3u);
}

TEST(ReplLoad, ALongNameInAMessageIsCut) {
  const std::string name(10'000'000, 'n');
  Session s;
  EvalOutput r = s.run("y = " + name + "\n", "<test>");
  ASSERT_FALSE(r.ok);
  EXPECT_LT(r.error.size(), 3000u) << r.error.substr(0, 3000);
  EXPECT_NE(r.error.find("NameError: name 'nnn"), std::string::npos) << r.error.substr(0, 300);
}

TEST(ReplLoad, ShortLinesAreEchoedWhole) {
  Session s;
  EvalOutput r = s.run("y = 1 + nope\n", "<test>");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "<test>:1:9: NameError: name 'nope' is not defined\n    y = 1 + nope\n            ^\n");
}

}  // namespace
}  // namespace lanes::repl
