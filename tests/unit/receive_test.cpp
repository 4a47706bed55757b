// Mailbox and receive (SEMANTICS.md §1, rows "mailbox" and "ordering"), with
// the testkit's virtual time for timeouts.

#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace receive_test {

/// Records every message it receives, in order.
struct recorder {
  std::vector<term>* out;
  otp::task<> operator()(otp::process& self) const {
    for (;;)
      out->push_back(co_await self.receive());
  }
};

bool is_tagged(const term& m, otp::atom tag) {
  return m.is_tuple() && m.size() == 2 && m[0] == term{tag};
}

} // namespace receive_test

TEST(Receive, TakesMessagesInArrivalOrder) {
  otp::testkit tk;
  std::vector<term> got;
  auto p = tk.spawn(receive_test::recorder{&got});
  for (int i = 0; i < 5; ++i)
    tk.send(p, i);
  tk.run_until_idle();
  EXPECT_EQ(got, (std::vector<term>{0, 1, 2, 3, 4}));
}

TEST(Receive, SelectiveReceiveLeavesTheOthersInOrder) {
  otp::testkit tk;
  std::vector<term> got;
  auto p = tk.spawn([&got](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    got.push_back(co_await self.receive(equals("c"_a)));
    for (int i = 0; i < 4; ++i)
      got.push_back(co_await self.receive());
  });
  for (auto m : {"a"_a, "b"_a, "c"_a, "d"_a, "e"_a})
    tk.send(p, m);
  tk.run_until_idle();
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(tk.mailbox(p).size(), 5u); // all waiting, none taken
  tk.send(p, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(got, (std::vector<term>{"c"_a, "a"_a, "b"_a, "d"_a, "e"_a}));
}

TEST(Receive, SelectiveReceiveWaitsForALaterMatch) {
  otp::testkit tk;
  std::vector<term> got;
  auto p = tk.spawn([&got](otp::process& self) -> otp::task<> {
    got.push_back(co_await self.receive(
        [](const term& m) { return receive_test::is_tagged(m, "reply"_a); }));
    got.push_back(co_await self.receive());
  });
  tk.send(p, "noise"_a);
  tk.run_until_idle();
  EXPECT_TRUE(got.empty());
  tk.send(p, term{"reply"_a, 42});
  tk.run_until_idle();
  EXPECT_EQ(got, (std::vector<term>{term{"reply"_a, 42}, "noise"_a}));
}

TEST(Receive, RescansFromTheFirstMessageAfterEachReceive) {
  // A message skipped by one selective receive is seen by the next one.
  otp::testkit tk;
  std::vector<term> got;
  auto p = tk.spawn([&got](otp::process& self) -> otp::task<> {
    got.push_back(co_await self.receive(equals("b"_a)));
    got.push_back(co_await self.receive(equals("a"_a)));
  });
  tk.send(p, "a"_a);
  tk.run_until_idle();
  tk.send(p, "b"_a);
  tk.run_until_idle();
  EXPECT_EQ(got, (std::vector<term>{"b"_a, "a"_a}));
  EXPECT_EQ(tk.exit_reason(p), term{atoms::normal});
}

TEST(Receive, TimeoutFiresExactlyWhenVirtualTimeCrossesIt) {
  otp::testkit tk;
  std::optional<std::optional<term>> result;
  tk.spawn([&result](otp::process& self) -> otp::task<> {
    result = co_await self.receive(equals("never"_a), 100ms);
  });
  tk.run_until_idle();
  EXPECT_FALSE(result);
  EXPECT_EQ(tk.pending_timers(), 1u);
  tk.advance_time(99ms);
  EXPECT_FALSE(result) << "fired early, at " << tk.now_ms() << " ms";
  tk.advance_time(1ms);
  ASSERT_TRUE(result) << "not fired at " << tk.now_ms() << " ms";
  EXPECT_EQ(*result, std::nullopt);
  EXPECT_EQ(tk.pending_timers(), 0u);
}

TEST(Receive, NonMatchingMessagesDoNotEndATimedReceive) {
  otp::testkit tk;
  std::optional<std::optional<term>> result;
  auto p = tk.spawn([&result](otp::process& self) -> otp::task<> {
    result = co_await self.receive(equals("wanted"_a), 100ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.advance_time(50ms);
  tk.send(p, "other"_a);
  tk.run_until_idle();
  EXPECT_FALSE(result);
  tk.advance_time(49ms);
  EXPECT_FALSE(result);
  tk.advance_time(1ms);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, std::nullopt);
  EXPECT_EQ(tk.mailbox(p), std::vector<term>{"other"_a});
}

TEST(Receive, MatchBeforeTheTimeoutWinsAndTheTimerNeverEndsALaterReceive) {
  otp::testkit tk;
  std::optional<std::optional<term>> result;
  auto p = tk.spawn([&result](otp::process& self) -> otp::task<> {
    result = co_await self.receive(equals("wanted"_a), 100ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.advance_time(99ms);
  tk.send(p, "wanted"_a);
  tk.run_until_idle();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, term{"wanted"_a});
  // The timer is left armed for a later receive to reuse (a loop of
  // receives with timeouts starts no timer each time); when it fires, the
  // receive that waits forever goes on waiting.
  tk.advance_time(1ms);
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 0u);
  EXPECT_FALSE(tk.exit_reason(p));
}

TEST(Receive, AReusedTimerFiringEarlyWaitsForTheRest) {
  otp::testkit tk;
  std::vector<std::optional<term>> results;
  auto p = tk.spawn([&results](otp::process& self) -> otp::task<> {
    results.push_back(co_await self.receive(100ms)); // arms a timer at t=100
    results.push_back(co_await self.receive(100ms)); // reuses it, due t=150
  });
  tk.run_until_idle();
  tk.advance_time(50ms);
  tk.send(p, "first"_a);
  tk.run_until_idle();
  ASSERT_EQ(results.size(), 1u);
  tk.advance_time(50ms); // t=100: the old timer fires, too early
  EXPECT_EQ(results.size(), 1u);
  tk.advance_time(49ms);
  EXPECT_EQ(results.size(), 1u);
  tk.advance_time(1ms); // t=150
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1], std::nullopt);
}

TEST(Receive, StaleTimeoutDoesNotEndALaterReceive) {
  // The message and the timeout of a receive arrive together: the message
  // wins, and the spent timeout must not end the next receive early.
  otp::testkit tk;
  std::vector<std::optional<term>> results;
  auto p = tk.spawn([&results](otp::process& self) -> otp::task<> {
    results.push_back(co_await self.receive(100ms));
    results.push_back(co_await self.receive(100ms));
  });
  tk.run_until_idle();
  tk.advance_time(99ms);
  tk.send(p, "first"_a); // queued, not yet run ...
  tk.advance_time(1ms);  // ... when the first timeout fires (t=100)
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0], term{"first"_a});
  tk.advance_time(99ms); // t=199
  ASSERT_EQ(results.size(), 1u) << "the second receive ended early";
  tk.advance_time(1ms); // t=200
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1], std::nullopt);
}

TEST(Receive, ZeroTimeoutPolls) {
  // `after 0`: take a matching message if one is there, else nullopt, with
  // no waiting and no timer.
  otp::testkit tk;
  std::vector<std::optional<term>> results;
  auto p = tk.spawn([&results](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    results.push_back(co_await self.receive(equals("x"_a), 0ms));
    results.push_back(co_await self.receive(equals("y"_a), 0ms));
    results.push_back(co_await self.receive(0ms));
    results.push_back(co_await self.receive(0ms));
  });
  tk.send(p, "y"_a);
  tk.send(p, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.pending_timers(), 0u);
  EXPECT_EQ(tk.now_ms(), 0u);
  EXPECT_EQ(results,
            (std::vector<std::optional<term>>{std::nullopt, term{"y"_a},
                                              std::nullopt, std::nullopt}));
  EXPECT_EQ(tk.exit_reason(p), term{atoms::normal});
}

TEST(Receive, ZeroTimeoutSeesMessagesSentBeforeThePoll) {
  // A message already sent (in the inbox, not yet taken) is seen by a poll.
  otp::testkit tk;
  std::optional<term> got;
  tk.spawn([&got](otp::process& self) -> otp::task<> {
    self.send(self.self(), "to_self"_a);
    got = co_await self.receive(0ms);
  });
  tk.run_until_idle();
  EXPECT_EQ(got, term{"to_self"_a});
}

TEST(Receive, ReceiveWithoutTimeoutWaitsAcrossTime) {
  otp::testkit tk;
  std::optional<term> got;
  auto p = tk.spawn([&got](otp::process& self) -> otp::task<> {
    got = co_await self.receive();
  });
  tk.run_until_idle();
  tk.advance_time(std::chrono::hours{24});
  EXPECT_FALSE(got);
  EXPECT_TRUE(tk.is_alive(p));
  EXPECT_EQ(tk.pending_timers(), 0u);
  tk.send(p, "late"_a);
  tk.run_until_idle();
  EXPECT_EQ(got, term{"late"_a});
}

TEST(Receive, OrderPerSenderPairIsKept) {
  // Two senders interleaving: each one's messages arrive in its order.
  otp::testkit tk;
  std::vector<term> got;
  auto r = tk.spawn(receive_test::recorder{&got});
  auto sender = [r](otp::process& self, otp::atom name) -> otp::task<> {
    for (int i = 0; i < 100; ++i) {
      self.send(r, term{name, i});
      if (i % 7 == 0)
        co_await self.yield();
    }
  };
  tk.spawn(sender, "s1"_a);
  tk.spawn(sender, "s2"_a);
  tk.run_until_idle();
  ASSERT_EQ(got.size(), 200u);
  std::int64_t next1 = 0, next2 = 0;
  for (auto& m : got) {
    auto& next = m[0] == term{"s1"_a} ? next1 : next2;
    EXPECT_EQ(m[1].as_int(), next);
    next = m[1].as_int() + 1;
  }
  EXPECT_EQ(next1, 100);
  EXPECT_EQ(next2, 100);
}

TEST(Receive, MessagesAndExitSignalsFromOneSenderKeepTheirOrder) {
  // Signals of every kind from one process to another arrive in the order
  // sent: message, exit signal, message.
  otp::testkit tk;
  auto trapper = tk.spawn_probe(/*trap_exit=*/true);
  auto sender = tk.spawn([trapper](otp::process& self) -> otp::task<> {
    self.send(trapper, 1);
    self.exit(trapper, "boom"_a);
    self.send(trapper, 2);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(trapper),
            (std::vector<term>{1, exit_msg(sender, "boom"_a), 2}));
}

TEST(Receive, NestedTaskReceiveSuspendsTheProcess) {
  otp::testkit tk;
  std::optional<term> got;
  auto helper = [](otp::process& self) -> otp::task<term> {
    auto m = co_await self.receive(equals("inner"_a));
    co_return term{"wrapped"_a, m};
  };
  auto p = tk.spawn([&got, helper](otp::process& self) -> otp::task<> {
    got = co_await helper(self);
  });
  tk.run_until_idle();
  EXPECT_FALSE(got);
  tk.send(p, "inner"_a);
  tk.run_until_idle();
  EXPECT_EQ(got, (term{"wrapped"_a, "inner"_a}));
}

TEST(Receive, BusyReceiverDoesNotStarveOthers) {
  // A process with a long queue yields after a budget of messages, so a
  // process queued behind it runs before the whole queue is consumed.
  otp::testkit tk;
  std::vector<term> got;
  bool other_ran = false;
  std::size_t consumed_when_other_ran = 0;
  auto busy = tk.spawn(receive_test::recorder{&got});
  for (int i = 0; i < 5000; ++i)
    tk.send(busy, i);
  tk.spawn([&](otp::process&) -> otp::task<> {
    other_ran = true;
    consumed_when_other_ran = got.size();
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(got.size(), 5000u);
  EXPECT_TRUE(other_ran);
  EXPECT_LT(consumed_when_other_ran, 5000u);
}
