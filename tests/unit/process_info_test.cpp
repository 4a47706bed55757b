// Introspection (SEMANTICS.md §1, row "introspection"). Expectations
// checked against Erlang/OTP 25 `erl +S 1`: a spawned process that has not
// run yet is `runnable`, one blocked in receive is `waiting`, a process
// asking about itself is `running`; monitored_by lists a watcher once per
// monitor; registered_name is [] (here '') when there is none.

#include "sigtest.hpp"

#include <algorithm>
#include <set>
#include <string>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

TEST(ProcessInfo, DeadProcessHasNoInfo) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process&) -> otp::task<> { co_return; });
  tk.run_until_idle();
  EXPECT_EQ(tk.info(p), std::nullopt);
  EXPECT_EQ(tk.info(pid{}), std::nullopt);
}

TEST(ProcessInfo, SelfAndInitialCall) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  auto info = tk.info(p);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->self, p);
  EXPECT_FALSE(info->initial_call.empty());
  EXPECT_GT(info->memory, 0u);
}

TEST(ProcessInfo, StatusOfAProcessNotRunYetIsRunnable) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  EXPECT_EQ(tk.info(p)->status, atoms::runnable);
}

TEST(ProcessInfo, StatusWhileBlockedInReceiveIsWaiting) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(p)->status, atoms::waiting);
}

TEST(ProcessInfo, StatusOfAWokenProcessIsRunnable) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  tk.send(p, "wake"_a); // queued to run, not run yet
  EXPECT_EQ(tk.info(p)->status, atoms::runnable);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(p)->status, atoms::waiting);
}

TEST(ProcessInfo, StatusSeenByItselfIsRunning) {
  otp::testkit tk;
  std::optional<otp::atom> seen;
  tk.spawn([&tk, &seen](otp::process& self) -> otp::task<> {
    seen = tk.info(self.self())->status;
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(seen, atoms::running);
}

TEST(ProcessInfo, MessageQueueLenCountsMessagesWaitingInTheMailbox) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    co_await self.receive();
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.info(p)->message_queue_len, 0u);
  for (int i = 0; i < 3; ++i)
    tk.send(p, i);
  tk.run_until_idle(); // taken into the mailbox by the selective receive
  EXPECT_EQ(tk.info(p)->message_queue_len, 3u);
  tk.send(p, "go"_a);
  tk.run_until_idle(); // go and one more consumed
  EXPECT_EQ(tk.info(p)->message_queue_len, 2u);
}

TEST(ProcessInfo, LinksMonitorsAndMonitoredBy) {
  otp::testkit tk;
  auto a = tk.spawn(idle);
  auto b = tk.spawn(idle);
  auto c = tk.spawn([a, b](otp::process& self) -> otp::task<> {
    self.link(a);
    self.monitor(b);
    self.monitor(b);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  auto ic = *tk.info(c);
  EXPECT_EQ(ic.links, std::vector<pid>{a});
  EXPECT_EQ(ic.monitors, (std::vector<pid>{b, b}));
  EXPECT_TRUE(ic.monitored_by.empty());
  EXPECT_EQ(tk.info(a)->links, std::vector<pid>{c});
  EXPECT_TRUE(tk.info(a)->monitored_by.empty());
  EXPECT_EQ(tk.info(b)->monitored_by, (std::vector<pid>{c, c}));
  EXPECT_TRUE(tk.info(b)->links.empty());
}

TEST(ProcessInfo, LinksAndMonitorsGoWhenPartnersDie) {
  otp::testkit tk;
  auto a = tk.spawn(exit_with_first_message);
  auto b = tk.spawn(exit_with_first_message);
  auto c = tk.spawn([a, b](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    self.link(a);
    self.monitor(b);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(a, "boom"_a);
  tk.send(b, "boom"_a);
  tk.run_until_idle();
  auto ic = *tk.info(c);
  EXPECT_TRUE(ic.links.empty());
  EXPECT_TRUE(ic.monitors.empty());
}

TEST(ProcessInfo, TrapExit) {
  otp::testkit tk;
  auto plain = tk.spawn(idle);
  auto trapper = tk.spawn(idle_trapping);
  tk.run_until_idle();
  EXPECT_FALSE(tk.info(plain)->trap_exit);
  EXPECT_TRUE(tk.info(trapper)->trap_exit);
}

TEST(ProcessInfo, RegisteredName) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  EXPECT_EQ(tk.info(p)->registered_name, atoms::empty);
  ASSERT_TRUE(tk.register_name("info_named"_a, p));
  EXPECT_EQ(tk.info(p)->registered_name, "info_named"_a);
}

TEST(ProcessInfo, ProcessesListsEveryLiveProcess) {
  otp::testkit tk;
  auto a = tk.spawn(idle);
  auto b = tk.spawn(exit_with_first_message);
  auto c = tk.spawn(idle);
  tk.run_until_idle();
  auto all = tk.processes();
  EXPECT_TRUE(contains(all, a));
  EXPECT_TRUE(contains(all, b));
  EXPECT_TRUE(contains(all, c));
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(tk.process_count(), 3u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  tk.send(b, "bye"_a);
  tk.run_until_idle();
  all = tk.processes();
  EXPECT_FALSE(contains(all, b));
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(tk.process_count(), 2u);
}

TEST(ProcessInfo, MessageQueueLenCountsMessagesNotYetTaken) {
  // erl: P ! a, P ! b, process_info(P, message_queue_len) -> 2 at once,
  // even before P runs; then 0 once P has received them.
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    (void)co_await self.receive();
    (void)co_await self.receive();
    co_await self.receive([](const term&) { return false; });
  });
  tk.run_until_idle();
  tk.send(p, "a"_a);
  tk.send(p, "b"_a);
  ASSERT_TRUE(tk.info(p));
  EXPECT_EQ(tk.info(p)->message_queue_len, 2u); // not yet taken
  tk.run_until_idle();
  EXPECT_EQ(tk.info(p)->message_queue_len, 0u);
  tk.send(p, "c"_a);
  tk.run_until_idle(); // taken into the queue, not received
  EXPECT_EQ(tk.info(p)->message_queue_len, 1u);
}

// -- identity (SEMANTICS.md §1, row "identity")
// --------------------------------

TEST(ProcessIdentity, SelfIsThePidSpawnReturned) {
  otp::testkit tk;
  pid seen;
  auto p = tk.spawn([&seen](otp::process& self) -> otp::task<> {
    seen = self.self();
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(seen, p);
  EXPECT_EQ(tk.exit_reason(seen), term{atoms::normal});
}

TEST(ProcessIdentity, PidsAreNeverReusedWhileHeld) {
  otp::testkit tk;
  std::vector<pid> held;
  std::set<std::string> printed;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i)
      held.push_back(tk.spawn([](otp::process&) -> otp::task<> { co_return; }));
    tk.run_until_idle(); // all of this round have ended
  }
  for (auto& p : held)
    EXPECT_TRUE(printed.insert(to_string(p)).second) << to_string(p);
  std::set<pid> distinct(held.begin(), held.end());
  EXPECT_EQ(distinct.size(), held.size());
  auto fresh = tk.spawn(idle);
  EXPECT_FALSE(distinct.contains(fresh));
  EXPECT_FALSE(printed.contains(to_string(fresh)));
}

TEST(ProcessIdentity, RefsAreUnique) {
  otp::testkit tk;
  std::set<otp::ref> refs;
  tk.spawn([&refs](otp::process& self) -> otp::task<> {
    for (int i = 0; i < 10'000; ++i)
      refs.insert(self.make_ref());
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(refs.size(), 10'000u);
}
