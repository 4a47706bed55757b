// supervisor: simple_one_for_one (SEMANTICS §5 "simple_one_for_one"): one
// template spec, start_child(Sup, ExtraArgs) with the args appended,
// terminate_child by pid, restart_child and delete_child refused, restarts
// with the same args, which_children and count_children, children stopped
// all at once when the supervisor stops (and killed together when the
// shutdown time is up), and 100,000 children. As Erlang/OTP 25 (checked
// in erl).

#include "otp/logger.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <optional>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_simple_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// Built from the template's args and start_child's extra args; logs
/// `{init, Extra}` and `{terminate, Extra, Reason, Time}`.
class worker : public gs::server<worker> {
public:
  worker(std::vector<term>* log, const otp::testkit* kit,
         std::chrono::milliseconds delay, const term& extra)
      : log_(log), kit_(kit), delay_(delay), extra_(extra) {}

  init_result init() {
    self().trap_exit(true);
    log_->push_back(term{"init"_a, extra_});
    return ok();
  }
  cast_result handle_cast(const term& msg) { return stop(msg); }
  otp::task<> terminate(const term& reason) {
    const term why = reason;
    if (delay_.count() > 0)
      co_await self().receive(sigtest::nothing, delay_);
    log_->push_back(term{"terminate"_a, extra_, why, kit_->now_ms()});
  }

private:
  std::vector<term>* log_;
  const otp::testkit* kit_;
  std::chrono::milliseconds delay_;
  term extra_;
};

/// A plain child that takes the extra args too; traps exits when told to
/// (then only a kill ends it).
otp::task<> plain(otp::process& self, term extra) {
  if (extra == term::list({"stubborn"_a}))
    self.trap_exit(true);
  co_await self.receive(sigtest::nothing);
}

term terminated(term extra, term reason, std::uint64_t at) {
  return term{"terminate"_a, std::move(extra), std::move(reason), at};
}

class SupervisorSimple : public ::testing::Test {
protected:
  sv::child_spec tmpl(std::chrono::milliseconds delay = 0ms) {
    return sv::child_spec::worker<worker>("tmpl"_a, &log_, &kit_, delay);
  }

  void start(sv::child_spec t,
             sv::flags f = sv::flags{sv::simple_one_for_one}) {
    parent_ = kit_.spawn([this, t, f](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      gs::start_result r = co_await sv::start_link(self, {}, sv::spec{f, t});
      if (r)
        sup_ = *r;
      for (;;) {
        term m = co_await self.receive();
        if (m.is_tuple(2) && m[0] == term{"die"_a})
          self.exit(m[1]);
      }
    });
    kit_.run_until_idle();
    ASSERT_TRUE(sup_);
  }

  /// start_child(Sup, Extra): the new pid (null on failure).
  pid add(term extra) {
    pid out;
    kit_.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await sv::start_child(self, sup_, extra);
      if (r)
        out = r->child;
      else
        error_ = r.error();
    });
    kit_.run_until_idle();
    return out;
  }

  /// Makes the supervisor's parent exit with `reason`.
  void stop_sup(term reason = atoms::shutdown) {
    kit_.send(parent_, term{"die"_a, std::move(reason)});
    kit_.run_until_idle();
  }

  std::optional<term> sup_exit() const { return kit_.exit_reason(sup_); }

  std::vector<term> log_;
  std::vector<pid> children_;
  sigtest::log_capture logs_;
  otp::testkit kit_;
  pid parent_, sup_;
  std::optional<term> error_;
};

TEST_F(SupervisorSimple, StartChildAppendsTheExtraArgs) {
  start(tmpl());
  const pid a = add(term::list({1}));
  const pid b = add(term::list({2, 3}));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(log_, (std::vector<term>{term{"init"_a, term::list({1})},
                                     term{"init"_a, term::list({2, 3})}}));
  std::vector<sv::child_info> kids;
  std::optional<term> counts;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    kids = *co_await sv::which_children(self, sup_);
    counts = (co_await sv::count_children(self, sup_))->to_term();
  });
  kit_.run_until_idle();
  ASSERT_EQ(kids.size(), 2u);
  for (const auto& k : kids) {
    EXPECT_EQ(k.id, term{atoms::undefined});
    EXPECT_TRUE(k.child == a || k.child == b);
    EXPECT_EQ(k.type, sv::child_type::worker);
  }
  EXPECT_EQ(counts,
            (term::list({term{"specs"_a, 1}, term{"active"_a, 2},
                         term{"supervisors"_a, 0}, term{"workers"_a, 2}})));
}

TEST_F(SupervisorSimple, ByPidOnlyAndNoRestartOrDelete) {
  start(tmpl());
  const pid a = add(term::list({1}));
  const pid other = kit_.spawn(sigtest::idle);
  const pid gone = kit_.spawn(sigtest::crash_at_once);
  kit_.run_until_idle();
  std::vector<term> got;
  auto as_term = [](const otp::expected<void, term>& r) {
    return r ? term{atoms::ok} : term{atoms::error, r.error()};
  };
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    got.push_back(as_term(co_await sv::terminate_child(self, sup_, "tmpl"_a)));
    got.push_back(as_term(co_await sv::terminate_child(self, sup_, other)));
    got.push_back(as_term(co_await sv::terminate_child(self, sup_, gone)));
    auto restart = co_await sv::restart_child(self, sup_, a);
    got.push_back(term{atoms::error, restart.error()});
    got.push_back(as_term(co_await sv::delete_child(self, sup_, a)));
    got.push_back(as_term(co_await sv::terminate_child(self, sup_, a)));
    auto spec = co_await sv::get_childspec(self, sup_, a);
    got.push_back(spec ? spec->id : term{});
    // A spec is not extra args.
    auto wrong = co_await sv::start_child(self, sup_, tmpl());
    got.push_back(term{atoms::error, wrong.error()});
  });
  kit_.run_until_idle();
  const term error = atoms::error;
  EXPECT_EQ(got,
            (std::vector<term>{
                term{error, "simple_one_for_one"_a}, term{error, "not_found"_a},
                term{atoms::ok}, // OTP: a dead pid is "found"
                term{error, "simple_one_for_one"_a},
                term{error, "simple_one_for_one"_a}, term{atoms::ok},
                term{"tmpl"_a}, // a dead pid: the template (OTP)
                term{error, "simple_one_for_one"_a}}));
  EXPECT_EQ(kit_.exit_reason(a), term{atoms::shutdown});
  EXPECT_EQ(log_.back(), terminated(term::list({1}), atoms::shutdown, 0));
}

TEST_F(SupervisorSimple, RestartsKeepTheExtraArgs) {
  start(tmpl(), sv::flags{sv::simple_one_for_one, 5, 5s});
  const pid a = add(term::list({"x"_a}));
  kit_.send(a, term{atoms::gen_cast, "boom"_a});
  kit_.run_until_idle();
  EXPECT_EQ(log_.back(), (term{"init"_a, term::list({"x"_a})}));
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 1u);
  EXPECT_EQ(logs_.count("{mfargs,{'supervisor_simple_test::worker',start_link,"
                        "[x]}}"),
            1u);
}

TEST_F(SupervisorSimple, TemporaryChildrenAreNotRestarted) {
  start(tmpl().with_restart(sv::temporary));
  const pid a = add(term::list({1}));
  kit_.send(a, term{atoms::gen_cast, "boom"_a});
  kit_.run_until_idle();
  std::optional<term> counts;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    counts = (co_await sv::count_children(self, sup_))->to_term();
  });
  kit_.run_until_idle();
  EXPECT_EQ(counts,
            (term::list({term{"specs"_a, 1}, term{"active"_a, 0},
                         term{"supervisors"_a, 0}, term{"workers"_a, 0}})));
}

// OTP's terminate_dynamic_children: every child is told first, then the
// supervisor waits for them all, so slow children stop in parallel.
TEST_F(SupervisorSimple, ChildrenStopAllAtOnce) {
  start(tmpl(100ms).with_shutdown(1s));
  for (int i = 0; i < 3; ++i)
    children_.push_back(add(term::list({i})));
  log_.clear();
  stop_sup();
  kit_.advance_time(100ms);
  ASSERT_EQ(log_.size(), 3u);
  for (const term& t : log_)
    EXPECT_EQ(t[3], term{100});
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

TEST_F(SupervisorSimple, StubbornChildrenAreKilledWhenTheTimeIsUp) {
  start(sv::child_spec::spawn_link("p"_a, &plain).with_shutdown(200ms));
  children_.push_back(add(term::list({"stubborn"_a})));
  children_.push_back(add(term::list({"stubborn"_a})));
  children_.push_back(add(term::list({"meek"_a})));
  stop_sup();
  EXPECT_EQ(kit_.exit_reason(children_[2]), term{atoms::shutdown});
  kit_.advance_time(199ms);
  EXPECT_TRUE(kit_.is_alive(children_[0]));
  EXPECT_FALSE(sup_exit().has_value());
  kit_.advance_time(1ms);
  EXPECT_EQ(kit_.exit_reason(children_[0]), term{atoms::killed});
  EXPECT_EQ(kit_.exit_reason(children_[1]), term{atoms::killed});
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  // One report per reason, counting the children (OTP's nb_children).
  EXPECT_EQ(logs_.count("errorContext: shutdown_error\n    reason: killed\n"
                        "    offender: [{nb_children,2},{id,p}"),
            1u);
}

TEST_F(SupervisorSimple, BrutalKillKillsThemAll) {
  start(
      sv::child_spec::spawn_link("p"_a, &plain).with_shutdown(sv::brutal_kill));
  children_.push_back(add(term::list({"stubborn"_a})));
  children_.push_back(add(term::list({"meek"_a})));
  stop_sup();
  EXPECT_EQ(kit_.exit_reason(children_[0]), term{atoms::killed});
  EXPECT_EQ(kit_.exit_reason(children_[1]), term{atoms::killed});
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  EXPECT_EQ(logs_.count("shutdown_error"), 0u);
}

TEST_F(SupervisorSimple, AllSignificantEndsWithTheLastChild) {
  start(tmpl().with_restart(sv::transient).with_significant(),
        sv::flags{sv::simple_one_for_one}.with_auto_shutdown(
            sv::all_significant));
  const pid a = add(term::list({1}));
  const pid b = add(term::list({2}));
  kit_.send(a, term{atoms::gen_cast, atoms::normal});
  kit_.run_until_idle();
  EXPECT_FALSE(sup_exit().has_value());
  kit_.send(b, term{atoms::gen_cast, atoms::normal});
  kit_.run_until_idle();
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
}

// Hash maps, not scans: 100,000 children start, are counted, listed, one is
// stopped by pid, one crashes and restarts, and all stop together.
TEST_F(SupervisorSimple, AHundredThousandChildren) {
  constexpr int n = 100'000;
  start(sv::child_spec::spawn_link("p"_a, &plain),
        sv::flags{sv::simple_one_for_one, 10, 5s});
  std::vector<pid> pids;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    pids.reserve(n);
    const term extra = term::list({"meek"_a});
    for (int i = 0; i < n; ++i) {
      auto r = co_await sv::start_child(self, sup_, extra);
      pids.push_back(r->child);
    }
  });
  kit_.run_until_idle();
  ASSERT_EQ(pids.size(), static_cast<std::size_t>(n));
  kit_.exit(pids[n / 2], "boom"_a); // a permanent child: restarted
  std::optional<term> counts;
  std::size_t listed = 0;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    (void)co_await sv::terminate_child(self, sup_, pids[n / 3]);
    counts = (co_await sv::count_children(self, sup_))->to_term();
    listed = (co_await sv::which_children(self, sup_))->size();
  });
  kit_.run_until_idle();
  EXPECT_EQ(counts,
            (term::list({term{"specs"_a, 1}, term{"active"_a, n - 1},
                         term{"supervisors"_a, 0}, term{"workers"_a, n - 1}})));
  EXPECT_EQ(listed, static_cast<std::size_t>(n - 1));
  stop_sup();
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  EXPECT_EQ(kit_.process_count(), 0u);
}

// The children's table: many are stopped by pid in a scattered order (each
// erase moves later entries of its probe run), and exactly the others are
// still listed, found and stopped at the end.
TEST_F(SupervisorSimple, ChildrenStoppedInAnyOrderLeaveExactlyTheOthers) {
  constexpr std::size_t n = 300;
  start(sv::child_spec::spawn_link("p"_a, &plain),
        sv::flags{sv::simple_one_for_one, 10, 5s});
  std::vector<pid> pids;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    const term extra = term::list({"meek"_a});
    for (std::size_t i = 0; i < n; ++i) {
      auto r = co_await sv::start_child(self, sup_, extra);
      pids.push_back(r->child);
    }
  });
  kit_.run_until_idle();
  ASSERT_EQ(pids.size(), n);
  // Every child whose index is 0 or 1 mod 3, in a scattered order.
  std::vector<pid> stopped, kept;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (k * 7) % n; // 7 and 300 are coprime
    (i % 3 == 2 ? kept : stopped).push_back(pids[i]);
  }
  std::vector<sv::child_info> kids;
  std::size_t not_found = 0;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    for (const pid& p : stopped)
      (void)co_await sv::terminate_child(self, sup_, p);
    // Stopped twice: no longer a child, and dead ("found", as OTP says).
    for (const pid& p : stopped)
      not_found += (co_await sv::terminate_child(self, sup_, p)) ? 0 : 1;
    kids = *co_await sv::which_children(self, sup_);
  });
  kit_.run_until_idle();
  EXPECT_EQ(not_found, 0u);
  std::vector<pid> listed;
  for (const auto& k : kids)
    listed.push_back(k.child);
  std::sort(listed.begin(), listed.end());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(listed, kept);
  for (const pid& p : stopped)
    EXPECT_EQ(kit_.exit_reason(p), term{atoms::shutdown});
  for (const pid& p : kept)
    EXPECT_FALSE(kit_.exit_reason(p));
  stop_sup();
  EXPECT_EQ(sup_exit(), term{atoms::shutdown});
  for (const pid& p : kept)
    EXPECT_EQ(kit_.exit_reason(p), term{atoms::shutdown});
  EXPECT_EQ(kit_.process_count(), 0u);
}

} // namespace supervisor_simple_test
