// The threaded Communicator: every collective against hand-computed results, the fixed
// reduction order (bitwise equal to a sequential left-to-right sum, on every replica and
// every run), aliasing in/out, disagreeing and finished replicas (the divergence check),
// and abort releasing waiting replicas.
#include <gtest/gtest.h>
#include <lanes/error.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/thread_communicator.h"

namespace lanes::internal {
namespace {

// Runs body(rank) on n threads; returns each thread's exception (or null).
std::vector<std::exception_ptr> run_replicas(int n, const std::function<void(int)>& body) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        body(r);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

TEST(CommunicatorThread, AllReduceSumIsTheSequentialLeftToRightSumOnEveryReplica) {
  for (int n : {1, 2, 3, 8}) {
    ThreadCommunicator comm(n);
    const std::size_t count = 37;  // not a multiple of n: uneven chunks
    std::vector<std::vector<double>> in(static_cast<std::size_t>(n)), out = in;
    for (int r = 0; r < n; ++r) {
      for (std::size_t k = 0; k < count; ++k) {
        // Replica 0 holds 1e16 (+ an exact even offset), the others 1.0: left to right, each
        // 1 is rounded away (1e16 + 1 ties to the even 1e16); summing the ones first keeps
        // them, so the order shows in the bits.
        in[r].push_back(r == 0 ? 1e16 + 2.0 * static_cast<double>(k) : 1.0);
      }
      out[r].assign(count, -1);
    }
    auto errors = run_replicas(n, [&](int r) {
      comm.all_reduce(r, DType::F64, ReduceOp::Sum, in[r].data(), out[r].data(), count);
    });
    for (auto& e : errors) EXPECT_FALSE(e);
    bool order_shows = false;  // the inputs must tell 0..n-1 from 1..n-1 then 0
    for (std::size_t k = 0; k < count; ++k) {
      double want = in[0][k], others = 0;
      for (int r = 1; r < n; ++r) want += in[r][k];
      for (int r = 1; r < n; ++r) others += in[r][k];
      order_shows = order_shows || want != others + in[0][k];
      for (int r = 0; r < n; ++r) {
        EXPECT_EQ(std::memcmp(&out[r][k], &want, sizeof want), 0) << "n=" << n << " r=" << r;
      }
    }
    if (n >= 3) {
      EXPECT_TRUE(order_shows) << "n=" << n;
    }
  }
}

TEST(CommunicatorThread, AllReduceMaxMinIntegersAndAliasedBuffers) {
  const int n = 4;
  ThreadCommunicator comm(n);
  std::vector<std::vector<std::int32_t>> buf(n);
  std::vector<std::vector<float>> fbuf(n);
  for (int r = 0; r < n; ++r) {
    buf[r] = {r, -r, 10 * r, 7};
    fbuf[r] = {r == 2 ? -0.0f : 0.0f, static_cast<float>(r) - 1.5f};
  }
  auto errors = run_replicas(n, [&](int r) {
    // in == out: every replica overwrites its own input with the result.
    comm.all_reduce(r, DType::I32, ReduceOp::Max, buf[r].data(), buf[r].data(), 4);
    std::vector<float> mn(2);
    comm.all_reduce(r, DType::F32, ReduceOp::Min, fbuf[r].data(), mn.data(), 2);
    fbuf[r] = mn;
  });
  for (auto& e : errors) EXPECT_FALSE(e);
  for (int r = 0; r < n; ++r) {
    EXPECT_EQ(buf[r], (std::vector<std::int32_t>{3, 0, 30, 7}));
    EXPECT_TRUE(std::signbit(fbuf[r][0])) << "min(-0, +0) is -0";
    EXPECT_EQ(fbuf[r][1], -1.5f);
  }
}

TEST(CommunicatorThread, AllGatherAndPpermute) {
  const int n = 3;
  ThreadCommunicator comm(n);
  std::vector<std::vector<std::int64_t>> gathered(n), permuted(n);
  auto errors = run_replicas(n, [&](int r) {
    std::vector<std::int64_t> mine{r, 100 + r};
    gathered[r].assign(2 * n, -1);
    comm.all_gather(r, DType::I64, mine.data(), gathered[r].data(), 2);
    permuted[r].assign(2, -1);
    // 0 -> 1, 1 -> 2; nobody sends to 0, which gets zeros.
    comm.ppermute(r, DType::I64, mine.data(), permuted[r].data(), 2, {{0, 1}, {1, 2}});
  });
  for (auto& e : errors) EXPECT_FALSE(e);
  for (int r = 0; r < n; ++r) {
    EXPECT_EQ(gathered[r], (std::vector<std::int64_t>{0, 100, 1, 101, 2, 102}));
  }
  EXPECT_EQ(permuted[0], (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(permuted[1], (std::vector<std::int64_t>{0, 100}));
  EXPECT_EQ(permuted[2], (std::vector<std::int64_t>{1, 101}));
}

TEST(CommunicatorThread, ManyCollectivesInARowStayInStep) {
  // Each round's sum feeds the next round's inputs (acc_r = s mod P + r), so a replica
  // that combined values of different rounds would give a different sequence. The sums
  // follow s_0 = 0+1+2+3 = 6, s_{k+1} = 4 (s_k mod P) + 6, computed here without the
  // communicator; the first ones are 6, 30, 126, 510.
  const int n = 4, rounds = 500;
  const std::int64_t p = 1000003;
  ThreadCommunicator comm(n);
  std::vector<std::vector<std::int64_t>> sums(n, std::vector<std::int64_t>(rounds, -1));
  auto errors = run_replicas(n, [&](int r) {
    std::int64_t acc = r;
    for (int it = 0; it < rounds; ++it) {
      std::int64_t s = 0;
      comm.all_reduce(r, DType::I64, ReduceOp::Sum, &acc, &s, 1);
      sums[static_cast<std::size_t>(r)][static_cast<std::size_t>(it)] = s;
      acc = s % p + r;
    }
  });
  for (auto& e : errors) EXPECT_FALSE(e);
  std::vector<std::int64_t> want(rounds);
  std::int64_t s = 6;
  for (int it = 0; it < rounds; ++it) {
    want[static_cast<std::size_t>(it)] = s;
    s = 4 * (s % p) + 6;
  }
  ASSERT_EQ((std::vector<std::int64_t>(want.begin(), want.begin() + 4)),
            (std::vector<std::int64_t>{6, 30, 126, 510}));
  EXPECT_GT(want.back(), 0);
  for (int r = 0; r < n; ++r) EXPECT_EQ(sums[static_cast<std::size_t>(r)], want) << "replica " << r;
}

TEST(CommunicatorThread, DisagreeingCountsThrowTheSameRuntimeErrorOnEveryReplica) {
  const int n = 3;
  ThreadCommunicator comm(n);
  std::vector<std::string> messages(n);
  auto errors = run_replicas(n, [&](int r) {
    std::vector<double> in(static_cast<std::size_t>(r == 1 ? 5 : 4), 1.0), out(in.size());
    comm.all_reduce(r, DType::F64, ReduceOp::Sum, in.data(), out.data(), in.size(), "psum");
  });
  for (int r = 0; r < n; ++r) {
    ASSERT_TRUE(errors[r]) << r;
    try {
      std::rethrow_exception(errors[r]);
    } catch (const RuntimeError& err) {
      messages[r] = err.what();
    }
    EXPECT_TRUE(comm.failed_together(r)) << r;
  }
  EXPECT_EQ(messages[0].rfind("collective #1: replicas disagree: replicas 0, 2 call psum(f64, 4 "
                              "elements); replica 1 calls psum(f64, 5 elements). ",
                              0),
            0u)
      << messages[0];
  EXPECT_EQ(messages[1], messages[0]);
  EXPECT_EQ(messages[2], messages[0]);
}

TEST(CommunicatorThread, OpsAndPermsArePartOfTheCall) {
  const int n = 2;
  ThreadCommunicator sum_max(n);
  auto errors = run_replicas(n, [&](int r) {
    float x = 1, y = 0;
    sum_max.all_reduce(r, DType::F32, r == 0 ? ReduceOp::Sum : ReduceOp::Max, &x, &y, 1);
  });
  ASSERT_TRUE(errors[0] && errors[1]);
  try {  // the two calls read differently: the op is named
    std::rethrow_exception(errors[0]);
  } catch (const RuntimeError& err) {
    EXPECT_NE(std::string(err.what())
                  .find("replica 0 calls all_reduce(f32, 1 element, sum); replica 1 calls "
                        "all_reduce(f32, 1 element, max)"),
              std::string::npos)
        << err.what();
  }
  ThreadCommunicator perms(n);
  errors = run_replicas(n, [&](int r) {
    float x = 1, y = 0;
    std::vector<std::pair<int, int>> perm{{0, 1}};
    if (r == 1) perm.push_back({1, 0});
    perms.ppermute(r, DType::F32, &x, &y, 1, perm);
  });
  ASSERT_TRUE(errors[0] && errors[1]);
  try {
    std::rethrow_exception(errors[1]);
  } catch (const RuntimeError& err) {
    EXPECT_NE(std::string(err.what()).find("replica 0 calls ppermute(f32, 1 element, perm "),
              std::string::npos)
        << err.what();
  }
}

TEST(CommunicatorThread, AFinishedReplicaReleasesThoseWaitingForItWithAnError) {
  // Replicas 0 and 1 make a second psum that replica 2 never makes: they wait for it
  // until it finishes, then throw; a replica that finishes is never blocked.
  const int n = 3;
  ThreadCommunicator comm(n);
  auto errors = run_replicas(n, [&](int r) {
    double x = 1, y = 0;
    comm.all_reduce(r, DType::F64, ReduceOp::Sum, &x, &y, 1, "psum");
    EXPECT_EQ(y, 3.0);
    if (r != 2) comm.all_reduce(r, DType::F64, ReduceOp::Sum, &x, &y, 1, "psum");
    comm.finished(r);
  });
  EXPECT_FALSE(errors[2]);
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(errors[r]) << r;
    try {
      std::rethrow_exception(errors[r]);
    } catch (const RuntimeError& err) {
      EXPECT_EQ(std::string(err.what())
                    .rfind("collective #2: replicas disagree: replicas 0, 1 "
                           "call psum(f64, 1 element), but replica 2 finished "
                           "its program without calling it. ",
                           0),
                0u)
          << err.what();
    }
  }
}

TEST(CommunicatorThread, AbortReleasesWaitingReplicasAndLaterCallsThrow) {
  const int n = 4;
  ThreadCommunicator comm(n);
  std::atomic<int> waiting{0};
  auto errors = run_replicas(n, [&](int r) {
    double x = 1, y = 0;
    if (r == 3) {
      // Let the others block in the collective first, then fail instead of joining.
      while (waiting.load() < n - 1) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      comm.abort("replica 3 failed on purpose");
      throw RuntimeError("original failure");
    }
    ++waiting;
    comm.all_reduce(r, DType::F64, ReduceOp::Sum, &x, &y, 1);
  });
  for (int r = 0; r < n; ++r) {
    ASSERT_TRUE(errors[r]) << r;
    try {
      std::rethrow_exception(errors[r]);
    } catch (const RuntimeError& err) {
      std::string msg = err.what();
      if (r == 3) {
        EXPECT_EQ(msg, "original failure");
      } else {
        EXPECT_NE(msg.find("replica 3 failed on purpose"), std::string::npos) << msg;
      }
    }
  }
  double x = 1, y = 0;
  EXPECT_THROW(comm.all_reduce(0, DType::F64, ReduceOp::Sum, &x, &y, 1), RuntimeError);
}

}  // namespace
}  // namespace lanes::internal
