// Crash isolation (SEMANTICS.md §1, rows "exception in process code" and
// "process death"): an exception ends only the process that threw it, with
// a reason naming the exception's type and message; everyone linked to or
// monitoring it is told exactly once; the runtime goes on.

#include "otp/actor.hpp"
#include "otp/logger.hpp"
#include "sigtest.hpp"

#include <map>
#include <set>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace crash_isolation_test {

struct custom_error {
  int code;
};

otp::task<> throws_on_message(otp::process& self) {
  co_await self.receive();
  throw std::runtime_error("boom");
}

/// A nested task that throws, awaited by the body.
otp::task<int> failing_helper(otp::process& self) {
  co_await self.receive(equals("go"_a));
  throw std::out_of_range("deep");
  co_return 0;
}

} // namespace crash_isolation_test

TEST(CrashIsolation, ExceptionEndsOnlyTheThrower) {
  otp::testkit tk;
  auto bystander = tk.spawn(idle);
  auto probe = tk.spawn_probe();
  auto thrower = tk.spawn(crash_isolation_test::throws_on_message);
  tk.run_until_idle();
  tk.send(thrower, "go"_a);
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(thrower));
  EXPECT_EQ(to_string(*tk.exit_reason(thrower)),
            R"({exception,'std::runtime_error',<<"boom">>})");
  EXPECT_TRUE(tk.is_alive(bystander));
  EXPECT_TRUE(tk.is_alive(probe));
  // The runtime still works.
  tk.send(probe, "still_works"_a);
  auto fresh = tk.spawn(idle);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"still_works"_a});
  EXPECT_TRUE(tk.is_alive(fresh));
}

TEST(CrashIsolation, ReasonIsATupleOfAtomTypeAndMessage) {
  otp::testkit tk;
  auto thrower = tk.spawn(crash_isolation_test::throws_on_message);
  tk.send(thrower, "go"_a);
  tk.run_until_idle();
  auto reason = tk.exit_reason(thrower);
  ASSERT_TRUE(reason);
  ASSERT_TRUE(reason->is_tuple());
  ASSERT_EQ(reason->size(), 3u);
  EXPECT_EQ((*reason)[0], term{atoms::exception});
  EXPECT_EQ((*reason)[1], term{otp::atom{"std::runtime_error"}});
  EXPECT_EQ((*reason)[2], term{"boom"});
}

TEST(CrashIsolation, ExceptionFromANestedTaskEndsTheProcess) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    co_await crash_isolation_test::failing_helper(self);
  });
  tk.run_until_idle();
  tk.send(p, "go"_a);
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(p));
  EXPECT_EQ(to_string(*tk.exit_reason(p)),
            R"({exception,'std::out_of_range',<<"deep">>})");
}

TEST(CrashIsolation, ExceptionCaughtInProcessCodeDoesNotEndIt) {
  otp::testkit tk;
  bool caught = false;
  auto p = tk.spawn([&caught](otp::process& self) -> otp::task<> {
    try {
      co_await crash_isolation_test::failing_helper(self);
    } catch (const std::out_of_range&) {
      caught = true;
    }
    co_await self.receive(nothing);
  });
  tk.send(p, "go"_a);
  tk.run_until_idle();
  EXPECT_TRUE(caught);
  EXPECT_TRUE(tk.is_alive(p));
}

TEST(CrashIsolation, NonStandardExceptionIsNamedByItsType) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process&) -> otp::task<> {
    throw crash_isolation_test::custom_error{7};
    co_return;
  });
  auto q = tk.spawn([](otp::process&) -> otp::task<> {
    throw 42;
    co_return;
  });
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(p));
  EXPECT_EQ(to_string(*tk.exit_reason(p)),
            R"({exception,'crash_isolation_test::custom_error',<<>>})");
  ASSERT_TRUE(tk.exit_reason(q));
  EXPECT_EQ(to_string(*tk.exit_reason(q)), R"({exception,int,<<>>})");
}

TEST(CrashIsolation, ThrowingReceivePatternEndsOnlyThatProcess) {
  // A pattern that throws (here: indexing a message that is not a tuple)
  // is process code like any other: it ends its process, whether the
  // message was already there when receive started or arrived later.
  otp::testkit tk;
  auto pattern = [](const term& m) { return m[0] == term{"reply"_a}; };
  auto early = tk.spawn([pattern](otp::process& self) -> otp::task<> {
    self.send(self.self(), "not_a_tuple"_a);
    co_await self.yield(); // the message is in the mailbox before receive
    co_await self.receive(pattern);
  });
  auto late = tk.spawn([pattern](otp::process& self) -> otp::task<> {
    co_await self.receive(pattern);
  });
  auto bystander = tk.spawn(idle);
  tk.run_until_idle();
  tk.send(late, "not_a_tuple"_a);
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(early));
  ASSERT_TRUE(tk.exit_reason(late));
  EXPECT_EQ((*tk.exit_reason(early))[0], term{atoms::exception});
  EXPECT_EQ((*tk.exit_reason(late))[0], term{atoms::exception});
  EXPECT_TRUE(tk.is_alive(bystander));
}

TEST(CrashIsolation, ManySimultaneousCrashesTellEveryPartnerExactlyOnce) {
  constexpr int n = 10'000;
  // 10,000 crash reports are not the story here: keep them off stderr.
  auto level = otp::logger::level();
  otp::logger::set_level(otp::log_level::none);
  struct restore {
    otp::log_level level;
    ~restore() { otp::logger::set_level(level); }
  } restore_level{level};
  otp::testkit tk;
  std::vector<pid> children;
  std::vector<ref> tags;
  children.reserve(n);
  tags.reserve(n);
  // One trapping supervisor-like process links to and monitors every child.
  auto owner = tk.spawn([&children, &tags](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    for (int i = 0; i < n; ++i) {
      children.push_back(
          self.spawn_link(crash_isolation_test::throws_on_message));
      tags.push_back(self.monitor(children.back()));
    }
    co_await self.receive(nothing);
  });
  // And every child has a watcher of its own, linked and monitoring.
  tk.run_until_idle();
  ASSERT_EQ(children.size(), static_cast<std::size_t>(n));
  std::vector<pid> watchers;
  watchers.reserve(n);
  for (auto& c : children)
    watchers.push_back(tk.spawn([c](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      self.link(c);
      self.monitor(c);
      co_await self.receive(nothing);
    }));
  tk.run_until_idle();
  ASSERT_EQ(tk.process_count(), static_cast<std::size_t>(2 * n + 1));

  for (auto& c : children)
    tk.send(c, "go"_a); // all crash in the same round
  tk.run_until_idle();

  // The owner: one EXIT and one DOWN per child, nothing else.
  auto box = tk.mailbox(owner);
  ASSERT_EQ(box.size(), static_cast<std::size_t>(2 * n));
  std::map<pid, int> exits;
  std::set<ref> downs;
  for (auto& m : box) {
    if (is_exit(m)) {
      ++exits[m[1].as_pid()];
      EXPECT_EQ(to_string(m[2]), boom_reason_text());
    } else {
      ASSERT_TRUE(is_down(m)) << to_string(m);
      EXPECT_TRUE(downs.insert(m[1].as_ref()).second) << "second DOWN";
      EXPECT_EQ(to_string(m[4]), boom_reason_text());
    }
  }
  EXPECT_EQ(exits.size(), static_cast<std::size_t>(n));
  for (auto& [p, k] : exits)
    EXPECT_EQ(k, 1) << to_string(p);
  EXPECT_EQ(downs, std::set<ref>(tags.begin(), tags.end()));

  // Each watcher: exactly one EXIT and one DOWN, from its own child.
  for (std::size_t i = 0; i < watchers.size(); ++i) {
    auto w = tk.mailbox(watchers[i]);
    ASSERT_EQ(w.size(), 2u) << "watcher " << i;
    EXPECT_EQ(count_exits(w), 1u);
    EXPECT_EQ(count_downs(w), 1u);
    for (auto& m : w) {
      auto from = is_exit(m) ? m[1] : m[3];
      EXPECT_EQ(from, term{children[i]});
    }
  }

  // The runtime keeps going: exactly the children are gone.
  EXPECT_EQ(tk.process_count(), static_cast<std::size_t>(n + 1));
  EXPECT_TRUE(tk.is_alive(owner));
  std::size_t crashed = 0;
  for (auto& [p, reason] : tk.exits())
    if (to_string(reason) == boom_reason_text())
      ++crashed;
  EXPECT_EQ(crashed, static_cast<std::size_t>(n));
  auto probe = tk.spawn_probe();
  tk.send(probe, "after"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"after"_a});
}
