// supervisor: starting (SEMANTICS §5 "start", "child spec", "flags"):
// children start in order, each synchronously; ignore; a failed start
// unwinds the started children in reverse order; start errors (error,
// exception, the child's own start timeout, no pid); invalid flags and
// specs rejected before anything starts; init_function; names;
// check_childspecs. Results checked against Erlang/OTP 25 (supervisor.erl
// in erl).

#include "otp/logger.hpp"
#include "otp/process_info.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_start_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// What the children did, in order, and how each one's init behaves.
struct world {
  std::vector<term> log; ///< {init, Id}, {init_done, Id}, {terminate, Id, R}
  /// Id → ok (default), ignore, {stop, R}, crash, block, {wait, Ms}.
  std::map<term, term> mode;
};

class worker : public gs::server<worker> {
public:
  worker(term id, world* w) : id_(std::move(id)), w_(w) {}

  otp::task<init_result> init() {
    self().trap_exit(true); // so terminate runs on shutdown
    w_->log.push_back(term{"init"_a, id_});
    auto found = w_->mode.find(id_);
    const term m = found == w_->mode.end() ? term{"ok"_a} : found->second;
    if (m == term{"ignore"_a})
      co_return ignore();
    if (m.is_tuple(2) && m[0] == term{"stop"_a})
      co_return stop(m[1]);
    if (m == term{"crash"_a})
      throw std::runtime_error("boom");
    if (m == term{"block"_a})
      co_await self().receive(sigtest::nothing);
    if (m.is_tuple(2) && m[0] == term{"wait"_a}) {
      co_await self().receive(sigtest::nothing,
                              std::chrono::milliseconds{m[1].as_int()});
      w_->log.push_back(term{"init_done"_a, id_});
    }
    co_return ok();
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

/// A supervisor started with start_link from a parent that traps exits.
struct sup_run {
  std::optional<term> result;
  pid sup;
  pid parent;
  std::optional<std::uint64_t> returned_at;
};

void start_sup(otp::testkit& kit, sup_run& run, const sv::spec& s,
               const gs::start_options& o = {}) {
  run.parent = kit.spawn([&run, &kit, s, o](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    gs::start_result r = co_await sv::start_link(self, o, s);
    run.result = r.to_term();
    run.returned_at = kit.now_ms();
    if (r)
      run.sup = *r;
    co_await self.receive(sigtest::nothing);
  });
  kit.run_until_idle();
}

std::vector<sv::child_info> which(otp::testkit& kit, const pid& sup) {
  std::vector<sv::child_info> out;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto r = co_await sv::which_children(self, sup);
    if (r)
      out = *r;
  });
  kit.run_until_idle();
  return out;
}

std::vector<term> rows(const std::vector<sv::child_info>& v) {
  std::vector<term> out;
  for (const auto& c : v)
    out.push_back(c.to_term());
  return out;
}

term failed_to_start(term id, term reason) {
  return term{atoms::error,
              term{atoms::shutdown, term{"failed_to_start_child"_a,
                                         std::move(id), std::move(reason)}}};
}

term init_of(term id) {
  return term{"init"_a, std::move(id)};
}
term terminate_of(term id, term reason = atoms::shutdown) {
  return term{"terminate"_a, std::move(id), std::move(reason)};
}

/// Reports go to a capture (tests read them as `logs`), not to stderr.
class SupervisorStart : public ::testing::Test {
protected:
  sigtest::log_capture logs;
};

// -- order and synchrony ------------------------------------------------------

TEST_F(SupervisorStart, ChildrenStartInOrderEachSynchronously) {
  world w;
  otp::testkit kit;
  w.mode[term{"b"_a}] = term{"wait"_a, 50};
  sup_run run;
  start_sup(kit, run,
            sv::spec{{}, child("a"_a, w), child("b"_a, w), child("c"_a, w)});
  // b's init is still running: c has not started, the start not returned.
  EXPECT_EQ(w.log, (std::vector<term>{init_of("a"_a), init_of("b"_a)}));
  EXPECT_FALSE(run.result.has_value());
  kit.advance_time(50ms);
  EXPECT_EQ(w.log,
            (std::vector<term>{init_of("a"_a), init_of("b"_a),
                               term{"init_done"_a, "b"_a}, init_of("c"_a)}));
  ASSERT_TRUE(run.result.has_value());
  EXPECT_EQ(run.returned_at, 50u);
  EXPECT_EQ(*run.result, (term{atoms::ok, run.sup}));
}

TEST_F(SupervisorStart, StartLinkLinksTheSupervisorWhichTrapsExits) {
  world w;
  otp::testkit kit;
  sup_run run;
  start_sup(kit, run, sv::spec{{}, child("a"_a, w)});
  auto info = kit.info(run.sup);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->trap_exit);
  EXPECT_TRUE(sigtest::contains(info->links, run.parent));
  auto kids = which(kit, run.sup);
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_TRUE(sigtest::contains(info->links, kids[0].child));
}

// -- ignore -------------------------------------------------------------------

// erl: {ok, undefined} from the start keeps the spec with pid undefined; a
// temporary child that ignores is dropped.
TEST_F(SupervisorStart, IgnoreKeepsTheSpecWithNoPidExceptTemporary) {
  world w;
  otp::testkit kit;
  w.mode[term{"b"_a}] = "ignore"_a;
  w.mode[term{"t"_a}] = "ignore"_a;
  sup_run run;
  start_sup(kit, run,
            sv::spec{{},
                     child("a"_a, w),
                     child("b"_a, w),
                     child("t"_a, w).with_restart(sv::temporary),
                     child("c"_a, w)});
  ASSERT_TRUE(run.sup);
  auto kids = which(kit, run.sup);
  ASSERT_EQ(kids.size(), 3u);
  // Reverse start order, as OTP lists them.
  EXPECT_EQ(kids[0].id, term{"c"_a});
  EXPECT_EQ(kids[1].id, term{"b"_a});
  EXPECT_EQ(
      kids[1].to_term(),
      (term{"b"_a, atoms::undefined, "worker"_a,
            term::list({term{sv::detail::module_atom(typeid(worker))}})}));
  EXPECT_EQ(kids[2].id, term{"a"_a});
  EXPECT_TRUE(kids[2].child);
}

// -- failed starts ------------------------------------------------------------

TEST_F(SupervisorStart, AFailedStartStopsTheStartedChildrenInReverseOrder) {
  world w;
  otp::testkit kit;
  w.mode[term{"d"_a}] = term{"stop"_a, "bad"_a};
  sup_run run;
  start_sup(kit, run,
            sv::spec{{},
                     child("a"_a, w),
                     child("b"_a, w),
                     child("c"_a, w),
                     child("d"_a, w),
                     child("e"_a, w)});
  EXPECT_EQ(run.result, failed_to_start("d"_a, "bad"_a));
  EXPECT_EQ(w.log,
            (std::vector<term>{init_of("a"_a), init_of("b"_a), init_of("c"_a),
                               init_of("d"_a), terminate_of("c"_a),
                               terminate_of("b"_a), terminate_of("a"_a)}));
  EXPECT_EQ(logs.count("errorContext: start_error"), 1u);
  EXPECT_EQ(logs.count("reason: bad"), 1u);
  // The supervisor exited with the same reason (its parent got the EXIT).
  auto box = kit.mailbox(run.parent);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(sigtest::is_exit(box[0]));
  EXPECT_EQ(box[0][2], (*run.result)[1]);
}

TEST_F(SupervisorStart, AnInitExceptionIsAStartError) {
  world w;
  otp::testkit kit;
  w.mode[term{"b"_a}] = "crash"_a;
  sup_run run;
  start_sup(kit, run, sv::spec{{}, child("a"_a, w), child("b"_a, w)});
  const term reason{atoms::exception, atom{"std::runtime_error"},
                    std::string{"boom"}};
  EXPECT_EQ(run.result, failed_to_start("b"_a, reason));
  EXPECT_EQ(w.log.back(), terminate_of("a"_a));
}

// OTP: `catch apply(M, F, A)` makes an exception in the start function
// itself the start error {'EXIT', Reason}.
TEST_F(SupervisorStart, AStartFunctionThatThrowsIsAStartError) {
  world w;
  otp::testkit kit;
  sv::child_spec thrower{
      "x"_a, [](otp::process&, const term&) -> otp::task<gs::start_result> {
        throw std::runtime_error("boom");
      }};
  sup_run run;
  start_sup(kit, run, sv::spec{{}, child("a"_a, w), thrower});
  const term reason{
      atoms::EXIT,
      term{atoms::exception, atom{"std::runtime_error"}, std::string{"boom"}}};
  EXPECT_EQ(run.result, failed_to_start("x"_a, reason));
  EXPECT_EQ(w.log.back(), terminate_of("a"_a));
}

// OTP: {ok, undefined} is not {ok, Pid}: the start error is the value.
TEST_F(SupervisorStart, AStartFunctionGivingNoPidIsAStartError) {
  otp::testkit kit;
  sv::child_spec nopid{"x"_a, [](otp::process&, const term&) {
                         return sv::detail::ready(gs::start_result::ok(pid{}));
                       }};
  sup_run run;
  start_sup(kit, run, sv::spec{{}, nopid});
  EXPECT_EQ(run.result,
            failed_to_start("x"_a, term{atoms::ok, atoms::undefined}));
}

// OTP: a start function that hangs hangs the supervisor, unless its own
// start has a timeout: then the child is killed and the start fails with
// timeout.
TEST_F(SupervisorStart, AHangingStartFailsOnTheChildsOwnTimeout) {
  world w;
  otp::testkit kit;
  w.mode[term{"b"_a}] = "block"_a;
  sup_run run;
  start_sup(
      kit, run,
      sv::spec{{},
               child("a"_a, w),
               sv::child_spec::worker<worker>(
                   "b"_a, gs::start_options{}.with_timeout(100ms), "b"_a, &w)});
  EXPECT_FALSE(run.result.has_value());
  kit.advance_time(99ms);
  EXPECT_FALSE(run.result.has_value());
  kit.advance_time(1ms);
  EXPECT_EQ(run.result, failed_to_start("b"_a, atoms::timeout));
  EXPECT_EQ(w.log.back(), terminate_of("a"_a));
}

// -- invalid flags and specs --------------------------------------------------

/// Starts with `s` and expects `{error, Reason}` with nothing started.
void expect_rejected(const sv::spec& s, const term& reason) {
  otp::testkit kit;
  sup_run run;
  start_sup(kit, run, s);
  EXPECT_EQ(run.result, (term{atoms::error, reason}));
}

TEST_F(SupervisorStart, InvalidSpecsAreRejectedBeforeAnythingStarts) {
  world w;
  expect_rejected(
      sv::spec{{}, child("a"_a, w), child("b"_a, w), child("a"_a, w)},
      term{"start_spec"_a, term{"duplicate_child_name"_a, "a"_a}});
  expect_rejected(sv::spec{{}, child("a"_a, w), sv::child_spec{"b"_a, {}}},
                  term{"start_spec"_a, "missing_start"_a});
  expect_rejected(
      sv::spec{{}, child("a"_a, w), child("b"_a, w).with_shutdown(-5ms)},
      term{"start_spec"_a, term{"invalid_shutdown"_a, -5}});
  expect_rejected(
      sv::spec{{},
               child("a"_a, w),
               child("b"_a, w).with_restart(static_cast<sv::restart_type>(9))},
      term{"start_spec"_a, term{"invalid_restart_type"_a, 9}});
  expect_rejected(
      sv::spec{{}, child("a"_a, w), child("b"_a, w).with_modules(7)},
      term{"start_spec"_a, term{"invalid_modules"_a, 7}});
  expect_rejected(
      sv::spec{{},
               child("a"_a, w),
               child("b"_a, w).with_restart(sv::transient).with_significant()},
      term{"start_spec"_a, term{"bad_combination"_a,
                                term::list({term{"auto_shutdown"_a, "never"_a},
                                            term{"significant"_a, true}})}});
  expect_rejected(sv::spec{sv::flags{sv::one_for_one, -1, 5s}, child("a"_a, w)},
                  term{"supervisor_data"_a, term{"invalid_intensity"_a, -1}});
  expect_rejected(sv::spec{sv::flags{sv::one_for_one, 1, 0s}, child("a"_a, w)},
                  term{"supervisor_data"_a, term{"invalid_period"_a, 0}});
  EXPECT_EQ(w.log, std::vector<term>{}); // no init ever ran
}

// OTP's init_dynamic: a simple_one_for_one needs exactly one spec.
TEST_F(SupervisorStart, SimpleOneForOneTakesExactlyOneSpec) {
  world w;
  sv::spec two{sv::flags{sv::simple_one_for_one}, child("a"_a, w),
               child("b"_a, w)};
  std::vector<term> specs{two.children[0].to_term(), two.children[1].to_term()};
  expect_rejected(
      two, term{"bad_start_spec"_a, term::list(std::span<const term>{specs})});
  expect_rejected(sv::spec{sv::flags{sv::simple_one_for_one}},
                  term{"bad_start_spec"_a, term::list({})});
  EXPECT_EQ(w.log, std::vector<term>{});
}

TEST_F(SupervisorStart, CheckChildspecs) {
  world w;
  EXPECT_TRUE(sv::check_childspecs({child("a"_a, w), child("b"_a, w)}));
  EXPECT_EQ(sv::check_childspecs({child("a"_a, w), child("a"_a, w)}).error(),
            (term{"duplicate_child_name"_a, "a"_a}));
  EXPECT_EQ(sv::check_childspecs({sv::child_spec{"a"_a, {}}}).error(),
            term{"missing_start"_a});
  EXPECT_EQ(sv::check_childspecs(
                {child("a"_a, w).with_type(static_cast<sv::child_type>(4))})
                .error(),
            (term{"invalid_child_type"_a, 4}));
  EXPECT_EQ(
      sv::check_childspecs({child("a"_a, w).with_modules(term::list({1}))})
          .error(),
      (term{"invalid_module"_a, 1}));
  // significant: permanent is never allowed; auto_shutdown only when given.
  EXPECT_EQ(
      sv::check_childspecs({child("a"_a, w).with_significant()}).error(),
      (term{"bad_combination"_a, term::list({term{"restart"_a, "permanent"_a},
                                             term{"significant"_a, true}})}));
  auto significant =
      child("a"_a, w).with_restart(sv::temporary).with_significant();
  EXPECT_TRUE(sv::check_childspecs({significant}));
  EXPECT_FALSE(sv::check_childspecs({significant}, sv::never));
  EXPECT_TRUE(sv::check_childspecs({significant}, sv::any_significant));
  // The defaults OTP fills in.
  EXPECT_EQ(child("a"_a, w).to_term().find(term{"shutdown"_a})->as_int(), 5000);
  EXPECT_EQ(*sv::child_spec::supervisor("s"_a, sv::spec{})
                 .to_term()
                 .find(term{"shutdown"_a}),
            term{atoms::infinity});
}

// -- init_function, names -----------------------------------------------------

TEST_F(SupervisorStart, InitFunctionRunsInTheSupervisorAndMayIgnore) {
  world w;
  otp::testkit kit;
  std::optional<term> ignored, started;
  pid ran_in;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    self.trap_exit(true);
    sv::init_function none = [](otp::process&) -> std::optional<sv::spec> {
      return std::nullopt;
    };
    ignored = (co_await sv::start_link(self, {}, none)).to_term();
    sv::init_function some = [&](otp::process& sup) -> std::optional<sv::spec> {
      ran_in = sup.self();
      return sv::spec{{}, child("a"_a, w)};
    };
    started = (co_await sv::start_link(self, {}, some)).to_term();
    co_await self.receive(sigtest::nothing); // the supervisor's parent stays
  });
  kit.run_until_idle();
  EXPECT_EQ(ignored, term{"ignore"_a});
  ASSERT_TRUE(started && started->is_tuple(2));
  EXPECT_EQ((*started)[1], term{ran_in});
  EXPECT_EQ(w.log, std::vector<term>{init_of("a"_a)});
}

TEST_F(SupervisorStart, NamedSupervisorAndAlreadyStarted) {
  world w;
  otp::testkit kit;
  w.mode[term{"b"_a}] = term{"stop"_a, "bad"_a};
  sup_run first, second, failing;
  start_sup(kit, first, sv::spec{{}, child("a"_a, w)}, {"top"_a});
  EXPECT_EQ(kit.whereis("top"_a), first.sup);
  start_sup(kit, second, sv::spec{{}, child("a"_a, w)}, {"top"_a});
  EXPECT_EQ(second.result,
            (term{atoms::error, term{"already_started"_a, first.sup}}));
  start_sup(kit, failing, sv::spec{{}, child("b"_a, w)}, {"other"_a});
  // Reports name the supervisor as OTP does.
  EXPECT_EQ(logs.count("supervisor: {local,other}"), 1u);
  EXPECT_EQ(kit.whereis("other"_a), pid{});
}

} // namespace supervisor_start_test
