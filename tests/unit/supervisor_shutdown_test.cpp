// supervisor: stopping children (SEMANTICS §5 "stopping a child", "the
// supervisor stops"): brutal_kill, a shutdown timeout (a child that ignores
// shutdown is killed on time, one that stops in time is not), infinity, a
// child already dead, a child that unlinked itself, shutdown_error reports,
// the reverse order when the supervisor stops, and what makes it stop (its
// parent's exit, gen_server:stop, kill; not an exit signal from elsewhere).
// As Erlang/OTP 25's supervisor:shutdown/1 and terminate/2 (checked in erl).

#include "otp/logger.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <optional>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_shutdown_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// Logs `{terminate, Id, Reason, Time}`; its terminate takes `delay`.
class worker : public gs::server<worker> {
public:
  worker(term id, std::vector<term>* log, const otp::testkit* kit,
         std::chrono::milliseconds delay)
      : id_(std::move(id)), log_(log), kit_(kit), delay_(delay) {}

  init_result init() {
    self().trap_exit(true);
    return ok();
  }
  otp::task<> terminate(const term& reason) {
    const term why = reason;
    if (delay_.count() > 0)
      co_await self().receive(sigtest::nothing, delay_);
    log_->push_back(term{"terminate"_a, id_, why, kit_->now_ms()});
  }

private:
  term id_;
  std::vector<term>* log_;
  const otp::testkit* kit_;
  std::chrono::milliseconds delay_;
};

/// Traps exits and ignores everything: only a kill ends it.
otp::task<> stubborn(otp::process& self) {
  self.trap_exit(true);
  co_await self.receive(sigtest::nothing);
}

/// Unlinks from everyone (its supervisor), then waits.
otp::task<> naughty(otp::process& self, const otp::testkit* kit) {
  const std::vector<pid> links = kit->info(self.self())->links;
  for (const pid& p : links)
    self.unlink(p);
  co_await self.receive(sigtest::nothing);
}

/// A parent that starts the supervisor, then exits with the reason it is
/// sent (`{die, Reason}`).
otp::task<> parent_body(otp::process& self, sv::spec s, pid* sup) {
  self.trap_exit(true);
  gs::start_result r = co_await sv::start_link(self, {}, std::move(s));
  if (r)
    *sup = *r;
  for (;;) {
    term m = co_await self.receive();
    if (m.is_tuple(2) && m[0] == term{"die"_a})
      self.exit(m[1]);
  }
}

class SupervisorShutdown : public ::testing::Test {
protected:
  sv::child_spec child(term id, std::chrono::milliseconds delay = 0ms) {
    return sv::child_spec::worker<worker>(id, id, &log_, &kit_, delay);
  }

  void start(sv::spec s) {
    parent_ = kit_.spawn(parent_body, std::move(s), &sup_);
    kit_.run_until_idle();
    ASSERT_TRUE(sup_);
  }

  pid of(const term& id) {
    pid out;
    kit_.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await sv::which_children(self, sup_);
      for (const auto& c : *r)
        if (c.id == id)
          out = c.child;
    });
    kit_.run_until_idle();
    return out;
  }

  /// Starts terminate_child(id); `done_at` is set when it returns.
  void terminate_child(const term& id) {
    kit_.spawn([this, id](otp::process& self) -> otp::task<> {
      auto r = co_await sv::terminate_child(self, sup_, id);
      result_ = r ? term{atoms::ok} : r.error();
      done_at_ = kit_.now_ms();
    });
    kit_.run_until_idle();
  }

  std::vector<term> log_;
  sigtest::log_capture logs_;
  otp::testkit kit_;
  pid parent_, sup_;
  std::optional<term> result_;
  std::optional<std::uint64_t> done_at_;
};

term terminated(term id, term reason, std::uint64_t at) {
  return term{"terminate"_a, std::move(id), std::move(reason), at};
}

// -- one child ----------------------------------------------------------------

TEST_F(SupervisorShutdown, BrutalKillKillsAtOnce) {
  start(sv::spec{{}, child("a"_a, 1h).with_shutdown(sv::brutal_kill)});
  const pid a = of("a"_a);
  terminate_child("a"_a);
  EXPECT_EQ(result_, term{atoms::ok});
  EXPECT_EQ(done_at_, 0u);
  EXPECT_EQ(kit_.exit_reason(a), term{atoms::killed});
  EXPECT_EQ(log_, std::vector<term>{}); // no terminate: it was killed
  EXPECT_EQ(logs_.count("shutdown_error"), 0u);
}

TEST_F(SupervisorShutdown, AChildThatStopsInTimeIsNotKilled) {
  start(sv::spec{{}, child("a"_a, 50ms).with_shutdown(100ms)});
  const pid a = of("a"_a);
  terminate_child("a"_a);
  EXPECT_FALSE(done_at_.has_value());
  kit_.advance_time(50ms);
  EXPECT_EQ(done_at_, 50u);
  EXPECT_EQ(log_, std::vector<term>{terminated("a"_a, atoms::shutdown, 50)});
  EXPECT_EQ(kit_.exit_reason(a), term{atoms::shutdown});
  EXPECT_EQ(logs_.count("shutdown_error"), 0u);
}

TEST_F(SupervisorShutdown, AChildThatIgnoresShutdownIsKilledOnTime) {
  start(sv::spec{
      {}, sv::child_spec::spawn_link("s"_a, &stubborn).with_shutdown(100ms)});
  const pid s = of("s"_a);
  terminate_child("s"_a);
  kit_.advance_time(99ms);
  EXPECT_FALSE(done_at_.has_value());
  EXPECT_TRUE(kit_.is_alive(s));
  kit_.advance_time(1ms);
  EXPECT_EQ(done_at_, 100u);
  EXPECT_EQ(kit_.exit_reason(s), term{atoms::killed});
  // OTP reports the kill as a shutdown error.
  EXPECT_EQ(logs_.count("errorContext: shutdown_error\n    reason: killed"),
            1u);
}

TEST_F(SupervisorShutdown, InfinityWaitsAsLongAsItTakes) {
  start(sv::spec{{}, child("a"_a, 1h).with_shutdown(otp::infinity)});
  terminate_child("a"_a);
  kit_.advance_time(3599s);
  EXPECT_FALSE(done_at_.has_value());
  kit_.advance_time(1s);
  EXPECT_EQ(done_at_, 3600000u);
  EXPECT_EQ(log_,
            std::vector<term>{terminated("a"_a, atoms::shutdown, 3600000)});
}

// The child died (killed) just before terminate_child reached the
// supervisor: the monitor says noproc, the EXIT gives the real reason,
// which OTP reports; the child is not restarted.
TEST_F(SupervisorShutdown, AChildAlreadyDeadIsHandled) {
  start(sv::spec{{}, child("a"_a), child("b"_a)});
  const pid a = of("a"_a);
  // The request is queued before the child's EXIT.
  kit_.spawn([this](otp::process& self) -> otp::task<> {
    auto r = co_await sv::terminate_child(self, sup_, "a"_a);
    result_ = r ? term{atoms::ok} : r.error();
  });
  kit_.exit(a, atoms::kill);
  kit_.run_until_idle();
  EXPECT_EQ(result_, term{atoms::ok});
  EXPECT_EQ(of("a"_a), pid{}); // stopped, not restarted
  EXPECT_EQ(logs_.count("errorContext: shutdown_error\n    reason: killed"),
            1u);
  EXPECT_EQ(logs_.count("child_terminated"), 0u);
}

TEST_F(SupervisorShutdown, AChildThatUnlinkedItselfIsStillStopped) {
  start(sv::spec{{}, sv::child_spec::spawn_link("n"_a, &naughty, &kit_)});
  const pid n = of("n"_a);
  terminate_child("n"_a);
  EXPECT_EQ(result_, term{atoms::ok});
  EXPECT_EQ(kit_.exit_reason(n), term{atoms::shutdown});
  EXPECT_EQ(logs_.count("shutdown_error"), 0u);
}

// OTP 25: for a child that is not permanent, normal and {shutdown, _} are
// fine ends too; a permanent child must end with shutdown.
TEST_F(SupervisorShutdown, OtherEndsAreShutdownErrors) {
  auto ends_with = [](term reason) {
    return [reason](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      co_await self.receive(); // the shutdown
      self.exit(reason);
    };
  };
  start(sv::spec{{},
                 sv::child_spec::spawn_link("p"_a, ends_with(atoms::normal)),
                 sv::child_spec::spawn_link("t"_a, ends_with(atoms::normal))
                     .with_restart(sv::transient),
                 sv::child_spec::spawn_link("x"_a, ends_with("oops"_a))
                     .with_restart(sv::transient)});
  terminate_child("p"_a);
  terminate_child("t"_a);
  terminate_child("x"_a);
  EXPECT_EQ(logs_.count("errorContext: shutdown_error"), 2u);
  EXPECT_EQ(logs_.count("reason: normal\n    offender: [{pid,"), 1u);
  EXPECT_EQ(logs_.count("reason: oops"), 1u);
}

// -- the supervisor stops -----------------------------------------------------

TEST_F(SupervisorShutdown, ItsParentsExitStopsChildrenInReverseOrder) {
  start(sv::spec{{}, child("a"_a, 10ms), child("b"_a, 20ms), child("c"_a)});
  kit_.send(parent_, term{"die"_a, atoms::shutdown});
  kit_.run_until_idle();
  kit_.advance_time(20ms);
  kit_.advance_time(10ms);
  // One at a time: each waits for the one before.
  EXPECT_EQ(log_, (std::vector<term>{terminated("c"_a, atoms::shutdown, 0),
                                     terminated("b"_a, atoms::shutdown, 20),
                                     terminated("a"_a, atoms::shutdown, 30)}));
  EXPECT_EQ(kit_.exit_reason(sup_), term{atoms::shutdown});
}

TEST_F(SupervisorShutdown, GenServerStopStopsChildrenFirst) {
  start(sv::spec{{}, child("a"_a), child("b"_a)});
  std::optional<std::size_t> seen_at_return;
  kit_.spawn([&](otp::process& self) -> otp::task<> {
    co_await gs::stop(self, sup_);
    seen_at_return = log_.size();
  });
  kit_.run_until_idle();
  EXPECT_EQ(seen_at_return, 2u);
  EXPECT_EQ(log_, (std::vector<term>{terminated("b"_a, atoms::shutdown, 0),
                                     terminated("a"_a, atoms::shutdown, 0)}));
  EXPECT_EQ(kit_.exit_reason(sup_), term{atoms::normal});
}

// OTP: a supervisor traps exits, and an exit signal from a process that is
// neither its parent nor a child is an EXIT message it ignores.
TEST_F(SupervisorShutdown, AnExitSignalFromElsewhereIsIgnored) {
  start(sv::spec{{}, child("a"_a)});
  kit_.exit(sup_, atoms::shutdown);
  kit_.run_until_idle();
  EXPECT_TRUE(kit_.is_alive(sup_));
  EXPECT_EQ(log_, std::vector<term>{});
}

TEST_F(SupervisorShutdown, KilledSupervisorTakesItsChildrenAlong) {
  start(
      sv::spec{{}, child("a"_a), sv::child_spec::spawn_link("s"_a, &stubborn)});
  const pid a = of("a"_a), s = of("s"_a);
  kit_.exit(sup_, atoms::kill);
  kit_.run_until_idle();
  // The gen_server child traps exits: its parent's exit runs terminate.
  EXPECT_EQ(log_, std::vector<term>{terminated("a"_a, atoms::killed, 0)});
  EXPECT_EQ(kit_.exit_reason(a), term{atoms::killed});
  // A plain process that traps exits just gets the EXIT message.
  EXPECT_TRUE(kit_.is_alive(s));
}

// While the supervisor waits for one child, another dies on its own: its
// turn finds it dead, and its end is reported, not restarted.
TEST_F(SupervisorShutdown, AChildDyingDuringTheShutdownIsReported) {
  start(sv::spec{{},
                 sv::child_spec::spawn_link("s"_a, &stubborn),
                 child("b"_a),
                 child("c"_a, 50ms)});
  const pid s = of("s"_a);
  kit_.send(parent_, term{"die"_a, atoms::shutdown});
  kit_.run_until_idle(); // c is stopping (50 ms)
  kit_.exit(s, atoms::kill);
  kit_.run_until_idle();
  kit_.advance_time(50ms);
  EXPECT_EQ(kit_.exit_reason(sup_), term{atoms::shutdown});
  EXPECT_EQ(logs_.count("errorContext: shutdown_error\n    reason: killed"),
            1u);
  EXPECT_EQ(logs_.count("child_terminated"), 0u);
}

} // namespace supervisor_shutdown_test
