// Exit signals: what a process does with one, trapping or not
// (SEMANTICS.md §1, rows "exit reasons", "process death", "receiving an exit
// signal"). Every expectation was checked against Erlang/OTP 25 `erl`.

#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;

namespace signals_exit_test {

/// Sends exit(to, reason) from a process, then ends normally.
pid spawn_exiter(otp::testkit& tk, pid to, term reason) {
  return tk.spawn([to, reason](otp::process& self) -> otp::task<> {
    self.exit(to, reason);
    co_return;
  });
}

} // namespace signals_exit_test

using namespace sigtest;

// -- not trapping -------------------------------------------------------------

TEST(SignalsExit, NormalFromOutsideIsIgnoredByNonTrapper) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  tk.inject_exit(p, atoms::normal);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(p));
}

TEST(SignalsExit, NormalFromAnotherProcessIsIgnoredByNonTrapper) {
  // erl: exit(Other, normal) leaves a non-trapping Other running.
  otp::testkit tk;
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  signals_exit_test::spawn_exiter(tk, p, atoms::normal);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(p));
  EXPECT_TRUE(tk.mailbox(p).empty());
}

TEST(SignalsExit, ExitSelfNormalEndsTheCallerAtOnce) {
  // erl: spawn(fun() -> exit(self(), normal), Parent ! after_exit end) ends
  // with reason normal and never sends after_exit.
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  auto p = tk.spawn([probe](otp::process& self) -> otp::task<> {
    self.exit(self.self(), atoms::normal);
    self.send(probe, "after_exit"_a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{atoms::normal});
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(SignalsExit, ExitSelfWithReasonEndsTheCallerAtOnce) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  auto p = tk.spawn([probe](otp::process& self) -> otp::task<> {
    self.exit(self.self(), "bye"_a);
    self.send(probe, "after_exit"_a);
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{"bye"_a});
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(SignalsExit, ExitSelfCannotBeCaught) {
  // exit(self(), R) is a signal in Erlang, not an exception: catching
  // whatever the call throws must not keep the process alive.
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    try {
      self.exit(self.self(), "boom"_a);
    } catch (...) {
    }
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{"boom"_a});
}

TEST(SignalsExit, NonNormalReasonKillsNonTrapper) {
  // erl: exit(P, boom) on a non-trapping P: P ends with boom.
  otp::testkit tk;
  auto a = tk.spawn(idle);
  auto b = tk.spawn(idle);
  tk.run_until_idle();
  tk.inject_exit(a, "boom"_a);
  signals_exit_test::spawn_exiter(tk, b, term{"shutdown"_a, "why"_a});
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(a), term{"boom"_a});
  EXPECT_EQ(tk.exit_reason(b), (term{atoms::shutdown, "why"_a}));
}

TEST(SignalsExit, KillEndsNonTrapperWithKilled) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  tk.run_until_idle();
  signals_exit_test::spawn_exiter(tk, p, atoms::kill);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{atoms::killed});
}

// -- trapping -----------------------------------------------------------------

TEST(SignalsExit, KillIsUntrappable) {
  // erl: a trapping process sent exit(P, kill) ends with killed.
  otp::testkit tk;
  auto from_outside = tk.spawn(idle_trapping);
  auto from_process = tk.spawn(idle_trapping);
  tk.run_until_idle();
  tk.inject_exit(from_outside, atoms::kill);
  signals_exit_test::spawn_exiter(tk, from_process, atoms::kill);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(from_outside), term{atoms::killed});
  EXPECT_EQ(tk.exit_reason(from_process), term{atoms::killed});
}

TEST(SignalsExit, ExitSelfKillIsUntrappable) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  auto p = tk.spawn([probe](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    self.exit(self.self(), atoms::kill);
    self.send(probe, "after_exit"_a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{atoms::killed});
  EXPECT_TRUE(tk.mailbox(probe).empty());
}

TEST(SignalsExit, TrappingTurnsSignalsIntoExitMessagesIncludingNormal) {
  // erl: a trapping process gets {'EXIT', From, normal} for exit(P, normal).
  otp::testkit tk;
  auto trapper = tk.spawn_probe(/*trap_exit=*/true);
  auto sender = tk.spawn([trapper](otp::process& self) -> otp::task<> {
    self.exit(trapper, "boom"_a);
    self.exit(trapper, atoms::normal);
    self.exit(trapper, term{atoms::shutdown, 1});
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(trapper));
  EXPECT_EQ(tk.mailbox(trapper),
            (std::vector<term>{exit_msg(sender, "boom"_a),
                               exit_msg(sender, atoms::normal),
                               exit_msg(sender, term{atoms::shutdown, 1})}));
}

TEST(SignalsExit, SignalFromOutsideNamesUndefinedAsSender) {
  otp::testkit tk;
  auto trapper = tk.spawn_probe(/*trap_exit=*/true);
  tk.inject_exit(trapper, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(trapper),
            (std::vector<term>{exit_msg(pid{}, "boom"_a)}));
}

TEST(SignalsExit, TrappingExitSelfNormalBecomesAMessage) {
  // erl: with trap_exit, exit(self(), normal) gives {'EXIT', Self, normal}.
  otp::testkit tk;
  std::optional<term> got;
  auto p = tk.spawn([&got](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    self.exit(self.self(), atoms::normal);
    got = co_await self.receive(100ms);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(p));
  EXPECT_EQ(got, exit_msg(p, atoms::normal));
}

TEST(SignalsExit, TurningTrappingOffRestoresDefaultHandling) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process& self) -> otp::task<> {
    EXPECT_FALSE(self.trap_exit(true));
    EXPECT_TRUE(self.trap_exit());
    EXPECT_TRUE(self.trap_exit(false));
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.inject_exit(p, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{"boom"_a});
}

// -- through links
// --------------------------------------------------------------

TEST(SignalsExit, LinkedDeathPropagatesTheReason) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(exit_with_first_message);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(child, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{"boom"_a});
  EXPECT_EQ(tk.exit_reason(parent), term{"boom"_a});
}

TEST(SignalsExit, LinkedNormalDeathIsIgnoredByNonTrapper) {
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(exit_with_first_message);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(child, atoms::normal);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{atoms::normal});
  EXPECT_TRUE(tk.is_alive(parent));
  EXPECT_TRUE(tk.info(parent)->links.empty());
}

TEST(SignalsExit, TrapperHearsOfLinkedDeathIncludingNormal) {
  otp::testkit tk;
  pid a, b;
  auto parent = tk.spawn([&a, &b](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    a = self.spawn_link(exit_with_first_message);
    b = self.spawn_link(exit_with_first_message);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(a, atoms::normal);
  tk.send(b, "boom"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(parent));
  EXPECT_EQ(tk.mailbox(parent), (std::vector<term>{exit_msg(a, atoms::normal),
                                                   exit_msg(b, "boom"_a)}));
}

TEST(SignalsExit, LinkedDeathWithKillPropagatesKillToNonTrapper) {
  // erl: a process linked to one that called exit(kill) dies with reason
  // kill (not killed): the reason travels as an ordinary one.
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    child = self.spawn_link(exit_with_first_message);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(child, atoms::kill); // the child calls exit(kill)
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{atoms::kill});
  EXPECT_EQ(tk.exit_reason(parent), term{atoms::kill});
}

TEST(SignalsExit, LinkedDeathWithKillIsTrappable) {
  // erl: a trapping partner gets {'EXIT', Child, kill} and lives on.
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    child = self.spawn_link(exit_with_first_message);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(child, atoms::kill);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(parent));
  EXPECT_EQ(tk.mailbox(parent),
            (std::vector<term>{exit_msg(child, atoms::kill)}));
}

TEST(SignalsExit, KilledProcessPropagatesKilled) {
  // erl: partners of a process killed with exit(P, kill) get reason killed.
  otp::testkit tk;
  pid a, b;
  auto trapper = tk.spawn([&a](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    a = self.spawn_link(idle);
    co_await self.receive(nothing);
  });
  auto plain = tk.spawn([&b](otp::process& self) -> otp::task<> {
    b = self.spawn_link(idle);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.inject_exit(a, atoms::kill);
  tk.inject_exit(b, atoms::kill);
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(trapper),
            (std::vector<term>{exit_msg(a, atoms::killed)}));
  EXPECT_EQ(tk.exit_reason(plain), term{atoms::killed});
}

TEST(SignalsExit, DeathCascadesAlongAChainOfLinks) {
  otp::testkit tk;
  std::vector<pid> chain;
  // Each link of the chain spawn_links the next; the last one waits.
  struct builder {
    std::vector<pid>* out;
    int left;
    otp::task<> operator()(otp::process& self) const {
      out->push_back(self.self());
      if (left > 0)
        self.spawn_link(builder{out, left - 1});
      co_await self.receive(nothing);
    }
  };
  tk.spawn(builder{&chain, 9});
  tk.run_until_idle();
  ASSERT_EQ(chain.size(), 10u);
  tk.inject_exit(chain.back(), "boom"_a);
  tk.run_until_idle();
  for (auto& p : chain)
    EXPECT_EQ(tk.exit_reason(p), term{"boom"_a}) << to_string(p);
}

TEST(SignalsExit, OrdinaryExitSignalDoesNotNeedALink) {
  // exit/2 acts on any process, linked or not; a link is not consumed by it.
  otp::testkit tk;
  pid child;
  auto parent = tk.spawn([&child](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    child = self.spawn_link(idle);
    self.exit(child, "boom"_a); // an exit/2 signal, then the link fires
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(child), term{"boom"_a});
  EXPECT_EQ(tk.mailbox(parent), (std::vector<term>{exit_msg(child, "boom"_a)}));
}

TEST(SignalsExit, NoconnectionWhenThePartnersNodeGoesAway) {
  // SEMANTICS.md: links and monitors to a process on a node that goes away
  // fire with reason noconnection. There is no distribution layer yet:
  // signals to remote pids are dropped (and a monitor of one gives an
  // immediate noproc DOWN).
  GTEST_SKIP() << "no distribution layer: remote pids cannot be reached";
}
