// Helpers of the REPL session tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <lanes/repl.h>

namespace lanes::repl::testing {

// Runs `src` in the session, expecting success; returns what it printed.
inline std::string run_ok(Session& s, const std::string& src) {
  EvalOutput r = s.run(src, "<test>");
  EXPECT_TRUE(r.ok) << src << "\n" << r.error;
  return r.text;
}

}  // namespace lanes::repl::testing
