// gen_server: how a server ends. Every experiment of
// shared/seeds/gen_server-exit-experiments.zh.txt (two linked servers, ter_a
// and ter_b, stopped, crashed and sent exit signals), with the outcomes
// Erlang/OTP 25 gives (rechecked in erl), plus the parent's exit, crash
// report contents, a failing terminate and exit/1 inside a callback.

#include "otp/gen_server.hpp"
#include "otp/logger.hpp"
#include "sigtest.hpp"

#include <coroutine>
#include <gmock/gmock.h>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace gen_server_exit_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
using sigtest::exit_msg;

/// What the servers did, in order: `{Tag, init | terminate | info, Arg}`.
using journal = std::vector<term>;

struct ter_options {
  journal* log = nullptr;
  atom tag;
  bool trap = false;
  /// terminate throws std::runtime_error("oops") (`exception`) or exits
  /// with `oops` (`exit`); `none` by default.
  atom terminate_fails = atom{"none"};
  /// The crash report's state (format_status); none: state().
  bool custom_format_status = false;
};

/// ter_a and ter_b of the experiments in one class.
class ter : public gs::server<ter> {
public:
  explicit ter(ter_options o) : o_(o) {}

  init_result init() {
    if (o_.trap)
      self().trap_exit(true);
    return ok();
  }

  /// `{link, Trap}` starts ter_b linked (from this callback, so this
  /// server is its parent) and replies its pid; `is_alive` replies alive.
  otp::task<call_result> handle_call(const term& req, const from&) {
    if (req.is_tuple(2) && req[0] == term{"link"_a}) {
      ter_options b{o_.log, "ter_b"_a, req[1] == term{true}};
      auto started =
          co_await gs::start_link<ter>(self(), {"ter_b"_a}, std::move(b));
      co_return reply(started.to_term());
    }
    if (req == term{"is_alive"_a})
      co_return reply("alive"_a);
    co_return reply("ok"_a);
  }

  /// `mistake` throws (the experiments' 1/0), `{stop, R}` returns
  /// `{stop, R, S}`, `{exit, R}` calls exit(R).
  cast_result handle_cast(const term& msg) {
    if (msg == term{"mistake"_a})
      throw std::domain_error("bad argument in arithmetic expression");
    if (msg.is_tuple(2) && msg[0] == term{"stop"_a})
      return stop(msg[1]);
    if (msg.is_tuple(2) && msg[0] == term{"exit"_a})
      self().exit(msg[1]);
    return noreply();
  }

  info_result handle_info(const term& msg) {
    o_.log->push_back(term{o_.tag, "info"_a, msg});
    return noreply();
  }

  void terminate(const term& reason) {
    o_.log->push_back(term{o_.tag, "terminate"_a, reason});
    if (o_.terminate_fails == atom{"exception"})
      throw std::runtime_error("oops");
    if (o_.terminate_fails == atom{"exit"})
      self().exit("oops"_a);
  }

  term state() const override { return "state"_a; }
  term format_status() const override {
    if (o_.custom_format_status)
      return term{"formatted"_a, o_.tag};
    return state();
  }

private:
  ter_options o_;
};

term terminated(atom tag, term reason) {
  return term{tag, "terminate"_a, std::move(reason)};
}

term info(atom tag, term msg) {
  return term{tag, "info"_a, std::move(msg)};
}

/// `{exception, 'std::domain_error', <<"...">>}`: the reason `mistake` ends
/// ter_a with (OTP: `{badarith, Stacktrace}`).
term mistake_reason() {
  return term{atoms::exception, atom{"std::domain_error"},
              std::string{"bad argument in arithmetic expression"}};
}

term noproc_call(atom name, term request) {
  return term{atoms::noproc, term{atoms::gen_server, atoms::call,
                                  term::list({name, std::move(request)})}};
}

/// Captures the log for the test (the default handler comes back after).
class GenServerExit : public ::testing::Test {
protected:
  /// The texts of the error events (crash reports).
  [[nodiscard]] std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const otp::log_event& e : logs_.events())
      if (e.level <= otp::log_level::error)
        out.push_back(e.text);
    return out;
  }

  sigtest::log_capture logs_;
};

/// Waits 1 ms of virtual time: what happened before has run its course
/// (in the experiments, the next shell prompt).
otp::task<> pause(otp::process& self) {
  co_await self.receive(sigtest::nothing, 1ms);
}

/// Runs the story, pauses included.
void settle(otp::testkit& kit) {
  kit.run_until_idle();
  kit.advance_time(1ms);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// -- 1. a server started with start, stopped by {stop, R, S} ------------------

/// Starts ter_a (not linked) and casts `{stop, reason}` to it.
struct stop_run {
  journal log;
  pid a;
};

void run_stop(otp::testkit& kit, stop_run& run, bool trap, term reason) {
  kit.spawn([&run, trap, reason](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start<ter>(
        self, {"ter_a"_a}, ter_options{&run.log, "ter_a"_a, trap});
    run.a = *started;
    gs::cast(self, "ter_a"_a, term{"stop"_a, reason});
  });
  kit.run_until_idle();
}

TEST_F(GenServerExit, StopNormalRunsTerminateWithoutReportTrappingOrNot) {
  for (bool trap : {false, true}) {
    SCOPED_TRACE(trap ? "trapping" : "not trapping");
    logs_.clear();
    otp::testkit kit;
    stop_run run;
    run_stop(kit, run, trap, "normal"_a);
    EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, "normal"_a)}));
    EXPECT_EQ(kit.exit_reason(run.a), term{"normal"_a});
    EXPECT_EQ(kit.whereis("ter_a"_a), pid{});
    EXPECT_TRUE(errors().empty());
  }
}

TEST_F(GenServerExit, StopElseRunsTerminateAndLogsTheCrashTrappingOrNot) {
  for (bool trap : {false, true}) {
    SCOPED_TRACE(trap ? "trapping" : "not trapping");
    logs_.clear();
    otp::testkit kit;
    stop_run run;
    run_stop(kit, run, trap, "else"_a);
    EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, "else"_a)}));
    EXPECT_EQ(kit.exit_reason(run.a), term{"else"_a});
    auto reports = errors();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(has(reports[0], "** Generic server ter_a terminating"))
        << reports[0];
    EXPECT_TRUE(
        has(reports[0], "** Last message in was {'$gen_cast',{stop,else}}"))
        << reports[0];
    EXPECT_TRUE(has(reports[0], "** When Server state == state")) << reports[0];
    EXPECT_TRUE(has(reports[0], "** Reason for termination ==\n** else"))
        << reports[0];
  }
}

TEST_F(GenServerExit, StopShutdownRunsTerminateWithoutReport) {
  for (const term& reason : {term{"shutdown"_a}, term{"shutdown"_a, "why"_a}}) {
    SCOPED_TRACE(to_string(reason));
    logs_.clear();
    otp::testkit kit;
    stop_run run;
    run_stop(kit, run, false, reason);
    EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, reason)}));
    EXPECT_EQ(kit.exit_reason(run.a), reason);
    EXPECT_TRUE(errors().empty());
  }
}

// -- 2. exit(Pid, R) from outside ---------------------------------------------

/// ter_a started with start(trap); another process sends exit(A, reason),
/// then asks ter_a:is_alive().
struct outside_run {
  journal log;
  pid a;
  pid sender;
  std::optional<otp::expected<term, term>> alive;
};

void run_outside_exit(otp::testkit& kit, outside_run& run, bool trap,
                      term reason) {
  run.sender =
      kit.spawn([&run, trap, reason](otp::process& self) -> otp::task<> {
        auto started = co_await gs::start<ter>(
            self, {"ter_a"_a}, ter_options{&run.log, "ter_a"_a, trap});
        run.a = *started;
        self.exit(run.a, reason);
        co_await pause(self); // the shell's next prompt
        run.alive = co_await gs::try_call(self, "ter_a"_a, "is_alive"_a);
      });
  settle(kit);
}

TEST_F(GenServerExit, OutsideExitElseKillsANonTrappingServerWithoutTerminate) {
  otp::testkit kit;
  outside_run run;
  run_outside_exit(kit, run, false, "else"_a);
  EXPECT_TRUE(run.log.empty()); // no terminate
  EXPECT_EQ(kit.exit_reason(run.a), term{"else"_a});
  ASSERT_TRUE(run.alive.has_value());
  ASSERT_FALSE(run.alive->has_value());
  EXPECT_EQ(run.alive->error(), noproc_call("ter_a"_a, "is_alive"_a));
  EXPECT_TRUE(errors().empty());
}

TEST_F(GenServerExit, OutsideExitElseToATrappingServerGoesToHandleInfo) {
  otp::testkit kit;
  outside_run run;
  run_outside_exit(kit, run, true, "else"_a);
  EXPECT_EQ(run.log,
            (journal{info("ter_a"_a, exit_msg(run.sender, "else"_a))}));
  EXPECT_EQ(kit.exit_reason(run.a), std::nullopt);
  ASSERT_TRUE(run.alive.has_value() && run.alive->has_value());
  EXPECT_EQ(**run.alive, term{"alive"_a});
}

TEST_F(GenServerExit, OutsideExitNormalIsIgnoredByANonTrappingServer) {
  otp::testkit kit;
  outside_run run;
  run_outside_exit(kit, run, false, "normal"_a);
  EXPECT_TRUE(run.log.empty());
  EXPECT_EQ(kit.exit_reason(run.a), std::nullopt);
  ASSERT_TRUE(run.alive.has_value() && run.alive->has_value());
  EXPECT_EQ(**run.alive, term{"alive"_a});
}

TEST_F(GenServerExit, OutsideExitNormalToATrappingServerGoesToHandleInfo) {
  otp::testkit kit;
  outside_run run;
  run_outside_exit(kit, run, true, "normal"_a);
  EXPECT_EQ(run.log,
            (journal{info("ter_a"_a, exit_msg(run.sender, "normal"_a))}));
  EXPECT_EQ(kit.exit_reason(run.a), std::nullopt);
  ASSERT_TRUE(run.alive.has_value() && run.alive->has_value());
  EXPECT_EQ(**run.alive, term{"alive"_a});
}

TEST_F(GenServerExit, OutsideKillEndsTheServerWithoutTerminateTrappingOrNot) {
  for (bool trap : {false, true}) {
    SCOPED_TRACE(trap ? "trapping" : "not trapping");
    otp::testkit kit;
    outside_run run;
    run_outside_exit(kit, run, trap, "kill"_a);
    EXPECT_TRUE(run.log.empty());
    EXPECT_EQ(kit.exit_reason(run.a), term{"killed"_a});
    ASSERT_TRUE(run.alive.has_value());
    ASSERT_FALSE(run.alive->has_value());
    EXPECT_EQ(run.alive->error(), noproc_call("ter_a"_a, "is_alive"_a));
    EXPECT_TRUE(errors().empty());
  }
}

// As in OTP: OTP (checked in erl 25, 3 runs out of 3): exit(P, else), then
// gen_server:call(P, ...) right away fails with noproc, and monitor(process,
// P) right after exit(P, R) gives {'DOWN', _, process, P, noproc}: the
// monitor signal comes after the exit signal.
TEST_F(GenServerExit, CallRightAfterAnExitSignalFailsWithNoproc) {
  otp::testkit kit;
  std::optional<otp::expected<term, term>> alive;
  std::optional<term> down;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    journal log;
    auto a =
        co_await gs::start<ter>(self, {}, ter_options{&log, "ter_a"_a, false});
    self.exit(*a, "else"_a);
    alive = co_await gs::try_call(self, *a, "is_alive"_a);
    auto b =
        co_await gs::start<ter>(self, {}, ter_options{&log, "ter_a"_a, false});
    self.exit(*b, "else"_a);
    otp::ref m = self.monitor(*b);
    down = co_await self.receive(sigtest::down_of(m));
  });
  kit.run_until_idle();
  ASSERT_TRUE(alive.has_value() && !alive->has_value());
  EXPECT_EQ(alive->error()[0], term{atoms::noproc});
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ((*down)[4], term{atoms::noproc});
}

// -- 3. ter_a linked to ter_b (started with start_link from ter_a) ------------

struct linked_run {
  journal log;
  pid a;
  pid b;
  std::optional<otp::expected<term, term>> a_alive;
  std::optional<otp::expected<term, term>> b_alive;
};

/// ter_a:start(0), ter_a:link(b_trap), then cast `what` to ter_a, then
/// ter_a:is_alive() and ter_b:is_alive().
void run_linked(otp::testkit& kit, linked_run& run, bool b_trap, term what) {
  kit.spawn([&run, b_trap, what](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start<ter>(
        self, {"ter_a"_a}, ter_options{&run.log, "ter_a"_a, false});
    run.a = *started;
    term b = co_await gs::call(self, "ter_a"_a, term{"link"_a, b_trap});
    if (b.is_tuple(2) && b[1].is_pid())
      run.b = b[1].as_pid();
    gs::cast(self, "ter_a"_a, what);
    co_await pause(self);
    run.a_alive = co_await gs::try_call(self, "ter_a"_a, "is_alive"_a);
    run.b_alive = co_await gs::try_call(self, "ter_b"_a, "is_alive"_a);
  });
  settle(kit);
}

TEST_F(GenServerExit, LinkedNonTrappingBDiesWithACrashWithoutTerminate) {
  otp::testkit kit;
  linked_run run;
  run_linked(kit, run, false, "mistake"_a);
  ASSERT_NE(run.b, pid{});
  EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, mistake_reason())}));
  EXPECT_EQ(kit.exit_reason(run.a), mistake_reason());
  EXPECT_EQ(kit.exit_reason(run.b), mistake_reason());
  ASSERT_TRUE(run.a_alive && run.b_alive);
  EXPECT_EQ(run.a_alive->error(), noproc_call("ter_a"_a, "is_alive"_a));
  EXPECT_EQ(run.b_alive->error(), noproc_call("ter_b"_a, "is_alive"_a));
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u); // ter_a's only
  EXPECT_TRUE(has(reports[0], "** Generic server ter_a terminating"));
  EXPECT_TRUE(has(reports[0], "** Last message in was {'$gen_cast',mistake}"));
  EXPECT_TRUE(has(reports[0], "** Reason for termination ==\n** " +
                                  to_string(mistake_reason())))
      << reports[0];
}

TEST_F(GenServerExit, LinkedNonTrappingBSurvivesANormalStop) {
  otp::testkit kit;
  linked_run run;
  run_linked(kit, run, false, term{"stop"_a, "normal"_a});
  EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(run.a), term{"normal"_a});
  EXPECT_EQ(kit.exit_reason(run.b), std::nullopt);
  ASSERT_TRUE(run.a_alive && run.b_alive);
  EXPECT_EQ(run.a_alive->error(), noproc_call("ter_a"_a, "is_alive"_a));
  ASSERT_TRUE(run.b_alive->has_value());
  EXPECT_EQ(**run.b_alive, term{"alive"_a});
  EXPECT_TRUE(errors().empty());
}

TEST_F(GenServerExit, LinkedTrappingBRunsTerminateWhenACrashes) {
  otp::testkit kit;
  linked_run run;
  run_linked(kit, run, true, "mistake"_a);
  EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, mistake_reason()),
                              terminated("ter_b"_a, mistake_reason())}));
  EXPECT_EQ(kit.exit_reason(run.a), mistake_reason());
  EXPECT_EQ(kit.exit_reason(run.b), mistake_reason());
  ASSERT_TRUE(run.a_alive && run.b_alive);
  EXPECT_EQ(run.a_alive->error(), noproc_call("ter_a"_a, "is_alive"_a));
  EXPECT_EQ(run.b_alive->error(), noproc_call("ter_b"_a, "is_alive"_a));
  auto reports = errors();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(has(reports[0], "** Generic server ter_a terminating"));
  EXPECT_TRUE(has(reports[1], "** Generic server ter_b terminating"));
  // ter_b's last message is its parent's exit signal.
  EXPECT_TRUE(has(reports[1], "** Last message in was " +
                                  to_string(exit_msg(run.a, mistake_reason()))))
      << reports[1];
  EXPECT_TRUE(has(reports[1], "** Reason for termination ==\n** " +
                                  to_string(mistake_reason())));
}

TEST_F(GenServerExit, LinkedTrappingBRunsTerminateWhenAStopsNormally) {
  otp::testkit kit;
  linked_run run;
  run_linked(kit, run, true, term{"stop"_a, "normal"_a});
  EXPECT_EQ(run.log, (journal{terminated("ter_a"_a, "normal"_a),
                              terminated("ter_b"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(run.a), term{"normal"_a});
  EXPECT_EQ(kit.exit_reason(run.b), term{"normal"_a});
  ASSERT_TRUE(run.b_alive);
  EXPECT_EQ(run.b_alive->error(), noproc_call("ter_b"_a, "is_alive"_a));
  EXPECT_TRUE(errors().empty());
}

// -- the parent's exit --------------------------------------------------------

/// A parent that start_links a server (trapping or not), then ends with
/// `reason`.
struct parent_run {
  journal log;
  pid parent;
  pid server;
};

void run_parent_exit(otp::testkit& kit, parent_run& run, bool trap,
                     term reason) {
  run.parent =
      kit.spawn([&run, trap, reason](otp::process& self) -> otp::task<> {
        auto started = co_await gs::start_link<ter>(
            self, {}, ter_options{&run.log, "srv"_a, trap});
        run.server = *started;
        self.exit(reason);
      });
  kit.run_until_idle();
}

TEST_F(GenServerExit, ParentExitRunsTerminateInATrappingServer) {
  otp::testkit kit;
  parent_run run;
  run_parent_exit(kit, run, true, "bye"_a);
  EXPECT_EQ(run.log, (journal{terminated("srv"_a, "bye"_a)}));
  EXPECT_EQ(kit.exit_reason(run.server), term{"bye"_a});
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(has(reports[0], "** Last message in was " +
                                  to_string(exit_msg(run.parent, "bye"_a))))
      << reports[0];
}

TEST_F(GenServerExit, ParentNormalExitRunsTerminateInATrappingServer) {
  otp::testkit kit;
  parent_run run;
  run_parent_exit(kit, run, true, "normal"_a);
  EXPECT_EQ(run.log, (journal{terminated("srv"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(run.server), term{"normal"_a});
  EXPECT_TRUE(errors().empty());
}

TEST_F(GenServerExit, ParentExitKillsANonTrappingServerWithoutTerminate) {
  otp::testkit kit;
  parent_run run;
  run_parent_exit(kit, run, false, "bye"_a);
  EXPECT_TRUE(run.log.empty());
  EXPECT_EQ(kit.exit_reason(run.server), term{"bye"_a});
  EXPECT_TRUE(errors().empty());
}

// erl: {ok, S} = gen_server:start_link(M, Trap, []), unlink(S),
// exit(S, bye): the server runs terminate(bye). Unlinked, the starter is
// still its parent, whose 'EXIT' it obeys.
TEST_F(GenServerExit, TheParentStaysTheParentAfterAnUnlink) {
  otp::testkit kit;
  parent_run run;
  run.parent = kit.spawn([&run](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start_link<ter>(
        self, {}, ter_options{&run.log, "srv"_a, true});
    run.server = *started;
    self.unlink(run.server);
    self.exit(run.server, "bye"_a);
    co_await self.receive([](const term&) { return false; });
  });
  kit.run_until_idle();
  EXPECT_EQ(run.log, (journal{terminated("srv"_a, "bye"_a)}));
  EXPECT_EQ(kit.exit_reason(run.server), term{"bye"_a});
  EXPECT_TRUE(kit.info(run.parent)->links.empty());
}

TEST_F(GenServerExit, NonParentExitsGoToHandleInfoOfATrappingServer) {
  otp::testkit kit;
  journal log;
  pid server, linked, stranger;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start_link<ter>(
        self, {}, ter_options{&log, "srv"_a, true});
    server = *started;
    // A linked process other than the parent ends...
    linked = self.spawn(
        [](otp::process& me, pid s) -> otp::task<> {
          me.link(s);
          me.exit("gone"_a);
          co_return;
        },
        server);
    // ... and an unrelated one calls exit(Server, bye).
    stranger = self.spawn(
        [](otp::process& me, pid s) -> otp::task<> {
          me.exit(s, "bye"_a);
          co_return;
        },
        server);
    co_await sigtest::idle(self); // the parent stays
  });
  kit.run_until_idle();
  EXPECT_THAT(log, ::testing::UnorderedElementsAre(
                       info("srv"_a, exit_msg(linked, "gone"_a)),
                       info("srv"_a, exit_msg(stranger, "bye"_a))));
  EXPECT_EQ(kit.exit_reason(server), std::nullopt);
  EXPECT_TRUE(errors().empty());
}

// -- crash reports ------------------------------------------------------------

TEST_F(GenServerExit, CrashReportShowsTheFormattedStateAndTheLastMessage) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    ter_options o{&log, "ter_a"_a, false};
    o.custom_format_status = true;
    auto started = co_await gs::start<ter>(self, {"ter_a"_a}, o);
    a = *started;
    gs::cast(self, a, "mistake"_a);
  });
  kit.run_until_idle();
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u);
  const std::string& r = reports[0];
  EXPECT_TRUE(has(r, "** Generic server ter_a terminating")) << r;
  EXPECT_TRUE(has(r, "** Last message in was {'$gen_cast',mistake}")) << r;
  EXPECT_TRUE(has(r, "** When Server state == {formatted,ter_a}")) << r;
  EXPECT_TRUE(
      has(r, "** Reason for termination ==\n** " + to_string(mistake_reason())))
      << r;
}

TEST_F(GenServerExit, CrashReportOfAnUnnamedServerNamesItsPid) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started =
        co_await gs::start<ter>(self, {}, ter_options{&log, "ter_a"_a, false});
    a = *started;
    gs::cast(self, a, term{"stop"_a, "else"_a});
  });
  kit.run_until_idle();
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(
      has(reports[0], "** Generic server " + to_string(a) + " terminating"))
      << reports[0];
}

// -- terminate failing, exit/1 in a callback ----------------------------------

TEST_F(GenServerExit, TerminateThrowingReplacesTheExitReason) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    ter_options o{&log, "ter_a"_a, false};
    o.terminate_fails = "exception"_a;
    auto started = co_await gs::start<ter>(self, {"ter_a"_a}, o);
    a = *started;
    gs::cast(self, a, term{"stop"_a, "normal"_a});
  });
  kit.run_until_idle();
  term oops{atoms::exception, atom{"std::runtime_error"}, std::string{"oops"}};
  EXPECT_EQ(log, (journal{terminated("ter_a"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(a), oops);
  // A normal stop whose terminate failed is a crash: reported.
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(
      has(reports[0], "** Reason for termination ==\n** " + to_string(oops)))
      << reports[0];
}

TEST_F(GenServerExit, TerminateCallingExitReplacesTheExitReason) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    ter_options o{&log, "ter_a"_a, false};
    o.terminate_fails = "exit"_a;
    auto started = co_await gs::start<ter>(self, {"ter_a"_a}, o);
    a = *started;
    gs::cast(self, a, term{"stop"_a, "normal"_a});
  });
  kit.run_until_idle();
  EXPECT_EQ(log, (journal{terminated("ter_a"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(a), term{"oops"_a});
  EXPECT_EQ(errors().size(), 1u);
}

TEST_F(GenServerExit, ExitInACallbackRunsTerminateWithItsReason) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start<ter>(self, {"ter_a"_a},
                                           ter_options{&log, "ter_a"_a, false});
    a = *started;
    gs::cast(self, a, term{"exit"_a, "else"_a});
  });
  kit.run_until_idle();
  EXPECT_EQ(log, (journal{terminated("ter_a"_a, "else"_a)}));
  EXPECT_EQ(kit.exit_reason(a), term{"else"_a});
  auto reports = errors();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(
      has(reports[0], "** Last message in was {'$gen_cast',{exit,else}}"));
}

TEST_F(GenServerExit, ExitNormalInACallbackRunsTerminateWithoutReport) {
  otp::testkit kit;
  journal log;
  pid a;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start<ter>(self, {"ter_a"_a},
                                           ter_options{&log, "ter_a"_a, false});
    a = *started;
    gs::cast(self, a, term{"exit"_a, "normal"_a});
  });
  kit.run_until_idle();
  EXPECT_EQ(log, (journal{terminated("ter_a"_a, "normal"_a)}));
  EXPECT_EQ(kit.exit_reason(a), term{"normal"_a});
  EXPECT_TRUE(errors().empty());
}

// -- exceptions that are also exits or results --------------------------------

/// A std::exception that is also an exit_exception: the exit wins, as the
/// engine's catch order gives (exit_exception before std::exception).
struct exit_and_exception : std::runtime_error, otp::exit_exception {
  exit_and_exception()
      : std::runtime_error("both"), otp::exit_exception{"its_reason"_a} {}
};

/// A std::exception that is also a thrown noreply result: the result wins.
struct noreply_and_exception : std::runtime_error, gs::noreply_result {
  noreply_and_exception() : std::runtime_error("both"), gs::noreply_result{} {}
};

/// `exit` throws exit_and_exception, `noreply` noreply_and_exception,
/// `crash` a plain std::runtime_error.
class mixed_thrower : public gs::server<mixed_thrower> {
public:
  cast_result handle_cast(const term& msg) {
    if (msg == term{"exit"_a})
      throw exit_and_exception{};
    if (msg == term{"noreply"_a})
      throw noreply_and_exception{};
    throw std::runtime_error("plain");
  }
};

/// Starts an `S` in `kit`, casts it `msgs` in order and runs until idle.
template <class S>
pid started_and_cast(otp::testkit& kit, const std::vector<term>& msgs) {
  pid server;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<S>(self, {});
    for (const term& m : msgs)
      gs::cast(self, server, m);
  });
  kit.run_until_idle();
  return server;
}

TEST_F(GenServerExit, AStdExceptionThatIsAlsoAnExitEndsWithTheExitsReason) {
  otp::testkit kit;
  // The plain type first: the engine remembers it as plain, and the next
  // throw must still be told apart.
  const pid a = started_and_cast<mixed_thrower>(kit, {"noreply"_a, "exit"_a});
  EXPECT_EQ(kit.exit_reason(a), term{"its_reason"_a});
}

TEST_F(GenServerExit, AStdExceptionThatIsAlsoAResultIsTheResult) {
  otp::testkit kit;
  const pid a = started_and_cast<mixed_thrower>(
      kit, {"noreply"_a, "noreply"_a, "crash"_a});
  EXPECT_EQ(kit.exit_reason(a),
            (term{atoms::exception, atom{"std::runtime_error"},
                  std::string{"plain"}}));
  EXPECT_EQ(errors().size(), 1u);
}

/// mixed_thrower's throws from coroutine callbacks: handle_cast as above,
/// handle_call throws exit_and_exception.
class async_mixed_thrower : public gs::server<async_mixed_thrower> {
public:
  otp::task<cast_result> handle_cast(const term& msg) {
    co_await std::suspend_never{};
    if (msg == term{"exit"_a})
      throw exit_and_exception{};
    if (msg == term{"noreply"_a})
      throw noreply_and_exception{};
    throw std::runtime_error("plain");
  }
  otp::task<call_result> handle_call(const term&, const from&) {
    co_await std::suspend_never{};
    throw exit_and_exception{};
  }
};

TEST_F(GenServerExit, CoroutineCallbacksTellExceptionsFromExitsAndResults) {
  otp::testkit kit;
  const pid a =
      started_and_cast<async_mixed_thrower>(kit, {"noreply"_a, "exit"_a});
  const pid b =
      started_and_cast<async_mixed_thrower>(kit, {"noreply"_a, "crash"_a});
  pid c;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    c = *co_await gs::start<async_mixed_thrower>(self, {});
    (void)co_await gs::call(self, c, "x"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(kit.exit_reason(a), term{"its_reason"_a});
  EXPECT_EQ(kit.exit_reason(b),
            (term{atoms::exception, atom{"std::runtime_error"},
                  std::string{"plain"}}));
  EXPECT_EQ(kit.exit_reason(c), term{"its_reason"_a});
}

} // namespace gen_server_exit_test
