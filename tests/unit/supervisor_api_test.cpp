// supervisor: the dynamic API (SEMANTICS §5 "dynamic API"): start_child
// (already_started, already_present, start errors with OTP's child record,
// ignore, {ok, Pid, Info}, invalid specs), terminate_child, restart_child,
// delete_child, which_children, count_children, get_childspec; and what
// every call gives for a process that is not a supervisor, a dead one, an
// unknown name, or a supervisor dying during the call. Results as
// Erlang/OTP 25 returns them (checked in erl).

#include "otp/logger.hpp"
#include "otp/scoped_mailbox.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"
#include "sigtest.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_api_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// init: ok, or as `how` says (ignore, {stop, R}, block).
class worker : public gs::server<worker> {
public:
  explicit worker(term how = "ok"_a) : how_(std::move(how)) {}
  otp::task<init_result> init() {
    if (how_ == term{"ignore"_a})
      co_return ignore();
    if (how_.is_tuple(2) && how_[0] == term{"stop"_a})
      co_return stop(how_[1]);
    if (how_ == term{"block"_a})
      co_await self().receive(sigtest::nothing);
    co_return ok();
  }

private:
  term how_;
};

sv::child_spec child(term id, term how = "ok"_a) {
  return sv::child_spec::worker<worker>(std::move(id), std::move(how));
}

term mod() {
  return sv::detail::module_atom(typeid(worker));
}

/// An expected as OTP writes it: `Value` / `{error, E}`.
template <class T, class F>
term otp_result(const otp::expected<T, term>& r, F value) {
  return r ? value(*r) : term{atoms::error, r.error()};
}
term otp_result(const otp::expected<void, term>& r) {
  return r ? term{atoms::ok} : term{atoms::error, r.error()};
}
term otp_result(const otp::expected<sv::child_started, term>& r) {
  return otp_result(r, [](const sv::child_started& s) { return s.to_term(); });
}

class SupervisorApi : public ::testing::Test {
protected:
  void start(const sv::spec& s) {
    kit_.spawn([this, s](otp::process& self) -> otp::task<> {
      gs::start_result r = co_await sv::start_link(self, {}, s);
      if (r)
        sup_ = *r;
      co_await self.receive(sigtest::nothing);
    });
    kit_.run_until_idle();
    ASSERT_TRUE(sup_);
  }

  /// Runs `step` in a new process until idle.
  void act(std::function<otp::task<>(otp::process&)> step) {
    kit_.spawn([step = std::move(step)](otp::process& self) -> otp::task<> {
      co_await step(self);
    });
    kit_.run_until_idle();
  }

  std::vector<term> which() {
    std::vector<term> out;
    act([&](otp::process& self) -> otp::task<> {
      auto r = co_await sv::which_children(self, sup_);
      for (const auto& c : *r)
        out.push_back(c.to_term());
    });
    return out;
  }

  term start_child(sv::child_spec c) {
    term out;
    act([&](otp::process& self) -> otp::task<> {
      out = otp_result(co_await sv::start_child(self, sup_, c));
    });
    return out;
  }

  sigtest::log_capture logs_;
  otp::testkit kit_;
  pid sup_;
};

// -- start_child --------------------------------------------------------------

TEST_F(SupervisorApi, StartChildResults) {
  start(sv::spec{{}, child("a"_a)});
  // A new child goes last in start order (first in which_children).
  term b = start_child(child("b"_a));
  ASSERT_TRUE(b.is_tuple(2) && b[0] == term{atoms::ok}) << to_string(b);
  auto kids = which();
  ASSERT_EQ(kids.size(), 2u);
  EXPECT_EQ(kids[0], (term{"b"_a, b[1], "worker"_a, term::list({mod()})}));
  // The same id again, running, then stopped (spec kept).
  EXPECT_EQ(start_child(child("b"_a)),
            (term{atoms::error, term{"already_started"_a, b[1]}}));
  act([&](otp::process& self) -> otp::task<> {
    (void)co_await sv::terminate_child(self, sup_, "b"_a);
  });
  EXPECT_EQ(start_child(child("b"_a)),
            (term{atoms::error, "already_present"_a}));
  // A failed start: {error, {Reason, ChildRecord}}, nothing kept.
  EXPECT_EQ(start_child(child("x"_a, term{"stop"_a, "nope"_a})),
            (term{atoms::error,
                  term{"nope"_a,
                       term::tuple("child"_a, atoms::undefined, "x"_a,
                                   term{mod(), "start_link"_a, term::list({})},
                                   "permanent"_a, false, 5000, "worker"_a,
                                   term::list({mod()}))}}));
  // ignore: {ok, undefined}; the spec is kept unless temporary.
  EXPECT_EQ(start_child(child("i"_a, "ignore"_a)),
            (term{atoms::ok, atoms::undefined}));
  EXPECT_EQ(start_child(child("i"_a)),
            (term{atoms::error, "already_present"_a}));
  EXPECT_EQ(start_child(child("t"_a, "ignore"_a).with_restart(sv::temporary)),
            (term{atoms::ok, atoms::undefined}));
  EXPECT_EQ(which().size(), 3u); // a, b, i
  // An invalid spec is refused before anything starts.
  EXPECT_EQ(start_child(sv::child_spec{"z"_a, {}}),
            (term{atoms::error, "missing_start"_a}));
  // Extra args are not a spec (OTP tries them as one).
  term extra;
  act([&](otp::process& self) -> otp::task<> {
    // (g++ 12 cannot build an initializer list inside co_await.)
    const term args = term::list({1, 2});
    extra = otp_result(co_await sv::start_child(self, sup_, args));
  });
  EXPECT_EQ(extra, (term{atoms::error,
                         term{"invalid_child_spec"_a, term::list({1, 2})}}));
}

TEST_F(SupervisorApi, StartChildWithInfo) {
  start(sv::spec{});
  sv::child_spec with_info{"w"_a, [](otp::process& sup, const term&) {
                             pid p = sup.spawn_link(sigtest::idle);
                             return sv::detail::ready(
                                 gs::start_result::ok(p, "hello"_a));
                           }};
  term r = start_child(with_info);
  ASSERT_TRUE(r.is_tuple(3)) << to_string(r);
  EXPECT_EQ(r[0], term{atoms::ok});
  EXPECT_EQ(r[2], term{"hello"_a});
}

// -- terminate, restart, delete -----------------------------------------------

TEST_F(SupervisorApi, TerminateRestartDelete) {
  start(sv::spec{{}, child("a"_a), child("t"_a).with_restart(sv::temporary)});
  std::vector<term> got;
  act([&](otp::process& self) -> otp::task<> {
    got.push_back(otp_result(co_await sv::restart_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::delete_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::terminate_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::terminate_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::restart_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::terminate_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::delete_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::delete_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::restart_child(self, sup_, "a"_a)));
    got.push_back(otp_result(co_await sv::terminate_child(self, sup_, "q"_a)));
    // A temporary child's spec goes with it.
    got.push_back(otp_result(co_await sv::terminate_child(self, sup_, "t"_a)));
    got.push_back(otp_result(co_await sv::restart_child(self, sup_, "t"_a)));
  });
  ASSERT_EQ(got.size(), 12u);
  const term error = atoms::error;
  EXPECT_EQ(got[0], (term{error, "running"_a}));
  EXPECT_EQ(got[1], (term{error, "running"_a}));
  EXPECT_EQ(got[2], term{atoms::ok});
  EXPECT_EQ(got[3], term{atoms::ok}); // no process: nothing to do
  ASSERT_TRUE(got[4].is_tuple(2)) << to_string(got[4]);
  EXPECT_EQ(got[4][0], term{atoms::ok});
  EXPECT_EQ(got[5], term{atoms::ok});
  EXPECT_EQ(got[6], term{atoms::ok});
  EXPECT_EQ(got[7], (term{error, "not_found"_a}));
  EXPECT_EQ(got[8], (term{error, "not_found"_a}));
  EXPECT_EQ(got[9], (term{error, "not_found"_a}));
  EXPECT_EQ(got[10], term{atoms::ok});
  EXPECT_EQ(got[11], (term{error, "not_found"_a}));
  EXPECT_EQ(which(), std::vector<term>{});
}

TEST_F(SupervisorApi, RestartChildStartErrorAndIgnore) {
  int starts = 0;
  sv::child_spec flaky{
      "f"_a, [&starts](otp::process& sup, const term&) {
        term how = ++starts == 1 ? term{"ok"_a} : term{"stop"_a, "nope"_a};
        return gs::start_link<worker>(sup, {}, how);
      }};
  start(sv::spec{{}, flaky, child("i"_a, "ignore"_a)});
  term failed, ignored;
  act([&](otp::process& self) -> otp::task<> {
    (void)co_await sv::terminate_child(self, sup_, "f"_a);
    failed = otp_result(co_await sv::restart_child(self, sup_, "f"_a));
    ignored = otp_result(co_await sv::restart_child(self, sup_, "i"_a));
  });
  EXPECT_EQ(failed, (term{atoms::error, "nope"_a}));
  EXPECT_EQ(ignored, (term{atoms::ok, atoms::undefined}));
  EXPECT_EQ(which(),
            (std::vector<term>{
                term{"i"_a, atoms::undefined, "worker"_a, term::list({mod()})},
                term{"f"_a, atoms::undefined, "worker"_a, term()}}));
}

// -- which, count, get --------------------------------------------------------

TEST_F(SupervisorApi, WhichAndCountChildren) {
  start(
      sv::spec{{},
               child("a"_a),
               child("i"_a, "ignore"_a),
               sv::child_spec::supervisor("s"_a, sv::spec{{}, child("x"_a)})});
  auto kids = which();
  ASSERT_EQ(kids.size(), 3u);
  EXPECT_EQ(kids[0][0], term{"s"_a});
  EXPECT_TRUE(kids[0][1].is_pid());
  EXPECT_EQ(kids[0][2], term{"supervisor"_a});
  EXPECT_EQ(kids[0][3], term::list({"supervisor"_a}));
  EXPECT_EQ(kids[1],
            (term{"i"_a, atoms::undefined, "worker"_a, term::list({mod()})}));
  EXPECT_EQ(kids[2][0], term{"a"_a});
  std::optional<term> counts;
  act([&](otp::process& self) -> otp::task<> {
    auto r = co_await sv::count_children(self, sup_);
    counts = r->to_term();
  });
  EXPECT_EQ(counts,
            (term::list({term{"specs"_a, 3}, term{"active"_a, 2},
                         term{"supervisors"_a, 1}, term{"workers"_a, 2}})));
}

TEST_F(SupervisorApi, GetChildspec) {
  start(sv::spec{
      {},
      child("a"_a).with_restart(sv::transient).with_shutdown(sv::brutal_kill)});
  std::optional<sv::child_spec> got;
  term missing;
  act([&](otp::process& self) -> otp::task<> {
    auto r = co_await sv::get_childspec(self, sup_, "a"_a);
    if (r)
      got = *r;
    missing = otp_result(co_await sv::get_childspec(self, sup_, "b"_a),
                         [](const sv::child_spec& c) { return c.to_term(); });
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->to_term(),
            term::map({{"id"_a, "a"_a},
                       {"start"_a, term{mod(), "start_link"_a, term::list({})}},
                       {"restart"_a, "transient"_a},
                       {"significant"_a, false},
                       {"shutdown"_a, "brutal_kill"_a},
                       {"type"_a, "worker"_a},
                       {"modules"_a, term::list({mod()})}}));
  EXPECT_TRUE(static_cast<bool>(got->start));
  EXPECT_EQ(missing, (term{atoms::error, "not_found"_a}));
}

// -- not a supervisor, dead, unknown ------------------------------------------

/// `{Reason, {gen_server, call, [Sup, Request, infinity]}}`.
term call_failure(term reason, term sup, term request) {
  return term{
      std::move(reason),
      term{atoms::gen_server, atoms::call,
           term::list({std::move(sup), std::move(request), atoms::infinity})}};
}

TEST_F(SupervisorApi, CallsToWhatIsNotASupervisorFailClearly) {
  pid server, raw, dead;
  std::vector<term> got;
  act([&](otp::process& self) -> otp::task<> {
    gs::start_result r = co_await gs::start<worker>(self, {}, term{"ok"_a});
    server = *r;
  });
  raw = kit_.spawn(sigtest::idle);
  dead = kit_.spawn(sigtest::crash_at_once);
  kit_.run_until_idle();
  act([&](otp::process& self) -> otp::task<> {
    const std::vector<pid> targets{server, raw, dead};
    for (const pid& p : targets) {
      auto r = co_await sv::which_children(self, p);
      got.push_back(r ? term{atoms::ok} : r.error());
    }
    auto named = co_await sv::count_children(self, "nobody"_a);
    got.push_back(named ? term{atoms::ok} : named.error());
    auto del = co_await sv::delete_child(self, server, "a"_a);
    got.push_back(del ? term{atoms::ok} : del.error());
  });
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0],
            call_failure("not_a_supervisor"_a, server, "which_children"_a));
  EXPECT_EQ(got[1],
            call_failure("not_a_supervisor"_a, raw, "which_children"_a));
  EXPECT_EQ(got[2], call_failure(atoms::noproc, dead, "which_children"_a));
  EXPECT_EQ(got[3],
            call_failure(atoms::noproc, "nobody"_a, "count_children"_a));
  EXPECT_EQ(got[4], call_failure("not_a_supervisor"_a, server,
                                 term{"delete_child"_a, "a"_a}));
  // Neither was disturbed: no request was sent to them.
  EXPECT_TRUE(kit_.is_alive(server));
  EXPECT_EQ(kit_.mailbox(raw), std::vector<term>{});
}

TEST_F(SupervisorApi, ASupervisorDyingDuringTheCall) {
  start(sv::spec{});
  std::optional<term> got;
  act([&](otp::process& self) -> otp::task<> {
    auto r = co_await sv::start_child(self, sup_, child("b"_a, "block"_a));
    got = r ? term{atoms::ok} : r.error();
  });
  EXPECT_FALSE(got.has_value()); // the child's init blocks the supervisor
  kit_.exit(sup_, atoms::kill);
  kit_.run_until_idle();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->is_tuple(2)) << to_string(*got);
  EXPECT_EQ((*got)[0], term{atoms::killed});
}

// -- other messages -----------------------------------------------------------

// OTP: an unexpected message is logged and ignored; an unknown call has no
// handle_call clause (function_clause): the supervisor stops.
TEST_F(SupervisorApi, UnexpectedMessagesAndCalls) {
  start(sv::spec{{}, child("a"_a)});
  kit_.send(sup_, "hello"_a);
  kit_.run_until_idle();
  EXPECT_TRUE(kit_.is_alive(sup_));
  EXPECT_EQ(logs_.count("Supervisor received unexpected message: hello"), 1u);
  std::optional<term> state;
  act([&](otp::process& self) -> otp::task<> {
    state = co_await otp::sys::get_state(self, sup_);
    auto r = co_await gs::try_call(self, sup_, "foo"_a);
    (void)r;
  });
  ASSERT_TRUE(state && state->is_map());
  EXPECT_EQ(*state->find(term{"strategy"_a}), term{"one_for_one"_a});
  EXPECT_EQ(*state->find(term{"children"_a}), term{1});
  EXPECT_EQ(kit_.exit_reason(sup_), (term{"bad_call"_a, "foo"_a}));
}

// OTP's progress report, at level info (filtered at the default notice).
TEST_F(SupervisorApi, ProgressReportsAtLevelInfo) {
  const otp::log_level saved = otp::logger::level();
  otp::logger::set_level(otp::log_level::info);
  start(sv::spec{{}, child("a"_a)});
  otp::logger::set_level(saved);
  std::size_t progress = 0;
  for (const auto& e : logs_.events())
    if (e.level == otp::log_level::info &&
        e.text.find("    supervisor: {<") == 0 &&
        e.text.find("    started: [{pid,<") != std::string::npos &&
        e.text.find("{id,a}") != std::string::npos)
      ++progress;
  EXPECT_EQ(progress, 1u);
}

// From outside the runtime: `start` (not linked), then talk to it with
// gen_server calls of OTP's requests.
TEST(SupervisorApiRuntime, StartFromOutsideTheRuntime) {
  sigtest::log_capture logs;
  otp::runtime rt;
  auto started = sv::start(rt, {"outside_sup"_a},
                           sv::spec{{}, child("a"_a), child("b"_a)});
  ASSERT_TRUE(started.has_value()) << to_string(started.to_term());
  EXPECT_EQ(rt.whereis("outside_sup"_a), *started);
  otp::scoped_mailbox me{rt};
  auto kids = gs::call(me, "outside_sup"_a, "which_children"_a, 5s);
  ASSERT_TRUE(kids.has_value());
  EXPECT_EQ(kids->as_list().size(), 2u);
  EXPECT_TRUE(gs::stop(me, "outside_sup"_a).has_value());
  EXPECT_FALSE(rt.is_alive(*started));
}

} // namespace supervisor_api_test
