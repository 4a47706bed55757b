// sys on gen_servers: get_state, replace_state, get_status, suspend/resume,
// statistics, trace, change_code, terminate. Outcomes checked against
// Erlang/OTP 25's sys and gen_server (run in erl).

#include "otp/sys.hpp"

#include "otp/gen_server.hpp"
#include "otp/logger.hpp"
#include "sigtest.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace sys_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sys = otp::sys;

using journal = std::vector<term>;

struct kv_options {
  journal* log = nullptr;
  bool trap = false;
  bool terminate_throws = false;
};

/// A counter: call `get`, cast `inc`; its state() is the count.
class kv : public gs::server<kv> {
public:
  explicit kv(kv_options o) : o_(o) {}

  init_result init() {
    if (o_.trap)
      self().trap_exit(true);
    return ok();
  }
  call_result handle_call(const term& req, const from&) {
    note(term{"call"_a, req});
    if (req == term{"get"_a})
      return reply(n_);
    return reply("ok"_a);
  }
  cast_result handle_cast(const term& msg) {
    note(term{"cast"_a, msg});
    if (msg == term{"inc"_a})
      ++n_;
    return noreply();
  }
  info_result handle_info(const term& msg) {
    note(term{"info"_a, msg});
    return noreply();
  }
  void terminate(const term& reason) {
    note(term{"terminate"_a, reason});
    if (o_.terminate_throws)
      throw std::runtime_error("oops");
  }
  /// old_vsn `bad`: returns an error; `crash`: throws; otherwise the count
  /// becomes `extra`.
  otp::expected<void, term> code_change(const term& old_vsn,
                                        const term& extra) {
    note(term{"code_change"_a, old_vsn, extra});
    if (old_vsn == term{"bad"_a})
      return otp::unexpected<term>("nope"_a);
    if (old_vsn == term{"crash"_a})
      throw std::runtime_error("cc");
    n_ = extra.as_int();
    return {};
  }

  term state() const override { return n_; }
  term format_status() const override { return term{"formatted"_a, n_}; }

  std::int64_t n_ = 0;

private:
  void note(term t) {
    if (o_.log)
      o_.log->push_back(std::move(t));
  }
  kv_options o_;
};

/// Another server type, for replace_state with the wrong type.
class other : public gs::server<other> {};

/// Captures the log for the test and restores the handlers afterwards.
class Sys : public ::testing::Test {
protected:
  void SetUp() override {
    saved_ids_ = otp::logger::handler_ids();
    for (const std::string& id : saved_ids_)
      otp::logger::remove_handler(id);
    ASSERT_TRUE(otp::logger::add_handler("capture", capture_));
  }
  void TearDown() override {
    otp::logger::remove_handler("capture");
    for (const std::string& id : saved_ids_)
      if (id == "default")
        (void)otp::logger::add_handler(id,
                                       std::make_shared<otp::stderr_handler>());
  }

  /// The sys trace lines (`*DBG* ...`).
  [[nodiscard]] std::vector<std::string> dbg() const {
    std::vector<std::string> out;
    for (const otp::log_event& e : capture_->events())
      if (e.text.rfind("*DBG*", 0) == 0)
        out.push_back(e.text);
    return out;
  }

  std::shared_ptr<otp::capture_handler> capture_ =
      std::make_shared<otp::capture_handler>();
  std::vector<std::string> saved_ids_;
};

/// A list's elements.
std::vector<term> items(const term& list) {
  std::vector<term> out;
  if (list.is_list())
    for (const term& t : list.as_list())
      out.push_back(t);
  return out;
}

/// running or suspended, from a get_status answer.
term sys_state_of(const term& status) {
  if (!status.is_tuple(4))
    return status;
  auto v = items(status[3]);
  return v.size() == 5 ? v[1] : status;
}

/// Runs `body(self, server)` in a driver after starting a kv (not linked).
template <class Body>
pid with_server(otp::testkit& kit, journal& log, Body body, kv_options o = {}) {
  o.log = &log;
  pid server;
  kit.spawn([&server, o, body](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start<kv>(self, {}, o);
    server = *started;
    co_await body(self, server);
  });
  kit.run_until_idle();
  return server;
}

/// Spawns `fn(me, server)` monitored; `co_await reason_of(self, ...)` then
/// gives its exit reason. (Not one coroutine template: a coroutine frame
/// holding a lambda trips -Wsubobject-linkage in unity builds.)
template <class Fn>
otp::ref spawn_watched(otp::process& self, pid server, Fn fn) {
  return self.spawn_monitor(fn, server).second;
}

otp::task<term> reason_of(otp::process& self, otp::ref watched) {
  term down = co_await self.receive(sigtest::down_of(watched));
  co_return down[4];
}

// -- get_state, replace_state -------------------------------------------------

TEST_F(Sys, GetStateGivesTheServersState) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    got.push_back(co_await sys::get_state(self, s));
    gs::cast(self, s, "inc"_a);
    got.push_back(co_await sys::get_state(self, s));
  });
  EXPECT_EQ(got, (std::vector<term>{0, 1}));
}

TEST_F(Sys, GetStateOfNobodyExitsTheCallerWithNoproc) {
  otp::testkit kit;
  auto p = kit.spawn([](otp::process& self) -> otp::task<> {
    (void)co_await sys::get_state(self, "nobody"_a);
  });
  kit.run_until_idle();
  // OTP: {noproc, {sys, get_state, [nobody]}}.
  EXPECT_EQ(kit.exit_reason(p),
            (term{atoms::noproc,
                  term{"sys"_a, "get_state"_a, term::list({"nobody"_a})}}));
}

TEST_F(Sys, ReplaceStateRunsInTheServerAndReturnsTheNewState) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    gs::cast(self, s, "inc"_a);
    got.push_back(
        co_await sys::replace_state<kv>(self, s, [](kv& k) { k.n_ += 100; }));
    got.push_back(co_await gs::call(self, s, "get"_a));
  });
  EXPECT_EQ(got, (std::vector<term>{101, 101}));
}

TEST_F(Sys, ReplaceStateThatFailsLeavesTheServerRunningUnchanged) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  pid server =
      with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
        gs::cast(self, s, "inc"_a);
        // The wrong server type, then a function that throws, each from a
        // process of its own (in OTP the caller fails).
        (void)co_await reason_of(
            self, spawn_watched(self, s,
                                [](otp::process& me, pid srv) -> otp::task<> {
                                  (void)co_await sys::replace_state<other>(
                                      me, srv, [](other&) {});
                                }));
        (void)co_await reason_of(
            self, spawn_watched(
                      self, s, [](otp::process& me, pid srv) -> otp::task<> {
                        (void)co_await sys::replace_state<kv>(me, srv, [](kv&) {
                          throw std::runtime_error("no");
                        });
                      }));
        got.push_back(co_await gs::call(self, s, "get"_a));
      });
  EXPECT_EQ(kit.exit_reason(server), std::nullopt);
  EXPECT_EQ(got, std::vector<term>{1});
}

// OTP 25 (checked in erl): sys:replace_state raises
// error({callback_failed, {gen_server, system_replace_state}, {error, boom}})
// in the caller (sys.erl: `{error, Reason} -> error(Reason)`); sys.hpp also
// says it "fails the call". Expected: the caller exits with {callback_failed,
// {gen_server, system_replace_state}, Reason}.
TEST_F(Sys, ReplaceStateThatFailsFailsTheCaller) {
  otp::testkit kit;
  journal log;
  std::vector<term> reasons;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    reasons.push_back(co_await reason_of(
        self,
        spawn_watched(self, s, [](otp::process& me, pid srv) -> otp::task<> {
          (void)co_await sys::replace_state<other>(me, srv, [](other&) {});
          me.exit("returned"_a);
        })));
    reasons.push_back(co_await reason_of(
        self,
        spawn_watched(self, s, [](otp::process& me, pid srv) -> otp::task<> {
          (void)co_await sys::replace_state<kv>(
              me, srv, [](kv&) { throw std::runtime_error("no"); });
          me.exit("returned"_a);
        })));
  });
  ASSERT_EQ(reasons.size(), 2u);
  for (const term& r : reasons) {
    ASSERT_TRUE(r.is_tuple(3)) << to_string(r);
    EXPECT_EQ(r[0], term{"callback_failed"_a});
    EXPECT_EQ(r[1], (term{atoms::gen_server, "system_replace_state"_a}));
  }
}

// -- get_status ---------------------------------------------------------------

term status_misc(const term& name, const term& sys_state, const pid& parent,
                 std::int64_t n) {
  auto text = [](std::string_view s) { return term::charlist(s); };
  return term::list(
      {term{"header"_a, text("Status for generic server " + to_string(name))},
       term{"data"_a,
            term::list({term{text("Status"), sys_state},
                        term{text("Parent"), parent},
                        term{text("Logged events"), term::list({})}})},
       term{"data"_a,
            term::list({term{text("State"), term{"formatted"_a, n}}})}});
}

TEST_F(Sys, GetStatusHasOtpsShape) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  pid server =
      with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
        got.push_back(co_await sys::get_status(self, s));
        co_await sys::suspend(self, s);
        got.push_back(co_await sys::get_status(self, s));
        co_await sys::resume(self, s);
      });
  ASSERT_EQ(got.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const term& st = got[i];
    ASSERT_TRUE(st.is_tuple(4)) << to_string(st);
    EXPECT_EQ(st[0], term{"status"_a});
    EXPECT_EQ(st[1], term{server});
    EXPECT_EQ(st[2], (term{"module"_a, atoms::gen_server}));
    const auto parts = items(st[3]);
    ASSERT_EQ(parts.size(), 5u) << to_string(st[3]);
    EXPECT_TRUE(parts[0].is_list()); // the process dictionary
    term sys_state = i == 0 ? term{atoms::running} : term{atoms::suspended};
    EXPECT_EQ(parts[1], sys_state);
    // Started with start: the parent is the server itself (OTP).
    EXPECT_EQ(parts[2], term{server});
    EXPECT_EQ(parts[3], term::list({})); // no debug options
    EXPECT_EQ(parts[4], status_misc(server, sys_state, server, 0));
  }
}

TEST_F(Sys, GetStatusOfALinkedNamedServerNamesItAndItsParent) {
  otp::testkit kit;
  std::optional<term> status;
  pid driver = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started =
        co_await gs::start_link<kv>(self, {"counter"_a}, kv_options{});
    status = co_await sys::get_status(self, "counter"_a);
    co_await sigtest::idle(self);
  });
  kit.run_until_idle();
  ASSERT_TRUE(status.has_value());
  const auto parts = items((*status)[3]);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[2], term{driver});
  EXPECT_EQ(parts[4], status_misc("counter"_a, atoms::running, driver, 0));
}

// -- suspend, resume ----------------------------------------------------------

TEST_F(Sys, ASuspendedServerAnswersOnlySystemMessagesUntilResumed) {
  otp::testkit kit;
  journal log;
  std::optional<term> reply;
  std::vector<term> during;
  pid server, client;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    server = s;
    co_await sys::suspend(self, s);
    co_return;
  });
  // Ordinary messages wait...
  client = kit.spawn([&](otp::process& self) -> otp::task<> {
    gs::cast(self, server, "inc"_a);
    self.send(server, "hello"_a);
    reply = co_await gs::call(self, server, "get"_a);
  });
  kit.run_until_idle();
  EXPECT_FALSE(reply.has_value());
  EXPECT_TRUE(log.empty());
  // ... system messages do not.
  kit.spawn([&](otp::process& self) -> otp::task<> {
    during.push_back(co_await sys::get_state(self, server));
    during.push_back(sys_state_of(co_await sys::get_status(self, server)));
    co_await sys::resume(self, server);
  });
  kit.run_until_idle();
  EXPECT_EQ(during, (std::vector<term>{0, atoms::suspended}));
  // Resumed: served in the order they came.
  EXPECT_EQ(reply, term{1});
  EXPECT_EQ(log, (journal{term{"cast"_a, "inc"_a}, term{"info"_a, "hello"_a},
                          term{"call"_a, "get"_a}}));
}

TEST_F(Sys, ASuspendedServerStillObeysItsParentsExit) {
  otp::testkit kit;
  journal log;
  pid server;
  pid parent = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto started =
        co_await gs::start_link<kv>(self, {}, kv_options{&log, true});
    server = *started;
    co_await sys::suspend(self, server);
    self.exit("bye"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(kit.exit_reason(parent), term{"bye"_a});
  EXPECT_EQ(log, (journal{term{"terminate"_a, "bye"_a}}));
  EXPECT_EQ(kit.exit_reason(server), term{"bye"_a});
}

// -- statistics ---------------------------------------------------------------

/// enable, 2 calls + 1 cast + 1 info, get, a system call, get, disable.
struct stats_run {
  journal log;
  std::vector<term> got;
};

void run_stats(otp::testkit& kit, stats_run& run) {
  with_server(kit, run.log, [&run](otp::process& self, pid s) -> otp::task<> {
    run.got.push_back(co_await sys::statistics(self, s, sys::stats::enable));
    (void)co_await gs::call(self, s, "get"_a);
    (void)co_await gs::call(self, s, "get"_a);
    gs::cast(self, s, "inc"_a);
    self.send(s, "hello"_a);
    run.got.push_back(co_await sys::statistics(self, s, sys::stats::get));
    (void)co_await sys::get_state(self, s);
    run.got.push_back(co_await sys::statistics(self, s, sys::stats::get));
    run.got.push_back(co_await sys::statistics(self, s, sys::stats::disable));
  });
}

/// The value of `key` in a `{ok, [{Key, Value}, ...]}`.
std::optional<term> stat(const term& answer, atom key) {
  if (!answer.is_tuple(2) || !answer[1].is_list())
    return std::nullopt;
  for (const term& entry : items(answer[1]))
    if (entry.is_tuple(2) && entry[0] == term{key})
      return entry[1];
  return std::nullopt;
}

TEST_F(Sys, StatisticsEnableGetDisable) {
  otp::testkit kit;
  stats_run run;
  run_stats(kit, run);
  ASSERT_EQ(run.got.size(), 4u);
  EXPECT_EQ(run.got[0], term{atoms::ok});
  EXPECT_EQ(run.got[3], term{atoms::ok});
  const term& s = run.got[1];
  ASSERT_TRUE(s.is_tuple(2) && s[0] == term{atoms::ok}) << to_string(s);
  std::vector<term> keys;
  for (const term& entry : items(s[1]))
    keys.push_back(entry[0]);
  EXPECT_EQ(keys,
            (std::vector<term>{"start_time"_a, "current_time"_a, "reductions"_a,
                               "messages_in"_a, "messages_out"_a}));
  EXPECT_EQ(stat(s, "messages_out"_a), term{2}); // the two replies
}

// OTP 25 (checked in erl): after enable, 2 calls, 1 cast and 1
// info, sys:statistics(P, get) gives {messages_in, 4}, and still 4 after a
// sys:get_state; messages_out 2.
TEST_F(Sys, StatisticsCountOnlyOrdinaryMessages) {
  otp::testkit kit;
  stats_run run;
  run_stats(kit, run);
  ASSERT_EQ(run.got.size(), 4u);
  EXPECT_EQ(stat(run.got[1], "messages_in"_a), term{4});
  EXPECT_EQ(stat(run.got[2], "messages_in"_a), term{4});
  EXPECT_EQ(stat(run.got[2], "messages_out"_a), term{2});
}

// OTP 25 (checked in erl): {ok, no_statistics}, before enabling
// and after disabling.
TEST_F(Sys, StatisticsGetWhenDisabledIsOkNoStatistics) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    got.push_back(co_await sys::statistics(self, s, sys::stats::get));
    (void)co_await sys::statistics(self, s, sys::stats::enable);
    (void)co_await sys::statistics(self, s, sys::stats::disable);
    got.push_back(co_await sys::statistics(self, s, sys::stats::get));
  });
  const term expected{atoms::ok, "no_statistics"_a};
  EXPECT_EQ(got, (std::vector<term>{expected, expected}));
}

// -- trace --------------------------------------------------------------------

bool any_has(const std::vector<std::string>& lines, const std::string& part) {
  for (const std::string& l : lines)
    if (l.find(part) != std::string::npos)
      return true;
  return false;
}

TEST_F(Sys, TraceLogsEveryMessageInAndOut) {
  otp::testkit kit;
  journal log;
  pid driver;
  pid server =
      with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
        driver = self.self();
        co_await sys::trace(self, s, true);
        (void)co_await gs::call(self, s, "get"_a);
        gs::cast(self, s, "inc"_a);
        self.send(s, "hello"_a);
        (void)co_await gs::call(self, s, "get"_a);
        co_await sys::trace(self, s, false);
        (void)co_await gs::call(self, s, "after"_a);
      });
  const std::string name = to_string(server);
  const std::string from = to_string(driver);
  auto lines = dbg();
  // OTP: *DBG* <0.79.0> got call get from <0.9.0>
  //      *DBG* <0.79.0> sent 1 to <0.9.0>, new state 1
  EXPECT_TRUE(any_has(lines, "*DBG* " + name + " got call get from " + from));
  EXPECT_TRUE(any_has(lines, "*DBG* " + name + " sent 0 to " + from));
  EXPECT_TRUE(any_has(lines, "*DBG* " + name + " got cast inc"));
  EXPECT_TRUE(any_has(lines, "*DBG* " + name + " got hello"));
  EXPECT_TRUE(any_has(lines, "*DBG* " + name + " sent 1 to " + from));
  EXPECT_FALSE(any_has(lines, "after")); // trace is off again
}

// OTP 25 (checked in erl): system messages never go through
// sys:handle_debug, so they are not traced.
TEST_F(Sys, TraceDoesNotLogSystemMessages) {
  otp::testkit kit;
  journal log;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    co_await sys::trace(self, s, true);
    (void)co_await sys::get_state(self, s);
    (void)co_await gs::call(self, s, "get"_a);
    co_await sys::trace(self, s, false);
  });
  auto lines = dbg();
  EXPECT_FALSE(any_has(lines, "system")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(any_has(lines, "got call get"));
}

TEST_F(Sys, TraceOptionTracesFromTheStart) {
  otp::testkit kit;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = co_await gs::start<kv>(
        self, gs::start_options{"traced"_a}.with_trace(), kv_options{});
    (void)co_await gs::call(self, *s, "get"_a);
  });
  kit.run_until_idle();
  auto lines = dbg();
  EXPECT_TRUE(any_has(lines, "*DBG* traced got call get from "));
  EXPECT_TRUE(any_has(lines, "*DBG* traced sent 0 to "));
}

// -- change_code --------------------------------------------------------------

TEST_F(Sys, ChangeCodeOfARunningServerIsAnUnknownSystemMessage) {
  otp::testkit kit;
  journal log;
  std::optional<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    got = co_await sys::change_code(self, s, "v1"_a, 5);
  });
  // OTP: {error, {unknown_system_msg, {change_code, Mod, v1, 5}}}.
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->is_tuple(2)) << to_string(*got);
  EXPECT_EQ((*got)[0], term{atoms::error});
  ASSERT_TRUE((*got)[1].is_tuple(2)) << to_string(*got);
  EXPECT_EQ((*got)[1][0], term{"unknown_system_msg"_a});
  const term& req = (*got)[1][1];
  ASSERT_TRUE(req.is_tuple(4)) << to_string(req);
  EXPECT_EQ(req[0], term{"change_code"_a});
  EXPECT_EQ(req[2], term{"v1"_a});
  EXPECT_EQ(req[3], term{5});
  EXPECT_TRUE(log.empty()); // code_change not called
}

TEST_F(Sys, ChangeCodeWhileSuspendedCallsCodeChange) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    co_await sys::suspend(self, s);
    got.push_back(co_await sys::change_code(self, s, "v1"_a, 5));
    // Still suspended after the change (OTP).
    got.push_back(sys_state_of(co_await sys::get_status(self, s)));
    co_await sys::resume(self, s);
    got.push_back(co_await gs::call(self, s, "get"_a));
  });
  EXPECT_EQ(got, (std::vector<term>{atoms::ok, atoms::suspended, 5}));
  EXPECT_EQ(log[0], (term{"code_change"_a, "v1"_a, 5}));
}

TEST_F(Sys, ChangeCodeReturningAnErrorIsReturnedAndTheServerGoesOn) {
  otp::testkit kit;
  journal log;
  std::vector<term> got;
  pid server =
      with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
        co_await sys::suspend(self, s);
        got.push_back(co_await sys::change_code(self, s, "bad"_a, 5));
        got.push_back(co_await sys::change_code(self, s, "crash"_a, 5));
        co_await sys::resume(self, s);
        got.push_back(co_await gs::call(self, s, "get"_a));
      });
  ASSERT_EQ(got.size(), 3u);
  // OTP: code_change returning something else than {ok, S} (here: the
  // error `nope`) makes sys:change_code return {error, ThatValue}.
  EXPECT_EQ(got[0], (term{atoms::error, "nope"_a}));
  ASSERT_TRUE(got[1].is_tuple(2)) << to_string(got[1]);
  EXPECT_EQ(got[1][0], term{atoms::error});
  EXPECT_EQ(got[2], term{0}); // the state is unchanged
  EXPECT_EQ(kit.exit_reason(server), std::nullopt);
}

// OTP 25 (checked in erl): gen_server calls `catch
// Mod:code_change(...)`, so an exception comes back as {error, {'EXIT',
// Reason}} (e.g. {error, {'EXIT', {badarith, Stack}}}).
TEST_F(Sys, ChangeCodeThatThrowsGivesErrorExit) {
  otp::testkit kit;
  journal log;
  std::optional<term> got;
  with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
    co_await sys::suspend(self, s);
    got = co_await sys::change_code(self, s, "crash"_a, 5);
    co_await sys::resume(self, s);
  });
  term reason{atoms::exception, atom{"std::runtime_error"}, std::string{"cc"}};
  EXPECT_EQ(got, (term{atoms::error, term{atoms::EXIT, reason}}));
}

// -- terminate ----------------------------------------------------------------

TEST_F(Sys, TerminateRunsTerminateAndEndsTheServer) {
  otp::testkit kit;
  journal log;
  bool returned = false;
  pid server =
      with_server(kit, log, [&](otp::process& self, pid s) -> otp::task<> {
        co_await sys::terminate(self, s, "done"_a);
        returned = true;
      });
  EXPECT_TRUE(returned);
  EXPECT_EQ(log, (journal{term{"terminate"_a, "done"_a}}));
  EXPECT_EQ(kit.exit_reason(server), term{"done"_a});
}

// OTP 25 (checked in erl): sys:terminate(P, normal) on a dead P
// exits with {noproc, {sys, terminate, [P, normal]}}; on a live one it
// answers ok before running terminate (sys:handle_system_msg replies, then
// calls system_terminate), so a failing terminate does not reach the caller.
TEST_F(Sys, TerminateFailuresAsInOtp) {
  otp::testkit kit;
  journal log;
  std::vector<term> reasons;
  with_server(
      kit, log,
      [&](otp::process& self, pid s) -> otp::task<> {
        reasons.push_back(co_await reason_of(
            self, spawn_watched(
                      self, s, [](otp::process& me, pid srv) -> otp::task<> {
                        co_await sys::terminate(me, srv, atoms::normal);
                        me.exit("returned"_a);
                      })));
        reasons.push_back(co_await reason_of(
            self, spawn_watched(
                      self, s, [](otp::process& me, pid srv) -> otp::task<> {
                        co_await sys::terminate(me, srv, atoms::normal);
                        me.exit("returned"_a);
                      })));
        reasons.push_back(s);
      },
      kv_options{nullptr, false, true});
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(reasons[0], term{"returned"_a}); // ok, despite terminate failing
  EXPECT_EQ(reasons[1], (term{atoms::noproc,
                              term{"sys"_a, "terminate"_a,
                                   term::list({reasons[2], atoms::normal})}}));
}

} // namespace sys_test
