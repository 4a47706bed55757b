// Timers (SEMANTICS.md §1, row "timers"), on the testkit's virtual clock.
// Expectations checked against Erlang/OTP 25 `erl`: start_timer delivers
// {timeout, TRef, Msg}; cancel_timer returns the time left, or false once
// the timer fired; a timer whose destination is a pid is cancelled when that
// process ends (cancel_timer then returns false), whoever started it.

#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace timer_test {

/// Runs `f(self)` once in a new process, then waits (collecting).
template <class F>
pid run_in_process(otp::testkit& tk, F f) {
  return tk.spawn([f](otp::process& self) -> otp::task<> {
    f(self);
    co_await self.receive(nothing);
  });
}

} // namespace timer_test

TEST(Timer, SendAfterDeliversWhenTheDelayHasPassed) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  timer_test::run_in_process(tk, [probe](otp::process& self) {
    self.send_after(100ms, probe, "ding"_a);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 1u);
  tk.advance_time(99ms);
  EXPECT_TRUE(tk.mailbox(probe).empty());
  EXPECT_EQ(tk.advance_time(1ms), 1u);
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"ding"_a});
  EXPECT_EQ(tk.pending_timers(), 0u);
}

TEST(Timer, TimersFireInDeadlineOrder) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  timer_test::run_in_process(tk, [probe](otp::process& self) {
    self.send_after(30ms, probe, 3);
    self.send_after(10ms, probe, 1);
    self.send_after(20ms, probe, 2);
  });
  tk.run_until_idle();
  tk.advance_time(50ms);
  EXPECT_EQ(tk.mailbox(probe), (std::vector<term>{1, 2, 3}));
}

TEST(Timer, SendAfterToANameLooksItUpWhenFiring) {
  // erl: a timer to an atom resolves the name at delivery; no process by
  // that name then: the message is dropped, no error.
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  timer_test::run_in_process(tk, [](otp::process& self) {
    self.send_after(10ms, "timer_dest"_a, "early"_a);
    self.send_after(20ms, "timer_dest"_a, "late"_a);
  });
  tk.run_until_idle();
  tk.advance_time(10ms); // nobody has the name yet: dropped
  ASSERT_TRUE(tk.register_name("timer_dest"_a, probe));
  tk.advance_time(10ms);
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"late"_a});
}

TEST(Timer, StartTimerDeliversTimeoutTuple) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  ref tag;
  timer_test::run_in_process(tk, [probe, &tag](otp::process& self) {
    tag = self.start_timer(50ms, probe, "tick"_a);
  });
  tk.run_until_idle();
  tk.advance_time(50ms);
  EXPECT_EQ(tk.mailbox(probe),
            (std::vector<term>{term{atoms::timeout, tag, "tick"_a}}));
}

TEST(Timer, EachTimerHasItsOwnRef) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  ref a, b;
  timer_test::run_in_process(tk, [probe, &a, &b](otp::process& self) {
    a = self.start_timer(10ms, probe, "x"_a);
    b = self.start_timer(10ms, probe, "x"_a);
  });
  tk.run_until_idle();
  EXPECT_NE(a, b);
  tk.advance_time(10ms);
  EXPECT_EQ(tk.mailbox(probe),
            (std::vector<term>{term{atoms::timeout, a, "x"_a},
                               term{atoms::timeout, b, "x"_a}}));
}

TEST(Timer, CancelTimerReturnsTheTimeLeft) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  ref tag;
  std::optional<std::chrono::milliseconds> left;
  auto p = tk.spawn([probe, &tag, &left](otp::process& self) -> otp::task<> {
    tag = self.send_after(100ms, probe, "ding"_a);
    co_await self.receive(equals("cancel"_a));
    left = self.cancel_timer(tag);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.advance_time(30ms);
  tk.send(p, "cancel"_a);
  tk.run_until_idle();
  EXPECT_EQ(left, std::chrono::milliseconds{70});
  EXPECT_EQ(tk.pending_timers(), 0u);
  tk.advance_time(1s);
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(Timer, CancelTimerAfterFiringOrTwiceGivesNothing) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  std::vector<std::optional<std::chrono::milliseconds>> results;
  auto p = tk.spawn([probe, &results](otp::process& self) -> otp::task<> {
    auto fired = self.send_after(10ms, probe, "ding"_a);
    auto cancelled = self.send_after(100ms, probe, "dong"_a);
    co_await self.receive(equals("check"_a));
    results.push_back(self.cancel_timer(fired));
    results.push_back(self.cancel_timer(cancelled));
    results.push_back(self.cancel_timer(cancelled));
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.advance_time(10ms);
  tk.send(p, "check"_a);
  tk.run_until_idle();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], std::nullopt);
  EXPECT_EQ(results[1], std::chrono::milliseconds{90});
  EXPECT_EQ(results[2], std::nullopt);
}

TEST(Timer, ProcessTimersToItselfDieWithIt) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    self.send_after(100ms, self.self(), "a"_a);
    self.start_timer(200ms, self.self(), "b"_a);
    co_await self.receive(equals("stop"_a));
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 2u);
  tk.send(p, "stop"_a);
  tk.run_until_idle();
  ASSERT_FALSE(tk.is_alive(p));
  EXPECT_EQ(tk.pending_timers(), 0u);
}

TEST(Timer, ProcessTimersToItselfDieWhenItIsKilled) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    self.send_after(100ms, self.self(), "a"_a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  ASSERT_EQ(tk.pending_timers(), 1u);
  tk.inject_exit(p, atoms::kill);
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 0u);
}

TEST(Timer, TimerToAnotherPidDiesWithThatProcess) {
  // erl: T = erlang:send_after(10000, P, hi), exit(P, kill), then
  // erlang:cancel_timer(T) -> false: the timer went with its destination.
  otp::testkit tk;
  auto dest = tk.spawn(idle);
  std::optional<std::chrono::milliseconds> left{std::chrono::milliseconds{-1}};
  auto starter = tk.spawn([dest, &left](otp::process& self) -> otp::task<> {
    auto tag = self.send_after(10s, dest, "hi"_a);
    co_await self.receive(equals("check"_a));
    left = self.cancel_timer(tag);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  ASSERT_EQ(tk.pending_timers(), 1u);
  tk.inject_exit(dest, atoms::kill);
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 0u);
  tk.send(starter, "check"_a);
  tk.run_until_idle();
  EXPECT_EQ(left, std::nullopt);
}

TEST(Timer, TimerToADeadPidIsNotKept) {
  // erl: erlang:send_after(10000, Dead, hi) then cancel_timer -> false.
  otp::testkit tk;
  auto dead = tk.spawn([](otp::process&) -> otp::task<> { co_return; });
  tk.run_until_idle();
  std::optional<std::chrono::milliseconds> left{std::chrono::milliseconds{-1}};
  tk.spawn([dead, &left](otp::process& self) -> otp::task<> {
    auto tag = self.send_after(10s, dead, "hi"_a);
    left = self.cancel_timer(tag);
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(left, std::nullopt);
  EXPECT_EQ(tk.pending_timers(), 0u);
}

TEST(Timer, TimersOfAStarterOutliveItWhenSentElsewhere) {
  // The timer belongs to its destination: its starter ending changes
  // nothing (erl: send_after from a process that then exits still fires).
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  auto starter = tk.spawn([probe](otp::process& self) -> otp::task<> {
    self.send_after(100ms, probe, "still_here"_a);
    co_return;
  });
  tk.run_until_idle();
  ASSERT_FALSE(tk.is_alive(starter));
  tk.advance_time(100ms);
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"still_here"_a});
}

TEST(Timer, TimerMessageToSelfIsReceived) {
  otp::testkit tk;
  std::optional<term> got;
  tk.spawn([&got](otp::process& self) -> otp::task<> {
    auto tag = self.start_timer(20ms, self.self(), "wake"_a);
    auto m = co_await self.receive();
    if (m == term{atoms::timeout, tag, "wake"_a})
      got = m;
  });
  tk.run_until_idle();
  tk.advance_time(20ms);
  EXPECT_TRUE(got);
  EXPECT_EQ(tk.pending_timers(), 0u);
}
