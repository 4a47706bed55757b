// supervisor: restarts (SEMANTICS §5 "restart types", "strategies",
// "intensity", "auto_shutdown", "reports"): one_for_one, one_for_all and
// rest_for_one with their stop and start orders; permanent, transient and
// temporary children; the restart intensity and its period; a failed
// restart retried (and seen as `restarting`); automatic shutdown on
// significant children; the reports. Orders and reports as Erlang/OTP 25's
// supervisor gives them (checked in erl).

#include "otp/logger.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_restart_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// What the children did, in order: {init, Id}, {terminate, Id, Reason}.
struct world {
  std::vector<term> log;
  /// Id → how many more inits fail with {stop, nope}.
  std::map<term, int> fails;
};

class worker : public gs::server<worker> {
public:
  worker(term id, world* w) : id_(std::move(id)), w_(w) {}

  init_result init() {
    self().trap_exit(true); // so terminate runs on shutdown
    w_->log.push_back(term{"init"_a, id_});
    if (int& n = w_->fails[id_]; n > 0) {
      --n;
      return stop("nope"_a);
    }
    return ok();
  }
  /// `{stop, Reason}` ends the child with Reason.
  cast_result handle_cast(const term& msg) {
    if (msg.is_tuple(2) && msg[0] == term{"stop"_a})
      return stop(msg[1]);
    return noreply();
  }
  void terminate(const term& reason) {
    w_->log.push_back(term{"terminate"_a, id_, reason});
  }

private:
  term id_;
  world* w_;
};

sv::child_spec child(term id, world& w) {
  return sv::child_spec::worker<worker>(id, id, &w);
}

term init_of(term id) {
  return term{"init"_a, std::move(id)};
}
term terminate_of(term id, term reason = atoms::shutdown) {
  return term{"terminate"_a, std::move(id), std::move(reason)};
}

class SupervisorRestart : public ::testing::Test {
protected:
  /// Starts `s` linked to a parent that traps exits; `sup_` is the
  /// supervisor. The log starts empty afterwards.
  void start(const sv::spec& s, const gs::start_options& o = {}) {
    parent_ = kit_.spawn([this, s, o](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      gs::start_result r = co_await sv::start_link(self, o, s);
      if (r)
        sup_ = *r;
      co_await self.receive(sigtest::nothing);
    });
    kit_.run_until_idle();
    ASSERT_TRUE(sup_);
    w_.log.clear();
  }

  std::vector<sv::child_info> which() {
    std::vector<sv::child_info> out;
    kit_.spawn([this, &out](otp::process& self) -> otp::task<> {
      auto r = co_await sv::which_children(self, sup_);
      if (r)
        out = *r;
    });
    kit_.run_until_idle();
    return out;
  }

  /// The child's pid (null if it has none).
  pid of(const term& id) {
    for (const auto& c : which())
      if (c.id == id)
        return c.child;
    return pid{};
  }

  /// Ends child `id` with `reason` (it stops itself; terminate runs).
  void crash(const term& id, term reason) {
    kit_.send(of(id), term{atoms::gen_cast, term{"stop"_a, std::move(reason)}});
    kit_.run_until_idle();
  }

  /// The supervisor's exit reason, as its parent saw it (nullopt: alive).
  std::optional<term> sup_exit() {
    for (const term& m : kit_.mailbox(parent_))
      if (sigtest::is_exit(m) && m[1] == term{sup_})
        return m[2];
    return std::nullopt;
  }

  world w_;
  sigtest::log_capture logs_;
  otp::testkit kit_;
  pid parent_, sup_;
};

// -- strategies ---------------------------------------------------------------

TEST_F(SupervisorRestart, OneForOneRestartsOnlyThatChild) {
  start(sv::spec{{}, child("a"_a, w_), child("b"_a, w_), child("c"_a, w_)});
  const pid a = of("a"_a), b = of("b"_a), c = of("c"_a);
  crash("b"_a, "boom"_a);
  EXPECT_EQ(w_.log,
            (std::vector<term>{terminate_of("b"_a, "boom"_a), init_of("b"_a)}));
  EXPECT_EQ(of("a"_a), a);
  EXPECT_EQ(of("c"_a), c);
  EXPECT_NE(of("b"_a), b);
  EXPECT_TRUE(kit_.is_alive(of("b"_a)));
}

TEST_F(SupervisorRestart,
       OneForAllStopsTheOthersInReverseThenStartsAllInOrder) {
  start(sv::spec{sv::flags{sv::one_for_all}, child("a"_a, w_), child("b"_a, w_),
                 child("c"_a, w_), child("d"_a, w_)});
  crash("b"_a, "boom"_a);
  EXPECT_EQ(w_.log, (std::vector<term>{terminate_of("b"_a, "boom"_a),
                                       terminate_of("d"_a), terminate_of("c"_a),
                                       terminate_of("a"_a), init_of("a"_a),
                                       init_of("b"_a), init_of("c"_a),
                                       init_of("d"_a)}));
  for (const auto& c : which())
    EXPECT_TRUE(kit_.is_alive(c.child));
}

TEST_F(SupervisorRestart, RestForOneRestartsTheChildrenStartedAfterIt) {
  start(sv::spec{sv::flags{sv::rest_for_one}, child("a"_a, w_),
                 child("b"_a, w_), child("c"_a, w_), child("d"_a, w_)});
  const pid a = of("a"_a);
  crash("b"_a, "boom"_a);
  EXPECT_EQ(w_.log, (std::vector<term>{terminate_of("b"_a, "boom"_a),
                                       terminate_of("d"_a), terminate_of("c"_a),
                                       init_of("b"_a), init_of("c"_a),
                                       init_of("d"_a)}));
  EXPECT_EQ(of("a"_a), a);
}

// OTP: a temporary sibling stopped by one_for_all is not restarted, and its
// spec goes.
TEST_F(SupervisorRestart, OneForAllDropsTemporarySiblings) {
  start(sv::spec{sv::flags{sv::one_for_all}, child("a"_a, w_),
                 child("t"_a, w_).with_restart(sv::temporary),
                 child("b"_a, w_)});
  crash("a"_a, "boom"_a);
  EXPECT_EQ(w_.log, (std::vector<term>{terminate_of("a"_a, "boom"_a),
                                       terminate_of("b"_a), terminate_of("t"_a),
                                       init_of("a"_a), init_of("b"_a)}));
  EXPECT_EQ(which().size(), 2u);
}

// -- restart types ------------------------------------------------------------

TEST_F(SupervisorRestart, PermanentIsAlwaysRestarted) {
  start(sv::spec{sv::flags{sv::one_for_one, 10, 5s}, child("p"_a, w_)});
  for (term reason : {term{atoms::normal}, term{atoms::shutdown},
                      term{atoms::shutdown, "x"_a}, term{"boom"_a}}) {
    const pid before = of("p"_a);
    crash("p"_a, reason);
    EXPECT_NE(of("p"_a), before) << to_string(reason);
    EXPECT_TRUE(kit_.is_alive(of("p"_a)));
  }
  // OTP reports a permanent child's end whatever the reason.
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 4u);
}

TEST_F(SupervisorRestart, TransientIsRestartedOnlyAfterAnAbnormalEnd) {
  start(sv::spec{sv::flags{sv::one_for_one, 10, 5s},
                 child("t"_a, w_).with_restart(sv::transient)});
  const pid first = of("t"_a);
  crash("t"_a, "boom"_a);
  const pid second = of("t"_a);
  EXPECT_NE(second, first);
  EXPECT_TRUE(kit_.is_alive(second));
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 1u);
  for (term reason : {term{atoms::normal}, term{atoms::shutdown},
                      term{atoms::shutdown, "x"_a}}) {
    crash("t"_a, reason);
    // Not restarted, spec kept with no pid; restart_child starts it again.
    auto kids = which();
    ASSERT_EQ(kids.size(), 1u) << to_string(reason);
    EXPECT_EQ(kids[0].child, pid{});
    std::optional<term> restarted;
    kit_.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await sv::restart_child(self, sup_, "t"_a);
      restarted = r ? r->to_term() : term{atoms::error, r.error()};
    });
    kit_.run_until_idle();
    EXPECT_EQ(restarted, (term{atoms::ok, of("t"_a)}));
  }
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 1u);
}

TEST_F(SupervisorRestart, TemporaryIsNeverRestartedAndItsSpecGoes) {
  start(sv::spec{{},
                 child("t1"_a, w_).with_restart(sv::temporary),
                 child("t2"_a, w_).with_restart(sv::temporary)});
  crash("t1"_a, "boom"_a);
  crash("t2"_a, atoms::normal);
  EXPECT_EQ(w_.log, (std::vector<term>{terminate_of("t1"_a, "boom"_a),
                                       terminate_of("t2"_a, atoms::normal)}));
  EXPECT_EQ(which().size(), 0u);
  // The abnormal end is reported, the normal one is not.
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 1u);
}

// -- intensity ----------------------------------------------------------------

TEST_F(SupervisorRestart, TooManyRestartsStopEverythingAndExitShutdown) {
  start(sv::spec{sv::flags{sv::one_for_one, 2, 5s}, child("a"_a, w_),
                 child("b"_a, w_), child("c"_a, w_)});
  crash("b"_a, "boom"_a);
  crash("b"_a, "boom"_a);
  EXPECT_EQ(sup_exit(), std::nullopt);
  w_.log.clear();
  crash("b"_a, "boom"_a); // the third within 5 s
  EXPECT_EQ(w_.log,
            (std::vector<term>{terminate_of("b"_a, "boom"_a),
                               terminate_of("c"_a), terminate_of("a"_a)}));
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 3u);
  EXPECT_EQ(logs_.count("errorContext: shutdown\n"
                        "    reason: reached_max_restart_intensity"),
            1u);
  // A shutdown exit is not a crash: no gen_server report for the
  // supervisor.
  EXPECT_EQ(logs_.count("Generic server " + to_string(sup_)), 0u);
  EXPECT_EQ(logs_.count("Generic server <"), 3u); // b's three crashes
}

TEST_F(SupervisorRestart, RestartsOlderThanThePeriodAreForgotten) {
  start(sv::spec{sv::flags{sv::one_for_one, 1, 5s}, child("a"_a, w_)});
  crash("a"_a, "boom"_a);
  kit_.advance_time(6s);
  crash("a"_a, "boom"_a);
  kit_.advance_time(6s);
  crash("a"_a, "boom"_a);
  EXPECT_EQ(sup_exit(), std::nullopt);
  // OTP keeps restarts at most `period` seconds old (>=): 5 s apart, two
  // restarts count, one too many.
  kit_.advance_time(5s);
  crash("a"_a, "boom"_a);
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

TEST_F(SupervisorRestart, IntensityZeroAllowsNoRestart) {
  start(sv::spec{sv::flags{sv::one_for_one, 0, 5s}, child("a"_a, w_)});
  crash("a"_a, "boom"_a);
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

// -- failed restarts ----------------------------------------------------------

TEST_F(SupervisorRestart, AFailedRestartIsRetriedEachRetryCounting) {
  start(sv::spec{sv::flags{sv::one_for_one, 3, 5s}, child("a"_a, w_)});
  w_.fails[term{"a"_a}] = 2;
  crash("a"_a, "boom"_a);
  // The restart failed twice (each reported), the third try worked.
  EXPECT_EQ(w_.log,
            (std::vector<term>{terminate_of("a"_a, "boom"_a), init_of("a"_a),
                               init_of("a"_a), init_of("a"_a)}));
  EXPECT_TRUE(kit_.is_alive(of("a"_a)));
  EXPECT_EQ(logs_.count("errorContext: start_error"), 2u);
  EXPECT_EQ(sup_exit(), std::nullopt);
  // Three restarts in the period: one more is too many.
  crash("a"_a, "boom"_a);
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

// The retry is a message the supervisor sends itself: a request already
// queued is served in between and sees the child `restarting`.
TEST_F(SupervisorRestart, ARetryingChildIsRestarting) {
  start(sv::spec{sv::flags{sv::one_for_one, 1000, 5s}, child("a"_a, w_),
                 child("b"_a, w_)});
  w_.fails[term{"a"_a}] = 1000000;
  kit_.exit(of("a"_a), atoms::kill);
  std::vector<term> seen;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    // Queued right after the EXIT, before the retry.
    auto kids = co_await sv::which_children(self, sup_);
    for (const auto& c : *kids)
      seen.push_back(c.to_term()[1]);
    auto counts = co_await sv::count_children(self, sup_);
    seen.push_back(counts->to_term());
    auto restart = co_await sv::restart_child(self, sup_, "a"_a);
    seen.push_back(restart.error());
    auto del = co_await sv::delete_child(self, sup_, "a"_a);
    seen.push_back(del.error());
    // terminate_child ends the retries.
    auto stopped = co_await sv::terminate_child(self, sup_, "a"_a);
    seen.push_back(term{stopped.has_value()});
    auto del2 = co_await sv::delete_child(self, sup_, "a"_a);
    seen.push_back(term{del2.has_value()});
  });
  kit_.run_until_idle();
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[0], term{of("b"_a)});
  EXPECT_EQ(seen[1], term{"restarting"_a});
  EXPECT_EQ(seen[2],
            (term::list({term{"specs"_a, 2}, term{"active"_a, 1},
                         term{"supervisors"_a, 0}, term{"workers"_a, 2}})));
  EXPECT_EQ(seen[3], term{"restarting"_a});
  EXPECT_EQ(seen[4], term{"restarting"_a});
  EXPECT_EQ(seen[5], term{true});
  EXPECT_EQ(seen[6], term{true});
  EXPECT_EQ(sup_exit(), std::nullopt);
  EXPECT_EQ(which().size(), 1u);
}

// OTP's restart_multiple_children: the child that fails to start is marked
// restarting, those after it stay stopped, and the retry stops the started
// ones again before starting all in order.
TEST_F(SupervisorRestart, OneForAllRetryStartsEverythingAgain) {
  start(sv::spec{sv::flags{sv::one_for_all, 5, 5s}, child("a"_a, w_),
                 child("b"_a, w_), child("c"_a, w_)});
  w_.fails[term{"b"_a}] = 1;
  crash("b"_a, "boom"_a);
  EXPECT_EQ(w_.log, (std::vector<term>{terminate_of("b"_a, "boom"_a),
                                       terminate_of("c"_a), terminate_of("a"_a),
                                       init_of("a"_a), init_of("b"_a),
                                       terminate_of("a"_a), init_of("a"_a),
                                       init_of("b"_a), init_of("c"_a)}));
  for (const auto& c : which())
    EXPECT_TRUE(kit_.is_alive(c.child));
}

// -- auto_shutdown ------------------------------------------------------------

TEST_F(SupervisorRestart, AnySignificantChildEndingStopsTheSupervisor) {
  start(sv::spec{
      sv::flags{sv::one_for_one}.with_auto_shutdown(sv::any_significant),
      child("a"_a, w_),
      child("s"_a, w_).with_restart(sv::transient).with_significant(),
      child("n"_a, w_).with_restart(sv::temporary), child("c"_a, w_)});
  crash("n"_a, atoms::normal); // not significant
  EXPECT_EQ(sup_exit(), std::nullopt);
  crash("s"_a, "boom"_a); // abnormal: a transient child is restarted
  EXPECT_EQ(sup_exit(), std::nullopt);
  w_.log.clear();
  crash("s"_a, atoms::normal);
  EXPECT_EQ(w_.log,
            (std::vector<term>{terminate_of("s"_a, atoms::normal),
                               terminate_of("c"_a), terminate_of("a"_a)}));
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

TEST_F(SupervisorRestart, AllSignificantWaitsForTheLastOne) {
  start(sv::spec{
      sv::flags{sv::one_for_one}.with_auto_shutdown(sv::all_significant),
      child("a"_a, w_),
      child("s1"_a, w_).with_restart(sv::temporary).with_significant(),
      child("s2"_a, w_).with_restart(sv::transient).with_significant()});
  crash("s1"_a, "boom"_a); // temporary: any end counts
  EXPECT_EQ(sup_exit(), std::nullopt);
  crash("s2"_a, atoms::shutdown);
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  EXPECT_EQ(w_.log.back(), terminate_of("a"_a));
}

// -- reports ------------------------------------------------------------------

TEST_F(SupervisorRestart, ChildTerminatedReportNamesSupervisorReasonOffender) {
  start(sv::spec{{}, child("a"_a, w_)}, {"top"_a});
  const pid a = of("a"_a);
  crash("a"_a, "boom"_a);
  const std::string expected =
      "    supervisor: {local,top}\n"
      "    errorContext: child_terminated\n"
      "    reason: boom\n"
      "    offender: [{pid," +
      to_string(a) +
      "},{id,a},{mfargs,{'supervisor_restart_test::worker',start_link,[]}},"
      "{restart_type,permanent},{significant,false},{shutdown,5000},"
      "{child_type,worker}]\n";
  EXPECT_EQ(logs_.count(expected), 1u);
  for (const auto& e : logs_.events())
    if (e.text == expected) {
      EXPECT_EQ(e.level, otp::log_level::error);
      EXPECT_EQ(e.metadata.at("label"), "{supervisor,child_terminated}");
    }
}

} // namespace supervisor_restart_test
