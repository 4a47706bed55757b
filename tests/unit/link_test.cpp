// Links (SEMANTICS.md §1, rows "link" and "spawn variants"). Expectations
// checked against Erlang/OTP 25 `erl`.

#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace link_test {

/// A process that links to `to`, then waits.
pid spawn_linker(otp::testkit& tk, pid to, bool trap = false) {
  return tk.spawn([to, trap](otp::process& self) -> otp::task<> {
    self.trap_exit(trap);
    self.link(to);
    co_await self.receive(nothing);
  });
}

/// A pid whose process has ended.
pid dead_pid(otp::testkit& tk) {
  auto p = tk.spawn([](otp::process&) -> otp::task<> { co_return; });
  tk.run_until_idle();
  return p;
}

} // namespace link_test

TEST(Link, IsVisibleOnBothSides) {
  otp::testkit tk;
  auto b = tk.spawn(idle);
  auto a = link_test::spawn_linker(tk, b);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(a)->links, std::vector<pid>{b});
  EXPECT_EQ(tk.info(b)->links, std::vector<pid>{a});
}

TEST(Link, LinkerDeathReachesTheLinked) {
  otp::testkit tk;
  auto b = tk.spawn(idle);
  auto a = link_test::spawn_linker(tk, b);
  tk.run_until_idle();
  tk.inject_exit(a, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(b), term{"boom"_a});
}

TEST(Link, LinkedDeathReachesTheLinker) {
  otp::testkit tk;
  auto b = tk.spawn(idle);
  auto a = link_test::spawn_linker(tk, b);
  tk.run_until_idle();
  tk.inject_exit(b, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(a), term{"boom"_a});
}

TEST(Link, IsIdempotentAndOneUnlinkRemovesIt) {
  // erl: link(P), link(P) gives one link (process_info links has one
  // entry); a single unlink(P) removes it, so P's crash is not heard of.
  otp::testkit tk;
  auto b = tk.spawn(exit_with_first_message);
  pid a;
  bool unlinked = false;
  a = tk.spawn([b, &unlinked](otp::process& self) -> otp::task<> {
    self.link(b);
    self.link(b);
    co_await self.receive(equals("unlink"_a));
    self.unlink(b);
    unlinked = true;
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.info(a)->links, std::vector<pid>{b});
  EXPECT_EQ(tk.info(b)->links, std::vector<pid>{a});
  tk.send(a, "unlink"_a);
  tk.run_until_idle();
  ASSERT_TRUE(unlinked);
  EXPECT_TRUE(tk.info(a)->links.empty());
  EXPECT_TRUE(tk.info(b)->links.empty());
  tk.send(b, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(b), term{"boom"_a});
  EXPECT_TRUE(tk.is_alive(a));
}

TEST(Link, BothSidesLinkingMakesOneLink) {
  otp::testkit tk;
  pid a, b;
  a = tk.spawn([&b](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    self.link(b);
    co_await self.receive(nothing);
  });
  b = tk.spawn([&a](otp::process& self) -> otp::task<> {
    co_await self.receive(equals("go"_a));
    self.link(a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(a, "go"_a);
  tk.send(b, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(a)->links, std::vector<pid>{b});
  EXPECT_EQ(tk.info(b)->links, std::vector<pid>{a});
}

TEST(Link, LinkingToSelfDoesNothing) {
  // erl: link(self()) returns true and process_info(self(), links) is [].
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    self.link(self.self());
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  ASSERT_TRUE(tk.is_alive(p));
  EXPECT_TRUE(tk.info(p)->links.empty());
}

TEST(Link, ToDeadPidWhileTrappingGivesNoprocExitMessage) {
  // erl: with trap_exit, link(Dead) returns true and the caller gets
  // {'EXIT', Dead, noproc}.
  otp::testkit tk;
  auto dead = link_test::dead_pid(tk);
  std::optional<term> got;
  auto p = tk.spawn([dead, &got](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    self.link(dead);
    got = co_await self.receive(0ms); // already there: no waiting
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(p));
  EXPECT_EQ(got, exit_msg(dead, atoms::noproc));
  EXPECT_TRUE(tk.info(p)->links.empty());
}

TEST(Link, ToDeadPidWithoutTrappingEndsTheCallerWithNoproc) {
  // erl: link(Dead) in a non-trapping process fails with noproc (an error
  // exception; uncaught, the process ends with {noproc, Stacktrace}). otp++
  // has no stack traces: the reason is noproc. Code after it does not run.
  otp::testkit tk;
  auto dead = link_test::dead_pid(tk);
  auto probe = tk.spawn_probe();
  auto p = tk.spawn([dead, probe](otp::process& self) -> otp::task<> {
    self.link(dead);
    self.send(probe, "after_link"_a);
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{atoms::noproc});
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(Link, UnlinkRemovesBothSides) {
  otp::testkit tk;
  auto b = tk.spawn(idle);
  auto a = tk.spawn([b](otp::process& self) -> otp::task<> {
    self.link(b);
    co_await self.receive(equals("unlink"_a));
    self.unlink(b);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(a, "unlink"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.info(a)->links.empty());
  EXPECT_TRUE(tk.info(b)->links.empty());
  tk.inject_exit(a, "boom"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(b));
}

TEST(Link, UnlinkGuaranteesNoLaterExitSignalNonTrapping) {
  // erl idiom: exit(P, kill), unlink(P): the killed partner's exit signal
  // is already on its way, yet after unlink returns it has no effect.
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(idle);
    co_await self.receive(equals("go"_a));
    self.exit(child, atoms::kill);
    self.unlink(child);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(parent, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{atoms::killed});
  EXPECT_TRUE(tk.is_alive(parent));
}

TEST(Link, UnlinkGuaranteesNoLaterExitMessageWhenTrapping) {
  // erl: trap_exit, exit(Q, kill), unlink(Q): no {'EXIT', Q, _} arrives.
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    child = self.spawn_link(idle);
    co_await self.receive(equals("go"_a));
    self.exit(child, atoms::kill);
    self.unlink(child);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(parent, "go"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{atoms::killed});
  EXPECT_TRUE(tk.mailbox(parent).empty());
}

TEST(Link, UnlinkedPartnerDeathIsNotHeardOf) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    child = self.spawn_link(exit_with_first_message);
    self.unlink(child);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(child, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{"boom"_a});
  EXPECT_TRUE(tk.mailbox(parent).empty());
}

TEST(Link, SpawnLinkLinksBeforeTheChildRuns) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(idle);
    co_await self.receive(nothing);
  });
  ASSERT_TRUE(tk.run_once()); // the parent's first turn only
  ASSERT_TRUE(child);
  EXPECT_EQ(tk.info(child)->links, std::vector<pid>{parent});
  EXPECT_EQ(tk.info(parent)->links, std::vector<pid>{child});
}

TEST(Link, SpawnLinkedChildCrashingAtOnceTakesParentDown) {
  // The link exists before the child's first instruction, so a child that
  // crashes at once still takes its parent down with the crash's reason
  // (never noproc), and the parent's code after its next wait never runs.
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  pid child;
  auto parent = tk.spawn([&child, probe](otp::process& self) -> otp::task<> {
    child = self.spawn_link(crash_at_once);
    co_await self.yield(); // the child runs (and crashes) now
    co_await self.receive(100ms);
    self.send(probe, "parent_survived"_a);
  });
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(child));
  EXPECT_EQ(to_string(*tk.exit_reason(child)), boom_reason_text());
  ASSERT_TRUE(tk.exit_reason(parent));
  EXPECT_EQ(*tk.exit_reason(parent), *tk.exit_reason(child));
  tk.advance_time(1s);
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(Link, TrappingParentHearsOfChildCrashingAtOnce) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    child = self.spawn_link(crash_at_once);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  auto box = tk.mailbox(parent);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0][1], term{child});
  EXPECT_EQ(to_string(box[0][2]), boom_reason_text());
}

TEST(Link, SpawnLinkedChildDiesWithCrashingParent) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(idle);
    co_await self.receive(equals("crash"_a));
    throw std::runtime_error("boom");
  });
  tk.run_until_idle();
  tk.send(parent, "crash"_a);
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(child));
  EXPECT_EQ(to_string(*tk.exit_reason(child)), boom_reason_text());
}

TEST(Link, NoprocExitComesAfterMessagesTheDeadPartnerSentFirst) {
  // erl (trap_exit): T sends last_words to W and dies; W then links to T:
  // W receives last_words before {'EXIT', T, noproc}. For last_words to
  // arrive while W runs, T lives in a second testkit that W's own turn
  // drives, standing in for a partner on another scheduler thread.
  otp::testkit tk;
  auto other = std::make_unique<otp::testkit>();
  std::vector<term> got;
  pid t;
  tk.spawn([&other, &t, &got](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    t = other->spawn([to = self.self()](otp::process& tp) -> otp::task<> {
      tp.send(to, "last_words"_a);
      co_return;
    });
    other->run_until_idle(); // t sends and ends during our turn
    self.link(t);
    got.push_back(co_await self.receive());
    got.push_back(co_await self.receive());
  });
  tk.run_until_idle();
  EXPECT_EQ(got,
            (std::vector<term>{"last_words"_a, exit_msg(t, atoms::noproc)}));
}

TEST(Link, EachPartnerIsOneLinkWhereverItIsKept) {
  // A process keeps one link in its control block and the others in a
  // table: a partner linked again while that slot is free (its first
  // partner unlinked) must still be one link, and hear of the end once.
  otp::testkit tk;
  auto b = tk.spawn(idle_trapping);
  auto c = tk.spawn(idle_trapping);
  auto a = tk.spawn([b, c](otp::process& self) -> otp::task<> {
    self.link(b); // the inline slot
    self.link(c); // the table
    self.unlink(b);
    self.link(c); // already linked: nothing
    self.link(b); // the free slot again
    co_await self.receive(equals("stop"_a));
    self.exit("bye"_a);
  });
  tk.run_until_idle();
  auto links = tk.info(a)->links;
  auto want = std::vector<pid>{b, c};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(links, want);
  EXPECT_EQ(tk.info(b)->links, std::vector<pid>{a});
  EXPECT_EQ(tk.info(c)->links, std::vector<pid>{a});
  tk.send(a, "stop"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(b), std::vector<term>{exit_msg(a, "bye"_a)});
  EXPECT_EQ(tk.mailbox(c), std::vector<term>{exit_msg(a, "bye"_a)});
}

TEST(Link, AnUnlinkedInlinePartnerIsNotHeardOfButTheOthersAre) {
  otp::testkit tk;
  auto b = tk.spawn(idle);
  auto c = tk.spawn(idle);
  auto a = tk.spawn([b, c](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    self.link(b); // the inline slot
    self.link(c); // the table
    self.unlink(b);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.inject_exit(b, "boom"_a);
  tk.inject_exit(c, "crash"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(a), std::vector<term>{exit_msg(c, "crash"_a)});
  EXPECT_TRUE(tk.info(a)->links.empty());
}
