// Monitors (SEMANTICS.md §1, rows "monitor" and "spawn variants").
// Expectations checked against Erlang/OTP 25 `erl`.

#include "otp/local_node.hpp"
#include "otp/scoped_mailbox.hpp"
#include "sigtest.hpp"

#include <tuple>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace monitor_test {

/// A process that monitors `target` (into `tag`), then waits, collecting.
pid spawn_watcher(otp::testkit& tk, pid target, ref& tag) {
  return tk.spawn([target, &tag](otp::process& self) -> otp::task<> {
    tag = self.monitor(target);
    co_await self.receive(nothing);
  });
}

pid dead_pid(otp::testkit& tk) {
  auto p = tk.spawn([](otp::process&) -> otp::task<> { co_return; });
  tk.run_until_idle();
  return p;
}

} // namespace monitor_test

TEST(Monitor, DownCarriesTheReason) {
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  ref tag;
  auto watcher = monitor_test::spawn_watcher(tk, target, tag);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(target)->monitored_by, std::vector<pid>{watcher});
  EXPECT_EQ(tk.info(watcher)->monitors, std::vector<pid>{target});
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(watcher),
            (std::vector<term>{down_msg(tag, target, "boom"_a)}));
  EXPECT_TRUE(tk.info(watcher)->monitors.empty());
}

TEST(Monitor, DownOnNormalEndAndOnCrash) {
  otp::testkit tk;
  auto ends = tk.spawn(exit_with_first_message);
  auto crashes = tk.spawn([](otp::process& self) -> otp::task<> {
    co_await self.receive();
    throw std::runtime_error("boom");
  });
  ref t1, t2;
  auto w1 = monitor_test::spawn_watcher(tk, ends, t1);
  auto w2 = monitor_test::spawn_watcher(tk, crashes, t2);
  tk.run_until_idle();
  tk.send(ends, atoms::normal);
  tk.send(crashes, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(w1),
            (std::vector<term>{down_msg(t1, ends, atoms::normal)}));
  auto box = tk.mailbox(w2);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(down_of(t2)(box[0]));
  EXPECT_EQ(box[0][3], term{crashes});
  EXPECT_EQ(to_string(box[0][4]), boom_reason_text());
}

TEST(Monitor, DoesNotLink) {
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  ref tag;
  auto watcher = monitor_test::spawn_watcher(tk, target, tag);
  tk.run_until_idle();
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(watcher));
  EXPECT_TRUE(tk.info(watcher)->links.empty());
}

TEST(Monitor, DeadTargetGivesImmediateNoprocDown) {
  // erl: monitor(process, Dead) -> {'DOWN', Ref, process, Dead, noproc},
  // already in the mailbox when monitor returns.
  otp::testkit tk;
  auto dead = monitor_test::dead_pid(tk);
  ref tag;
  std::optional<term> got;
  tk.spawn([dead, &tag, &got](otp::process& self) -> otp::task<> {
    tag = self.monitor(dead);
    got = co_await self.receive(0ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(got, down_msg(tag, dead, atoms::noproc));
}

TEST(Monitor, ByRegisteredNameNamesTheNameInDown) {
  // erl: monitor(process, gname) then death:
  // {'DOWN', Ref, process, {gname, nonode@nohost}, Reason}.
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  ASSERT_TRUE(tk.register_name("gname"_a, target));
  ref tag;
  auto watcher = tk.spawn([&tag](otp::process& self) -> otp::task<> {
    tag = self.monitor("gname"_a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.info(target)->monitored_by, std::vector<pid>{watcher});
  tk.send(target, "bye"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(watcher),
            (std::vector<term>{
                down_msg(tag, term{"gname"_a, otp::local_node()}, "bye"_a)}));
  EXPECT_EQ(otp::local_node(), atoms::nonode);
}

TEST(Monitor, ByUnregisteredNameGivesImmediateNoprocDown) {
  // erl: monitor(process, nosuchname) ->
  // {'DOWN', Ref, process, {nosuchname, nonode@nohost}, noproc}.
  otp::testkit tk;
  ref tag;
  std::optional<term> got;
  tk.spawn([&tag, &got](otp::process& self) -> otp::task<> {
    tag = self.monitor("nosuchname"_a);
    got = co_await self.receive(0ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(got,
            down_msg(tag, term{"nosuchname"_a, atoms::nonode}, atoms::noproc));
}

TEST(Monitor, EachCallMakesANewRefAndItsOwnDown) {
  // erl: two monitor calls give two refs; process_info(P, monitored_by)
  // lists the watcher twice; each monitor gives its own DOWN.
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  ref a, b;
  auto watcher = tk.spawn([target, &a, &b](otp::process& self) -> otp::task<> {
    a = self.monitor(target);
    b = self.monitor(target);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_NE(a, b);
  EXPECT_EQ(tk.info(target)->monitored_by,
            (std::vector<pid>{watcher, watcher}));
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(watcher),
            (std::vector<term>{down_msg(a, target, "boom"_a),
                               down_msg(b, target, "boom"_a)}));
}

TEST(Monitor, DemonitorStopsIt) {
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  std::optional<bool> was_active;
  auto watcher =
      tk.spawn([target, &was_active](otp::process& self) -> otp::task<> {
        auto tag = self.monitor(target);
        was_active = self.demonitor(tag);
        co_await self.receive(nothing);
      });
  tk.run_until_idle();
  EXPECT_EQ(was_active, true);
  EXPECT_TRUE(tk.info(target)->monitored_by.empty());
  EXPECT_TRUE(tk.info(watcher)->monitors.empty());
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.mailbox(watcher).empty());
}

TEST(Monitor, DemonitorOfUnknownRefReportsInactive) {
  // erl: demonitor(make_ref(), [info]) -> false.
  otp::testkit tk;
  std::optional<bool> result;
  tk.spawn([&result](otp::process& self) -> otp::task<> {
    result = self.demonitor(self.make_ref());
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(result, false);
}

TEST(Monitor, DemonitorDropsADownStillInTransit) {
  // Once demonitor returns, no DOWN for it is placed in the mailbox (erl
  // docs for demonitor/1). A scoped_mailbox takes signals only when it
  // receives, so the target's DOWN is surely still on its way here.
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  tk.run_until_idle();
  otp::scoped_mailbox me{tk};
  auto tag = me.monitor(target);
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  ASSERT_EQ(tk.exit_reason(target), term{"boom"_a});
  EXPECT_TRUE(me.demonitor(tag, otp::flush)); // it had not fired here yet
  EXPECT_EQ(me.receive(0ms), std::nullopt);   // polls: never blocks
}

TEST(Monitor, ScopedMailboxGetsDown) {
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  otp::scoped_mailbox me{tk};
  auto tag = me.monitor(target);
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(me.receive(0ms), down_msg(tag, target, "boom"_a));
}

namespace monitor_test {

/// The watcher of the flush tests: monitors `target`; on `go` it waits
/// (selectively) for `check`, so the target's DOWN arrives in its mailbox
/// first and stays there; then demonitors with or without flush.
struct flush_watcher {
  pid target;
  bool flush;
  std::optional<bool>* result;
  std::vector<term>* left; ///< the mailbox after demonitor, by polling
  otp::task<> operator()(otp::process& self) const {
    auto tag = self.monitor(target);
    co_await self.receive(equals("check"_a));
    *result = flush ? self.demonitor(tag, otp::flush) : self.demonitor(tag);
    while (auto m = co_await self.receive(0ms))
      left->push_back(*m);
    co_await self.receive(nothing);
  }
};

} // namespace monitor_test

TEST(Monitor, DemonitorWithFlushRemovesADownAlreadyInTheMailbox) {
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  std::optional<bool> result;
  std::vector<term> left;
  auto watcher =
      tk.spawn(monitor_test::flush_watcher{target, true, &result, &left});
  tk.run_until_idle();
  tk.send(watcher, "other"_a);
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  ASSERT_EQ(count_downs(tk.mailbox(watcher)), 1u); // taken, not consumed
  tk.send(watcher, "check"_a);
  tk.run_until_idle();
  EXPECT_EQ(result, false); // the monitor had fired already
  EXPECT_EQ(left, std::vector<term>{"other"_a});
}

TEST(Monitor, DemonitorWithoutFlushLeavesADownAlreadyInTheMailbox) {
  // erl docs: without flush, a DOWN placed in the mailbox before the call
  // stays there.
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  std::optional<bool> result;
  std::vector<term> left;
  auto watcher =
      tk.spawn(monitor_test::flush_watcher{target, false, &result, &left});
  tk.run_until_idle();
  tk.send(watcher, "other"_a);
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  tk.send(watcher, "check"_a);
  tk.run_until_idle();
  EXPECT_EQ(result, false);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0], term{"other"_a});
  EXPECT_TRUE(is_down(left[1]));
}

TEST(Monitor, DemonitorWithFlushOfNoprocDown) {
  // The immediate noproc DOWN of a dead target is flushed too.
  otp::testkit tk;
  auto dead = monitor_test::dead_pid(tk);
  std::optional<term> got;
  tk.spawn([dead, &got](otp::process& self) -> otp::task<> {
    auto tag = self.monitor(dead);
    self.demonitor(tag, otp::flush);
    got = co_await self.receive(0ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(got, std::nullopt);
}

TEST(Monitor, SpawnMonitorMonitorsBeforeTheChildRuns) {
  otp::testkit tk;
  pid child;
  ref tag;
  auto parent = tk.spawn([&child, &tag](otp::process& self) -> otp::task<> {
    std::tie(child, tag) = self.spawn_monitor(exit_with_first_message);
    co_await self.receive(nothing);
  });
  ASSERT_TRUE(tk.run_once());
  EXPECT_EQ(tk.info(child)->monitored_by, std::vector<pid>{parent});
  EXPECT_EQ(tk.info(parent)->monitors, std::vector<pid>{child});
  EXPECT_TRUE(tk.info(child)->links.empty());
  tk.run_until_idle();
  tk.send(child, "bye"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(parent),
            (std::vector<term>{down_msg(tag, child, "bye"_a)}));
  EXPECT_TRUE(tk.is_alive(parent));
}

TEST(Monitor, SpawnMonitorOfChildCrashingAtOnceGivesItsReasonNotNoproc) {
  otp::testkit tk;
  pid child;
  ref tag;
  auto parent = tk.spawn([&child, &tag](otp::process& self) -> otp::task<> {
    std::tie(child, tag) = self.spawn_monitor(crash_at_once);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  auto box = tk.mailbox(parent);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(down_of(tag)(box[0]));
  EXPECT_EQ(box[0][3], term{child});
  EXPECT_EQ(to_string(box[0][4]), boom_reason_text());
}

TEST(Monitor, MessagesSentBeforeDeathArriveBeforeTheDown) {
  // Signals from one process to another keep their order: the message a
  // process sent before dying is ahead of its DOWN.
  otp::testkit tk;
  ref tag;
  pid watcher;
  auto target = tk.spawn([&watcher](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    self.send(watcher, "last_words"_a);
    self.exit("bye"_a);
  });
  watcher = monitor_test::spawn_watcher(tk, target, tag);
  tk.run_until_idle();
  tk.send(target, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(
      tk.mailbox(watcher),
      (std::vector<term>{"last_words"_a, down_msg(tag, target, "bye"_a)}));
}

TEST(Monitor, NoprocDownComesAfterMessagesTheDeadTargetSentFirst) {
  // erl: T sends last_words to W and dies; W then monitors T: W receives
  // last_words before the noproc DOWN (signals from one process to another
  // keep their order, the DOWN on the dead target's behalf included).
  // A scoped_mailbox takes signals only when it receives, so last_words is
  // surely still on its way when monitor finds the target dead.
  otp::testkit tk;
  otp::scoped_mailbox me{tk};
  auto target = tk.spawn([to = me.self()](otp::process& self) -> otp::task<> {
    self.send(to, "last_words"_a);
    co_return;
  });
  tk.run_until_idle();
  ASSERT_FALSE(tk.is_alive(target));
  auto tag = me.monitor(target);
  EXPECT_EQ(me.receive(0ms), term{"last_words"_a});
  EXPECT_EQ(me.receive(0ms), down_msg(tag, target, atoms::noproc));
}

TEST(Monitor, WatchersComeAndGoInAnyOrder) {
  // A process keeps its first watcher in its control block and the others
  // in a table: demonitoring either kind, and monitoring again after, must
  // still give exactly the active watchers their DOWNs.
  otp::testkit tk;
  auto target = tk.spawn(exit_with_first_message);
  ref t1, t2, t3;
  auto watch_then_drop = [target](ref& tag) {
    return [target, &tag](otp::process& self) -> otp::task<> {
      tag = self.monitor(target);
      const auto drop = equals("drop"_a); // not built inside the co_await
      co_await self.receive(drop);
      (void)self.demonitor(tag);
      co_await self.receive(nothing);
    };
  };
  auto w1 = tk.spawn(watch_then_drop(t1)); // the inline slot
  auto w2 = tk.spawn(watch_then_drop(t2)); // the table
  tk.run_until_idle();
  EXPECT_EQ(tk.info(target)->monitored_by, (std::vector<pid>{w1, w2}));
  tk.send(w1, "drop"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(target)->monitored_by, std::vector<pid>{w2});
  auto w3 = tk.spawn(watch_then_drop(t3)); // takes the freed slot
  tk.run_until_idle();
  tk.send(w2, "drop"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(target)->monitored_by, std::vector<pid>{w3});
  tk.send(target, "boom"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.mailbox(w1).empty());
  EXPECT_TRUE(tk.mailbox(w2).empty());
  EXPECT_EQ(tk.mailbox(w3),
            (std::vector<term>{down_msg(t3, target, "boom"_a)}));
}

TEST(Monitor, SpawnMonitorDownMatchesByPattern) {
  // The DOWN of a spawn_monitor waits in the queue unboxed; a selective
  // receive that skips other messages must still see its full tuple.
  otp::testkit tk;
  term got;
  pid child;
  ref tag;
  auto parent =
      tk.spawn([&got, &child, &tag](otp::process& self) -> otp::task<> {
        std::tie(child, tag) = self.spawn_monitor(exit_with_first_message);
        self.send(child, "bye"_a);
        self.send(self.self(), "other"_a);
        const auto down = down_of(tag); // not built inside the co_await
        got = co_await self.receive(down);
        co_await self.receive(nothing);
      });
  tk.run_until_idle();
  EXPECT_EQ(got, down_msg(tag, child, "bye"_a));
  EXPECT_EQ(tk.mailbox(parent), std::vector<term>{"other"_a});
}

TEST(Monitor, ManyMonitorsEachFireOnceUnlessDemonitored) {
  // Past a few monitors the watcher's table hashes its refs (by their
  // counter); every monitor still fires once, a demonitored one never, and
  // a ref it never made (another node's, one with the same counter words
  // but not this run's) finds nothing.
  otp::testkit tk;
  constexpr std::size_t n = 40;
  std::vector<pid> targets;
  for (std::size_t i = 0; i < n; ++i)
    targets.push_back(tk.spawn(exit_with_first_message));
  std::vector<ref> tags;
  int foreign_found = 0;
  auto watcher = tk.spawn([&](otp::process& self) -> otp::task<> {
    for (auto& t : targets)
      tags.push_back(self.monitor(t));
    for (std::size_t i = 0; i < n; i += 2)
      (void)self.demonitor(tags[i]);
    const ref& kept = tags[1];
    const std::uint32_t words[] = {
        static_cast<std::uint32_t>(kept.counter()),
        static_cast<std::uint32_t>(kept.counter() >> 32), kept.words()[2] + 1};
    foreign_found += self.demonitor(ref::remote("other@host"_a, 1, words));
    foreign_found += self.demonitor(ref::remote(otp::atom{}, 0, words));
    foreign_found += self.demonitor(ref{});
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(foreign_found, 0);
  EXPECT_EQ(tk.info(watcher)->monitors.size(), n / 2);
  for (auto& t : targets)
    tk.send(t, "boom"_a);
  tk.run_until_idle();
  auto got = tk.mailbox(watcher);
  ASSERT_EQ(got.size(), n / 2);
  for (std::size_t i = 1; i < n; i += 2)
    EXPECT_EQ(count(got, equals(down_msg(tags[i], targets[i], "boom"_a))), 1u)
        << i;
  EXPECT_TRUE(tk.info(watcher)->monitors.empty());
}

TEST(Monitor, RefsFromMakeAreTheirCounterAlone) {
  auto r = ref::make();
  EXPECT_TRUE(r.is_counter());
  EXPECT_TRUE(ref::local_from_counter(r.counter()).is_counter());
  EXPECT_EQ(ref::local_from_counter(r.counter()), r);
  EXPECT_FALSE(ref{}.is_counter());
  const std::uint32_t words[] = {1, 2, r.words()[2]};
  EXPECT_FALSE(ref::remote("other@host"_a, 1, words).is_counter());
  const std::uint32_t other_salt[] = {1, 2, r.words()[2] + 1};
  EXPECT_FALSE(ref::remote(otp::atom{}, 0, other_salt).is_counter());
}
