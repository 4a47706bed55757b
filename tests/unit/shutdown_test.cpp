// Runtime shutdown: every live process ends with reason `shutdown`,
// untrappably, and its links and monitors fire as on any other death.

#include "otp/actor.hpp"
#include "sigtest.hpp"

#include <map>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace shutdown_test {

class quiet_actor final : public otp::actor {
public:
  explicit quiet_actor(bool* destroyed) : destroyed_(destroyed) {}
  ~quiet_actor() override { *destroyed_ = true; }
  void handle_message(otp::process&, term) override {}

private:
  bool* destroyed_;
};

/// Counts destructions: placed in a coroutine frame, it shows the frame was
/// destroyed.
struct frame_guard {
  int* count;
  ~frame_guard() { ++*count; }
};

std::map<pid, term> reasons(const otp::testkit& tk) {
  std::map<pid, term> out;
  for (auto& [p, r] : tk.exits()) {
    EXPECT_TRUE(out.emplace(p, r).second) << "exited twice: " << to_string(p);
  }
  return out;
}

} // namespace shutdown_test

TEST(Shutdown, EveryLiveProcessEndsWithShutdown) {
  otp::testkit tk;
  bool actor_destroyed = false;
  int frames_destroyed = 0;
  std::vector<pid> live;
  live.push_back(tk.spawn(idle));          // waiting
  live.push_back(tk.spawn(idle_trapping)); // trapping exits
  live.push_back(
      tk.spawn([&frames_destroyed](otp::process& self) -> otp::task<> {
        shutdown_test::frame_guard guard{&frames_destroyed};
        co_await self.receive(30s); // waiting on a timer
      }));
  live.push_back(tk.spawn_actor<shutdown_test::quiet_actor>(&actor_destroyed));
  live.push_back(tk.spawn_probe(true));
  tk.run_until_idle();
  live.push_back(tk.spawn(idle));
  tk.run_until_idle();
  tk.send(live.back(), "wake"_a); // woken, queued to run, not run yet
  live.push_back(tk.spawn(idle)); // spawned, never run
  for (auto& p : live)
    ASSERT_TRUE(tk.is_alive(p));

  tk.shutdown();

  auto r = shutdown_test::reasons(tk);
  for (auto& p : live) {
    EXPECT_FALSE(tk.is_alive(p));
    ASSERT_TRUE(r.contains(p)) << to_string(p);
    EXPECT_EQ(r[p], term{atoms::shutdown}) << to_string(p);
  }
  EXPECT_EQ(tk.process_count(), 0u);
  EXPECT_TRUE(tk.processes().empty());
  EXPECT_EQ(tk.pending_timers(), 0u);
  EXPECT_TRUE(actor_destroyed);
  EXPECT_EQ(frames_destroyed, 1);
}

TEST(Shutdown, LinkedAndMonitoringProcessesAllEndWithShutdown) {
  // Links fire during shutdown, but every process's own reason is shutdown
  // (and a trapping process is not spared).
  otp::testkit tk;
  std::vector<pid> all;
  struct chain {
    std::vector<pid>* out;
    int left;
    otp::task<> operator()(otp::process& self) const {
      self.trap_exit(left % 2 == 0);
      out->push_back(self.self());
      if (left > 0) {
        auto next = self.spawn_link(chain{out, left - 1});
        self.monitor(next);
      }
      co_await self.receive(nothing);
    }
  };
  tk.spawn(chain{&all, 20});
  tk.run_until_idle();
  ASSERT_EQ(all.size(), 21u);
  tk.shutdown();
  auto r = shutdown_test::reasons(tk);
  for (auto& p : all)
    EXPECT_EQ(r[p], term{atoms::shutdown}) << to_string(p);
}

TEST(Shutdown, LinksAndMonitorsFireTowardsProcessesOutsideTheRuntime) {
  // What a dying process's partners hear during shutdown can only be seen
  // by a partner that outlives it: here a process of a second testkit
  // stands for one (pids of local processes work across runtimes).
  otp::testkit outside;
  auto tk = std::make_unique<otp::testkit>();
  auto linked = tk->spawn(idle);
  auto monitored = tk->spawn(idle_trapping);
  tk->run_until_idle();
  ref tag;
  auto observer = outside.spawn(
      [linked, monitored, &tag](otp::process& self) -> otp::task<> {
        self.trap_exit(true);
        self.link(linked);
        tag = self.monitor(monitored);
        co_await self.receive(nothing);
      });
  outside.run_until_idle();
  tk->run_until_idle();
  ASSERT_EQ(tk->info(linked)->links, std::vector<pid>{observer});
  ASSERT_EQ(tk->info(monitored)->monitored_by, std::vector<pid>{observer});

  tk->shutdown();
  outside.run_until_idle();
  EXPECT_EQ(outside.mailbox(observer),
            (std::vector<term>{exit_msg(linked, atoms::shutdown),
                               down_msg(tag, monitored, atoms::shutdown)}));
  tk.reset();
  EXPECT_TRUE(outside.is_alive(observer));
  EXPECT_TRUE(outside.info(observer)->links.empty());
  EXPECT_TRUE(outside.info(observer)->monitors.empty());
}

TEST(Shutdown, IsIdempotentAndRuntimeDestructionShutsDown) {
  bool destroyed = false;
  {
    otp::testkit tk;
    tk.spawn_actor<shutdown_test::quiet_actor>(&destroyed);
    tk.run_until_idle();
    tk.shutdown();
    ASSERT_TRUE(destroyed);
    tk.shutdown();
  }
  destroyed = false;
  {
    otp::testkit tk;
    tk.spawn_actor<shutdown_test::quiet_actor>(&destroyed);
    tk.run_until_idle();
  } // the destructor shuts down
  EXPECT_TRUE(destroyed);
}

TEST(Shutdown, ProcessSpawnedAfterShutdownEndsWithShutdown) {
  otp::testkit tk;
  tk.shutdown();
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  EXPECT_FALSE(tk.is_alive(p));
  EXPECT_EQ(tk.exit_reason(p), term{atoms::shutdown});
}
