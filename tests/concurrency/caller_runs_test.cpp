// "Caller runs": a gen_server call from a thread outside the runtime
// (scoped_mailbox) that wakes an idle server runs the server's turn on the
// calling thread (src/scoped_mailbox.cpp, foreign_process::send_gen_call).
// Real threads (label `concurrency`, run under ThreadSanitizer). Nothing
// sleeps: a server is idle once a call the caller ran has returned, since
// the turn ends with the server waiting and nobody else sends to it.

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"

#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;

namespace caller_runs_test {

/// `where` → ok, noting the thread it ran on; `crash` throws; `count` →
/// the number of `inc` casts; `flood` casts itself 1000 `inc`s; `hold`
/// keeps its caller waiting until a `release` answers it `late`.
class probe : public gs::server<probe> {
public:
  explicit probe(std::thread::id* ran_on) : ran_on_(ran_on) {}

  call_result handle_call(const term& req, const from& caller) {
    // Read by the caller after the reply: the reply's push orders it.
    *ran_on_ = std::this_thread::get_id();
    if (req == term{"where"_a})
      return reply(atoms::ok);
    if (req == term{"count"_a})
      return reply(count_);
    if (req == term{"crash"_a})
      throw std::runtime_error("crashed in call");
    if (req == term{"hold"_a}) {
      held_.push_back(caller);
      return noreply();
    }
    if (req == term{"release"_a}) {
      for (auto& f : held_)
        reply_to(f, "late"_a);
      held_.clear();
      return reply(atoms::ok);
    }
    if (req == term{"flood"_a}) {
      // More casts to itself than a caller's turn takes after this reply.
      for (int i = 0; i < 1000; ++i)
        gs::cast(self(), self().self(), "inc"_a);
      return reply(atoms::ok);
    }
    return stop(term{"bad_call"_a, req});
  }
  cast_result handle_cast(const term&) {
    ++count_;
    return noreply();
  }

private:
  std::thread::id* ran_on_;
  std::int64_t count_ = 0;
  std::vector<from> held_;
};

/// Calls `where` until the server ran on this thread (it was idle when the
/// request came); false if it never did in `tries` calls.
bool until_caller_runs(otp::scoped_mailbox& me, const pid& server,
                       const std::thread::id& ran_on, int tries = 100'000) {
  for (int i = 0; i < tries; ++i) {
    EXPECT_EQ(gs::call(me, server, "where"_a).value(), term{atoms::ok});
    if (ran_on == std::this_thread::get_id())
      return true;
  }
  return false;
}

pid start_probe(otp::runtime& rt, std::thread::id* ran_on) {
  auto started = gs::start<probe>(rt, {}, ran_on);
  EXPECT_TRUE(started);
  return *started;
}

} // namespace caller_runs_test

using namespace caller_runs_test;

TEST(CallerRuns, AnIdleServerRunsOnTheCallingThread) {
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  ASSERT_TRUE(until_caller_runs(me, server, ran_on));
  // From then on the server is idle whenever a call comes: every call is
  // run by its caller.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(gs::call(me, server, "where"_a).value(), term{atoms::ok});
    ASSERT_EQ(ran_on, std::this_thread::get_id());
  }
  EXPECT_EQ(me.pending(), 0U); // no stray reply or DOWN
}

TEST(CallerRuns, TurnedOffEveryCallIsRunByAWorker) {
  otp::runtime rt{{.workers = 2, .foreign_callers_run_servers = false}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(gs::call(me, server, "where"_a).value(), term{atoms::ok});
    ASSERT_NE(ran_on, std::this_thread::get_id());
  }
}

TEST(CallerRuns, ACrashInTheCallersTurnEndsTheServerWithItsReason) {
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  ASSERT_TRUE(until_caller_runs(me, server, ran_on));
  auto r = gs::call(me, server, "crash"_a);
  ASSERT_FALSE(r);
  // {{exception, ...}, {gen_server, call, [Server, crash, 5000]}}
  EXPECT_TRUE(r.error().is_tuple(2)) << to_string(r.error());
  EXPECT_EQ(r.error()[0][0], term{"exception"_a}) << to_string(r.error());
  auto again = gs::call(me, server, "where"_a);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error()[0], term{atoms::noproc});
  EXPECT_EQ(me.pending(), 0U);
}

TEST(CallerRuns, ATimedOutCallLeavesNoLateReplyOrDown) {
  // The caller runs the turn that takes `hold` and answers nothing; the
  // call times out; the late answer, sent in the next caller's turn, is
  // dropped as it arrives (the alias is gone).
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  ASSERT_TRUE(until_caller_runs(me, server, ran_on));
  auto r = gs::call(me, server, "hold"_a, 10ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error()[0], term{atoms::timeout}) << to_string(r.error());
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  ASSERT_EQ(gs::call(me, server, "release"_a).value(), term{atoms::ok});
  EXPECT_EQ(me.pending(), 0U);
  EXPECT_EQ(me.receive(0ms), std::nullopt);
}

TEST(CallerRuns, StopIsRunByTheCallerAndLaterCallsGetNoproc) {
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  ASSERT_TRUE(until_caller_runs(me, server, ran_on));
  ASSERT_TRUE(gs::stop(me, server).has_value());
  auto r = gs::call(me, server, "where"_a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error()[0], term{atoms::noproc});
  EXPECT_EQ(me.pending(), 0U);
}

TEST(CallerRuns, CastsQueuedForWorkersAndCallsRunByTheCallerKeepOrder) {
  // Casts from outside wake the server onto a worker; a call that finds it
  // idle runs it here, for at most a short turn. Whoever runs it, every
  // cast is counted before the call that follows it.
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  std::int64_t sent = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < round; ++i, ++sent)
      gs::cast(rt, server, "inc"_a);
    ASSERT_EQ(gs::call(me, server, "count"_a).value(), term{sent});
  }
}

TEST(CallerRuns, AServerWithMoreWorkThanTheCallersTurnYieldsToTheWorkers) {
  // The caller's turn ends after a few messages; the server, still
  // runnable, is queued for the workers, which take the rest.
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  ASSERT_TRUE(until_caller_runs(me, server, ran_on));
  ASSERT_EQ(gs::call(me, server, "flood"_a).value(), term{atoms::ok});
  ASSERT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(gs::call(me, server, "count"_a).value(), term{1000});
}

TEST(CallerRuns, ProcessesAndOutsideThreadsCallingOneServerAllGetTheirReplies) {
  // The server is run by outside callers when they find it idle and by the
  // workers when processes' calls wake it: it must never run in two places
  // at once (ThreadSanitizer would see its state raced).
  constexpr int calls = 5'000;
  otp::runtime rt{{.workers = 2}};
  std::thread::id ran_on;
  pid server = start_probe(rt, &ran_on);
  otp::scoped_mailbox me{rt};
  std::vector<pid> clients;
  for (int c = 0; c < 2; ++c)
    clients.push_back(rt.spawn(
        [](otp::process& self, pid to, pid report) -> otp::task<> {
          for (int i = 0; i < calls; ++i) {
            auto r = co_await gs::call(self, to, "where"_a);
            if (r != term{atoms::ok}) {
              self.send(report, term{"bad"_a, r});
              co_return;
            }
          }
          self.send(report, "done"_a);
        },
        server, me.self()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&rt, server] {
      otp::scoped_mailbox mine{rt};
      for (int i = 0; i < calls; ++i)
        EXPECT_EQ(gs::call(mine, server, "where"_a).value(), term{atoms::ok});
    });
  for (int i = 0; i < calls; ++i)
    ASSERT_EQ(gs::call(me, server, "where"_a).value(), term{atoms::ok});
  for (auto& t : threads)
    t.join();
  for (std::size_t c = 0; c < clients.size(); ++c)
    EXPECT_EQ(me.receive(60s), term{"done"_a});
}
