// gen_server: starting (SEMANTICS §2 and the init table of §3): synchronous
// start, start_link and start_monitor, names, the start timeout, the name
// freed before a failed start answers, and every init result. Outcomes
// checked against Erlang/OTP 25 (gen_server:start*/4 in erl).
//
// (g++ 12.2 destroys an aggregate temporary built inside a co_await
// expression twice; start_options, global_name and via have constructors so
// that `co_await gs::start<S>(self, {otp::global_name{t}})` is safe.)

#include "otp/gen_server.hpp"
#include "otp/logger.hpp"
#include "otp/process_info.hpp"
#include "otp/scoped_mailbox.hpp"
#include "sigtest.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace gen_server_start_test {

using otp::atom;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;

/// What the server did, in order.
using journal = std::vector<term>;

/// How init behaves.
struct plan {
  /// ok, ok_timeout, ok_hibernate, ok_continue, ignore, stop, init_error,
  /// exception, bad_return, throw_stop, block (waits for ever), wait (waits
  /// 50 ms, then ok), links (logs its links and monitors, then ok).
  atom what = atom{"ok"};
  journal* log = nullptr;
  const otp::testkit* kit = nullptr;
};

class srv : public gs::server<srv> {
public:
  explicit srv(plan p) : p_(p) {}

  otp::task<init_result> init() {
    note(term{"init"_a, self().self()});
    const atom w = p_.what;
    if (w == atom{"ok_timeout"})
      co_return ok(100ms);
    if (w == atom{"ok_hibernate"})
      co_return ok(gs::hibernate);
    if (w == atom{"ok_continue"}) {
      self().send(self().self(), "early"_a); // queued before the continue
      co_return ok(then_continue("c1"_a));
    }
    if (w == atom{"ignore"})
      co_return ignore();
    if (w == atom{"stop"})
      co_return stop("bad"_a);
    if (w == atom{"init_error"})
      co_return init_error("nope"_a);
    if (w == atom{"exception"})
      throw std::runtime_error("boom");
    if (w == atom{"bad_return"})
      co_return init_result{};
    if (w == atom{"throw_stop"})
      throw stop(term{"thrown"_a});
    if (w == atom{"block"})
      co_await self().receive(sigtest::nothing);
    if (w == atom{"wait"}) {
      co_await self().receive(sigtest::nothing, 50ms);
      note("init_done"_a);
    }
    if (w == atom{"links"}) {
      auto info = p_.kit->info(self().self());
      note(term{"links"_a,
                term::list(std::span<const term>{to_terms(info->links)})});
      note(term{"monitored_by"_a, term::list(std::span<const term>{
                                      to_terms(info->monitored_by)})});
    }
    co_return ok();
  }

  call_result handle_call(const term& req, const from&) {
    note(term{"call"_a, req});
    return reply(term{"got"_a, req});
  }
  info_result handle_info(const term& msg) {
    note(term{"info"_a, msg});
    return noreply();
  }
  continue_result handle_continue(const term& c) {
    note(term{"continue"_a, c});
    return noreply();
  }

private:
  void note(term t) {
    if (p_.log)
      p_.log->push_back(std::move(t));
  }
  static std::vector<term> to_terms(const std::vector<pid>& v) {
    return {v.begin(), v.end()};
  }
  plan p_;
};

/// A via registry that never checks liveness (like a registry that does not
/// monitor): a name stays taken until it is unregistered.
class plain_registry final : public otp::registry {
public:
  bool register_name(const term& name, const pid& p) override {
    std::lock_guard lock{mutex_};
    return names_.try_emplace(name, p).second;
  }
  void unregister_name(const term& name) override {
    std::lock_guard lock{mutex_};
    names_.erase(name);
  }
  pid whereis_name(const term& name) const override {
    std::lock_guard lock{mutex_};
    auto it = names_.find(name);
    return it == names_.end() ? pid{} : it->second;
  }

private:
  mutable std::mutex mutex_;
  std::map<term, pid> names_;
};

std::size_t count_inits(const journal& log) {
  return sigtest::count(log, [](const term& t) {
    return t.is_tuple(2) && t[0] == term{"init"_a};
  });
}

/// The pid init logged (`{init, Pid}`), or null.
pid init_pid(const journal& log, std::size_t nth = 0) {
  for (const term& t : log)
    if (t.is_tuple(2) && t[0] == term{"init"_a} && nth-- == 0)
      return t[1].as_pid();
  return pid{};
}

/// Starts with `mode`.
otp::task<gs::start_result> start_as(otp::process& self, gs::link_mode mode,
                                     gs::start_options o, plan p) {
  switch (mode) {
  case gs::link_mode::link:
    co_return co_await gs::start_link<srv>(self, std::move(o), p);
  case gs::link_mode::monitor:
    co_return co_await gs::start_monitor<srv>(self, std::move(o), p);
  case gs::link_mode::none:
    break;
  }
  co_return co_await gs::start<srv>(self, std::move(o), p);
}

const char* mode_name(gs::link_mode m) {
  return m == gs::link_mode::link      ? "start_link"
         : m == gs::link_mode::monitor ? "start_monitor"
                                       : "start";
}

constexpr gs::link_mode all_modes[] = {gs::link_mode::none, gs::link_mode::link,
                                       gs::link_mode::monitor};

/// Captures the log for the test (the default handler comes back after).
class GenServerStart : public ::testing::Test {
protected:
  [[nodiscard]] std::size_t errors() const {
    std::size_t n = 0;
    for (const otp::log_event& e : logs_.events())
      n += e.level <= otp::log_level::error;
    return n;
  }
  [[nodiscard]] bool logged(const std::string& part) const {
    for (const otp::log_event& e : logs_.events())
      if (e.text.find(part) != std::string::npos)
        return true;
    return false;
  }

  sigtest::log_capture logs_;
};

// -- synchronous start --------------------------------------------------------

TEST_F(GenServerStart, ReturnsOnlyAfterInitHasAnswered) {
  for (gs::link_mode mode : all_modes) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    journal log;
    std::optional<std::uint64_t> returned_at;
    kit.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await start_as(self, mode, {}, plan{"wait"_a, &log});
      EXPECT_TRUE(r.has_value());
      log.push_back("started"_a);
      returned_at = kit.now_ms();
      co_await sigtest::idle(self);
    });
    kit.run_until_idle();
    EXPECT_FALSE(returned_at.has_value()); // init still running
    kit.advance_time(50ms);
    ASSERT_TRUE(returned_at.has_value());
    EXPECT_EQ(*returned_at, 50u);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[1], term{"init_done"_a});
    EXPECT_EQ(log[2], term{"started"_a});
  }
}

TEST_F(GenServerStart, StartLinkLinksBeforeInitRuns) {
  otp::testkit kit;
  journal log;
  pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
    (void)co_await gs::start_link<srv>(self, {}, plan{"links"_a, &log, &kit});
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1], (term{"links"_a, term::list({starter})}));
}

// OTP's proc_lib:start monitors the child too (until the ack), so both show
// the starter as a monitor and neither links.
TEST_F(GenServerStart, StartAndStartMonitorMonitorWithoutLinking) {
  for (gs::link_mode mode : {gs::link_mode::none, gs::link_mode::monitor}) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    journal log;
    pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
      (void)co_await start_as(self, mode, {}, plan{"links"_a, &log, &kit});
      co_await sigtest::idle(self);
    });
    kit.run_until_idle();
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[1], (term{"links"_a, term::list({})}));
    EXPECT_EQ(log[2], (term{"monitored_by"_a, term::list({starter})}));
  }
}

// -- names --------------------------------------------------------------------

/// Starts a server under `name`, calls it by name, then starts another under
/// the same name (`mode`) and records both results.
struct named_run {
  journal log;
  std::optional<gs::start_result> first, second;
  std::optional<term> reply;
  std::vector<term> mailbox_after;
};

void run_named(otp::testkit& kit, named_run& run, const otp::server_name& name,
               gs::link_mode mode) {
  kit.spawn([&run, name, mode](otp::process& self) -> otp::task<> {
    // A named variable, not a braced temporary in the co_await expression:
    // g++ 12 destroys such a temporary twice (see the note at the top).
    const gs::start_options named{name};
    run.first = co_await gs::start<srv>(self, named, plan{{}, &run.log});
    run.reply = co_await gs::call(self, otp::server_ref{name}, "hi"_a);
    run.second = co_await start_as(self, mode, named, plan{{}, &run.log});
    // Whatever the failed start left behind (OTP: nothing).
    while (auto m = co_await self.receive(0ms))
      run.mailbox_after.push_back(*m);
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
}

void expect_already_started(const named_run& run) {
  ASSERT_TRUE(run.first && run.first->has_value());
  EXPECT_EQ(run.reply, (term{"got"_a, "hi"_a}));
  ASSERT_TRUE(run.second.has_value());
  EXPECT_EQ(run.second->to_term(),
            (term{atoms::error, term{"already_started"_a, **run.first}}));
  EXPECT_EQ(count_inits(run.log), 1u); // the second init never ran
}

TEST_F(GenServerStart, LocalNameAndAlreadyStarted) {
  for (gs::link_mode mode : all_modes) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    named_run run;
    run_named(kit, run, "srv"_a, mode);
    expect_already_started(run);
    EXPECT_EQ(kit.whereis("srv"_a), **run.first);
  }
}

TEST_F(GenServerStart, GlobalNameAndAlreadyStarted) {
  const term name{"gen_server_start_test"_a, "global"_a};
  for (gs::link_mode mode : all_modes) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    named_run run;
    run_named(kit, run, otp::global_name{name}, mode);
    expect_already_started(run);
    EXPECT_EQ(otp::global_names(kit).whereis_name(name), **run.first);
    kit.exit(**run.first, "kill"_a);
    kit.run_until_idle();
    EXPECT_EQ(otp::global_names(kit).whereis_name(name), pid{});
    // The registry belongs to the runtime (kit): a name left behind by a
    // dead holder is freed with it, never after the pool is gone.
  }
}

TEST_F(GenServerStart, ViaNameAndAlreadyStarted) {
  for (gs::link_mode mode : all_modes) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    otp::local_registry reg;
    const term name{"session"_a, 42};
    named_run run;
    run_named(kit, run, otp::via{reg, name}, mode);
    expect_already_started(run);
    EXPECT_EQ(reg.whereis_name(name), **run.first);
  }
}

// OTP 25 (checked in erl): gen:start checks the name before
// spawning anything, and gen_server:start_monitor returns {error,
// {already_started, Pid}} with nothing left in the mailbox.
TEST_F(GenServerStart, StartMonitorAlreadyStartedLeavesNoDown) {
  otp::testkit kit;
  named_run run;
  run_named(kit, run, "srv"_a, gs::link_mode::monitor);
  expect_already_started(run);
  EXPECT_EQ(run.mailbox_after, std::vector<term>{});
}

// -- the start timeout --------------------------------------------------------

TEST_F(GenServerStart, TimeoutKillsAnInitThatDoesNotAnswer) {
  for (gs::link_mode mode : all_modes) {
    SCOPED_TRACE(mode_name(mode));
    otp::testkit kit;
    journal log;
    std::optional<term> result;
    pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await start_as(
          self, mode, gs::start_options{"slow"_a}.with_timeout(100ms),
          plan{"block"_a, &log});
      result = r.to_term();
      co_await sigtest::idle(self);
    });
    kit.run_until_idle();
    pid child = init_pid(log);
    ASSERT_NE(child, pid{});
    kit.advance_time(99ms);
    EXPECT_FALSE(result.has_value());
    kit.advance_time(1ms);
    EXPECT_EQ(result, (term{atoms::error, atoms::timeout}));
    EXPECT_EQ(kit.exit_reason(child), term{atoms::killed});
    EXPECT_EQ(kit.whereis("slow"_a), pid{});
    // start_link unlinks before the kill: the starter lives on.
    EXPECT_EQ(kit.exit_reason(starter), std::nullopt);
  }
}

// -- the name is free before a failed start answers ---------------------------

TEST_F(GenServerStart, FailedInitFreesTheNameBeforeTheStarterIsAnswered) {
  for (atom what :
       {atom{"ignore"}, atom{"stop"}, atom{"init_error"}, atom{"exception"},
        atom{"bad_return"}, atom{"throw_stop"}}) {
    for (gs::link_mode mode : all_modes) {
      SCOPED_TRACE(std::string{what.text()} + " " + mode_name(mode));
      otp::testkit kit;
      plain_registry reg;
      journal log;
      std::vector<term> results;
      kit.spawn([&](otp::process& self) -> otp::task<> {
        self.trap_exit(true); // start_link: survive the failed child
        for (otp::server_name name :
             {otp::server_name{"srv"_a}, otp::server_name{otp::via{reg, 7}}}) {
          const gs::start_options named{name};
          auto r = co_await start_as(self, mode, named, plan{what, &log});
          results.push_back(r.to_term());
          // At once, with nothing in between: the name is free.
          results.push_back(name.whereis(self.control().runtime()));
          auto again = co_await start_as(self, mode, named, plan{{}, &log});
          results.push_back(term{again.has_value()});
        }
      });
      kit.run_until_idle();
      ASSERT_EQ(results.size(), 6u);
      for (std::size_t i : {0u, 3u}) {
        EXPECT_FALSE(results[i].is_tuple(2) && results[i][0] == term{atoms::ok})
            << to_string(results[i]);
        EXPECT_EQ(results[i + 1], term{pid{}}) << "whereis";
        EXPECT_EQ(results[i + 2], term{true}) << "the second start";
      }
    }
  }
}

// -- init results -------------------------------------------------------------

/// Starts (not linked) with `what`; returns the result and the child.
struct init_run {
  journal log;
  std::optional<gs::start_result> result;
  pid child() const { return init_pid(log); }
};

void run_init(otp::testkit& kit, init_run& run, atom what) {
  kit.spawn([&run, what](otp::process& self) -> otp::task<> {
    run.result = co_await gs::start<srv>(self, {}, plan{what, &run.log});
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
}

TEST_F(GenServerStart, InitOk) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "ok"_a);
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.result->to_term(), (term{atoms::ok, run.child()}));
  EXPECT_EQ(kit.exit_reason(run.child()), std::nullopt);
}

TEST_F(GenServerStart, InitOkWithTimeoutSendsTimeoutToHandleInfo) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "ok_timeout"_a);
  kit.advance_time(99ms);
  EXPECT_EQ(run.log.size(), 1u);
  kit.advance_time(1ms);
  ASSERT_EQ(run.log.size(), 2u);
  EXPECT_EQ(run.log[1], (term{"info"_a, atoms::timeout}));
  kit.advance_time(1000ms); // once only
  EXPECT_EQ(run.log.size(), 2u);
}

TEST_F(GenServerStart, InitTimeoutIsCancelledByAMessage) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "ok_timeout"_a);
  kit.advance_time(50ms);
  kit.send(run.child(), "hello"_a);
  kit.advance_time(1000ms);
  ASSERT_EQ(run.log.size(), 2u);
  EXPECT_EQ(run.log[1], (term{"info"_a, "hello"_a}));
}

TEST_F(GenServerStart, InitOkHibernateWaitsForTheNextMessage) {
  otp::testkit kit;
  init_run run;
  std::optional<term> reply;
  run_init(kit, run, "ok_hibernate"_a);
  kit.advance_time(3600s);
  EXPECT_EQ(run.log.size(), 1u); // no timeout
  kit.spawn([&](otp::process& self) -> otp::task<> {
    reply = co_await gs::call(self, run.child(), "hi"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(reply, (term{"got"_a, "hi"_a}));
}

TEST_F(GenServerStart, InitContinueRunsBeforeAnyQueuedMessage) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "ok_continue"_a);
  ASSERT_EQ(run.log.size(), 3u);
  EXPECT_EQ(run.log[1], (term{"continue"_a, "c1"_a}));
  EXPECT_EQ(run.log[2], (term{"info"_a, "early"_a}));
}

TEST_F(GenServerStart, InitIgnore) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "ignore"_a);
  ASSERT_TRUE(run.result.has_value());
  EXPECT_TRUE(run.result->ignored());
  EXPECT_EQ(run.result->to_term(), term{"ignore"_a});
  EXPECT_EQ(kit.exit_reason(run.child()), term{atoms::normal});
  EXPECT_EQ(errors(), 0u);
}

TEST_F(GenServerStart, InitStop) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "stop"_a);
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.result->to_term(), (term{atoms::error, "bad"_a}));
  EXPECT_EQ(kit.exit_reason(run.child()), term{"bad"_a});
  // No "Generic server terminating" report: terminate is not for init.
  EXPECT_FALSE(logged("Generic server"));
}

TEST_F(GenServerStart, InitThrowingAResultReturnsIt) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "throw_stop"_a);
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.result->to_term(), (term{atoms::error, "thrown"_a}));
  EXPECT_EQ(kit.exit_reason(run.child()), term{"thrown"_a});
}

TEST_F(GenServerStart, InitErrorExitsNormalWithoutReport) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "init_error"_a);
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.result->to_term(), (term{atoms::error, "nope"_a}));
  EXPECT_EQ(kit.exit_reason(run.child()), term{atoms::normal});
  EXPECT_EQ(errors(), 0u);
}

TEST_F(GenServerStart, InitException) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "exception"_a);
  term reason{atoms::exception, atom{"std::runtime_error"},
              std::string{"boom"}};
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.result->to_term(), (term{atoms::error, reason}));
  EXPECT_EQ(kit.exit_reason(run.child()), reason);
}

TEST_F(GenServerStart, InitBadReturnValue) {
  otp::testkit kit;
  init_run run;
  run_init(kit, run, "bad_return"_a);
  ASSERT_TRUE(run.result.has_value());
  term t = run.result->to_term();
  ASSERT_TRUE(t.is_tuple(2) && t[0] == term{atoms::error}) << to_string(t);
  ASSERT_TRUE(t[1].is_tuple(2)) << to_string(t);
  EXPECT_EQ(t[1][0], term{atoms::bad_return_value});
  EXPECT_EQ(kit.exit_reason(run.child()), t[1]);
}

// -- start_link and start_monitor when init fails -----------------------------

TEST_F(GenServerStart, StartLinkFailureKillsANonTrappingStarter) {
  otp::testkit kit;
  journal log;
  pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
    (void)co_await gs::start_link<srv>(self, {}, plan{"stop"_a, &log});
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
  // OTP: the start returns {error, bad}, then the link's exit signal
  // (reason bad) ends the starter.
  EXPECT_EQ(kit.exit_reason(starter), term{"bad"_a});
}

TEST_F(GenServerStart, StartLinkFailureLeavesTheExitForATrappingStarter) {
  for (atom what : {atom{"stop"}, atom{"ignore"}}) {
    SCOPED_TRACE(std::string{what.text()});
    otp::testkit kit;
    journal log;
    std::optional<term> result;
    pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      auto r = co_await gs::start_link<srv>(self, {}, plan{what, &log});
      result = r.to_term();
      co_await sigtest::idle(self);
    });
    kit.run_until_idle();
    pid child = init_pid(log);
    if (what == atom{"stop"}) {
      EXPECT_EQ(result, (term{atoms::error, "bad"_a}));
      EXPECT_EQ(kit.mailbox(starter),
                std::vector<term>{sigtest::exit_msg(child, "bad"_a)});
    } else {
      EXPECT_EQ(result, term{"ignore"_a});
      EXPECT_EQ(kit.mailbox(starter),
                std::vector<term>{sigtest::exit_msg(child, atoms::normal)});
    }
  }
}

TEST_F(GenServerStart, StartMonitorSuccessGivesTheMonitor) {
  otp::testkit kit;
  journal log;
  std::optional<gs::start_result> result;
  pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
    result = co_await gs::start_monitor<srv>(self, {}, plan{{}, &log});
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
  ASSERT_TRUE(result && result->has_value());
  EXPECT_EQ(kit.mailbox(starter), std::vector<term>{});
  kit.exit(**result, "bye"_a);
  kit.run_until_idle();
  EXPECT_EQ(kit.mailbox(starter), std::vector<term>{sigtest::down_msg(
                                      result->monitor, **result, "bye"_a)});
}

// As in OTP: OTP 25 (gen:monitor_return, checked in erl): on failure
// start_monitor waits for the process to end and consumes its 'DOWN',
// returning {error, Reason} (or ignore, or {error, timeout}) with nothing
// left in the mailbox; the process is dead when the start returns.
TEST_F(GenServerStart, StartMonitorFailureConsumesTheDown) {
  for (atom what : {atom{"stop"}, atom{"ignore"}, atom{"init_error"},
                    atom{"exception"}, atom{"block"}}) {
    SCOPED_TRACE(std::string{what.text()});
    otp::testkit kit;
    journal log;
    std::optional<term> result;
    bool child_dead_at_return = false;
    pid starter = kit.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await gs::start_monitor<srv>(
          self, gs::start_options{}.with_timeout(100ms), plan{what, &log});
      result = r.to_term();
      child_dead_at_return = !kit.is_alive(init_pid(log));
      co_await sigtest::idle(self);
    });
    kit.run_until_idle();
    kit.advance_time(100ms);
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->is_tuple(2) && (*result)[0] == term{atoms::ok});
    EXPECT_TRUE(child_dead_at_return);
    EXPECT_EQ(kit.mailbox(starter), std::vector<term>{});
  }
}

// -- from outside the runtime -------------------------------------------------

class plain_srv : public gs::server<plain_srv> {
public:
  explicit plain_srv(atom what) : what_(what) {}
  init_result init() {
    if (what_ == atom{"ignore"})
      return ignore();
    if (what_ == atom{"stop"})
      return stop("bad"_a);
    if (what_ == atom{"exception"})
      throw std::runtime_error("boom");
    return ok();
  }
  call_result handle_call(const term& req, const from&) {
    return reply(term{"got"_a, req});
  }

private:
  atom what_;
};

TEST_F(GenServerStart, BlockingStartFromOutsideTheRuntime) {
  // A thread outside the runtime can only wait on a real runtime.
  otp::runtime rt;
  auto ok = gs::start<plain_srv>(rt, {"outside"_a}, "ok"_a);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(rt.whereis("outside"_a), *ok);
  auto taken = gs::start<plain_srv>(rt, {"outside"_a}, "ok"_a);
  EXPECT_EQ(taken.to_term(),
            (term{atoms::error, term{"already_started"_a, *ok}}));
  auto ignored = gs::start<plain_srv>(rt, {"other"_a}, "ignore"_a);
  EXPECT_TRUE(ignored.ignored());
  auto stopped = gs::start<plain_srv>(rt, {"other"_a}, "stop"_a);
  EXPECT_EQ(stopped.to_term(), (term{atoms::error, "bad"_a}));
  auto crashed = gs::start<plain_srv>(rt, {"other"_a}, "exception"_a);
  EXPECT_EQ(
      crashed.to_term(),
      (term{atoms::error, term{atoms::exception, atom{"std::runtime_error"},
                               std::string{"boom"}}}));
  // Each failure freed the name before answering.
  EXPECT_EQ(rt.whereis("other"_a), pid{});
  otp::scoped_mailbox me{rt};
  EXPECT_EQ(gs::call(me, "outside"_a, "hi"_a).value(), (term{"got"_a, "hi"_a}));
  EXPECT_TRUE(gs::stop(me, "outside"_a).has_value());
}

// start_result's value, read from a result kept or moved out of one done
// with; a failed start throws either way.
TEST(StartResult, ValueIsThePidWhetherReadOrMovedOut) {
  const pid p = pid::remote("n@h"_a, 7, 0, 1);
  gs::start_result kept = gs::start_result::ok(p);
  EXPECT_EQ(kept.value(), p);
  EXPECT_EQ(*kept, p);
  gs::start_result done = gs::start_result::ok(p);
  const pid moved = std::move(done).value();
  EXPECT_EQ(moved, p);
  const gs::start_result failed = gs::start_result::failed(atoms::normal);
  EXPECT_THROW((void)failed.value(), std::logic_error);
  gs::start_result ignored = gs::start_result::ignore();
  EXPECT_THROW((void)std::move(ignored).value(), std::logic_error);
}

} // namespace gen_server_start_test
