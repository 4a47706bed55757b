// supervisor: a three-level tree (SEMANTICS §5, "intensity ... cascades
// to its own supervisor"): leaves, middles and the top crash in turn, and
// every start and every terminate call is checked, in order. The orders
// follow Erlang/OTP 25's supervisor (checked in erl with the same tree).
//
//   top (one_for_one, 2 restarts in 5 s)
//   ├── m1 (one_for_all, 1 in 5 s): l1, l2
//   ├── m2 (rest_for_one, 1 in 5 s): l3, l4, l5
//   └── w

#include "otp/logger.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace supervisor_tree_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

/// Logs {init, Id} and {terminate, Id, Reason}.
class leaf : public gs::server<leaf> {
public:
  leaf(term id, std::vector<term>* log) : id_(std::move(id)), log_(log) {}
  init_result init() {
    self().trap_exit(true);
    log_->push_back(term{"init"_a, id_});
    return ok();
  }
  cast_result handle_cast(const term& msg) { return stop(msg); }
  void terminate(const term& reason) {
    log_->push_back(term{"terminate"_a, id_, reason});
  }

private:
  term id_;
  std::vector<term>* log_;
};

term init_of(term id) {
  return term{"init"_a, std::move(id)};
}
term terminate_of(term id, term reason = atoms::shutdown) {
  return term{"terminate"_a, std::move(id), std::move(reason)};
}

class SupervisorTree : public ::testing::Test {
protected:
  sv::child_spec l(term id) {
    return sv::child_spec::worker<leaf>(id, id, &log_);
  }

  void start() {
    sv::spec tree{
        sv::flags{sv::one_for_one, 2, 5s},
        sv::child_spec::supervisor(
            "m1"_a, sv::spec{sv::flags{sv::one_for_all}, l("l1"_a), l("l2"_a)}),
        sv::child_spec::supervisor("m2"_a,
                                   sv::spec{sv::flags{sv::rest_for_one},
                                            l("l3"_a), l("l4"_a), l("l5"_a)}),
        l("w"_a)};
    parent_ = kit_.spawn([this, tree](otp::process& self) -> otp::task<> {
      self.trap_exit(true);
      gs::start_result r = co_await sv::start_link(self, {"top"_a}, tree);
      if (r)
        top_ = *r;
      co_await self.receive(sigtest::nothing);
    });
    kit_.run_until_idle();
    ASSERT_TRUE(top_);
  }

  pid of(const pid& sup, const term& id) {
    pid out;
    kit_.spawn([&](otp::process& self) -> otp::task<> {
      auto r = co_await sv::which_children(self, sup);
      if (r)
        for (const auto& c : *r)
          if (c.id == id)
            out = c.child;
    });
    kit_.run_until_idle();
    return out;
  }
  pid m1() { return of(top_, "m1"_a); }
  pid m2() { return of(top_, "m2"_a); }

  void crash(const pid& p, term reason) {
    kit_.send(p, term{atoms::gen_cast, std::move(reason)});
    kit_.run_until_idle();
  }

  /// The log since the last call.
  std::vector<term> take_log() { return std::exchange(log_, {}); }

  std::vector<term> log_;
  sigtest::log_capture logs_;
  otp::testkit kit_;
  pid parent_, top_;
};

TEST_F(SupervisorTree, LeavesMiddlesAndTheTop) {
  start();
  EXPECT_EQ(take_log(), (std::vector<term>{init_of("l1"_a), init_of("l2"_a),
                                           init_of("l3"_a), init_of("l4"_a),
                                           init_of("l5"_a), init_of("w"_a)}));
  const pid first_m1 = m1(), first_m2 = m2();

  // A leaf of m1 (one_for_all): its sibling is stopped, both start again.
  crash(of(m1(), "l1"_a), "boom"_a);
  EXPECT_EQ(take_log(), (std::vector<term>{terminate_of("l1"_a, "boom"_a),
                                           terminate_of("l2"_a),
                                           init_of("l1"_a), init_of("l2"_a)}));

  // A leaf of m2 (rest_for_one): those after it.
  kit_.advance_time(6s);
  crash(of(m2(), "l4"_a), "boom"_a);
  EXPECT_EQ(take_log(), (std::vector<term>{terminate_of("l4"_a, "boom"_a),
                                           terminate_of("l5"_a),
                                           init_of("l4"_a), init_of("l5"_a)}));
  EXPECT_EQ(m1(), first_m1);
  EXPECT_EQ(m2(), first_m2);

  // m2 gives up (two restarts in 5 s): it stops its children in reverse
  // order and exits shutdown; top restarts it, and so its children.
  kit_.advance_time(6s);
  crash(of(m2(), "l3"_a), "boom"_a);
  crash(of(m2(), "l3"_a), "boom"_a);
  EXPECT_EQ(
      take_log(),
      (std::vector<term>{terminate_of("l3"_a, "boom"_a), terminate_of("l5"_a),
                         terminate_of("l4"_a), init_of("l3"_a), init_of("l4"_a),
                         init_of("l5"_a), terminate_of("l3"_a, "boom"_a),
                         terminate_of("l5"_a), terminate_of("l4"_a),
                         init_of("l3"_a), init_of("l4"_a), init_of("l5"_a)}));
  EXPECT_EQ(kit_.exit_reason(first_m2), term{atoms::shutdown});
  EXPECT_NE(m2(), first_m2);

  // m1 is killed: its children, trapping exits, run terminate with their
  // parent's reason; top starts m1 again.
  kit_.exit(first_m1, atoms::kill);
  kit_.run_until_idle();
  auto killed = take_log();
  ASSERT_EQ(killed.size(), 4u);
  EXPECT_TRUE(
      std::is_permutation(killed.begin(), killed.begin() + 2,
                          std::vector<term>{terminate_of("l1"_a, atoms::killed),
                                            terminate_of("l2"_a, atoms::killed)}
                              .begin()));
  EXPECT_EQ(killed[2], init_of("l1"_a));
  EXPECT_EQ(killed[3], init_of("l2"_a));
  EXPECT_TRUE(kit_.is_alive(m1()));

  // w dies: top's third restart in 5 s is one too many. It stops its
  // children in reverse start order (m2, then m1, each its own children in
  // reverse) and exits shutdown, which its parent sees.
  const pid middles[] = {m1(), m2()};
  kit_.exit(of(top_, "w"_a), atoms::kill);
  kit_.run_until_idle();
  EXPECT_EQ(take_log(),
            (std::vector<term>{terminate_of("l5"_a), terminate_of("l4"_a),
                               terminate_of("l3"_a), terminate_of("l2"_a),
                               terminate_of("l1"_a)}));
  EXPECT_EQ(kit_.exit_reason(top_), term{atoms::shutdown});
  EXPECT_EQ(kit_.exit_reason(middles[0]), term{atoms::shutdown});
  EXPECT_EQ(kit_.exit_reason(middles[1]), term{atoms::shutdown});
  EXPECT_EQ(kit_.mailbox(parent_),
            std::vector<term>{sigtest::exit_msg(top_, atoms::shutdown)});
  EXPECT_EQ(kit_.process_count(), 1u); // the parent alone

  // The reports: m1 1 and m2 3 child_terminated, top 3 (m2 shutdown, m1
  // killed, w killed); m2 and top each reached their intensity once.
  EXPECT_EQ(logs_.count("errorContext: child_terminated"), 7u);
  EXPECT_EQ(logs_.count("supervisor: {local,top}\n"
                        "    errorContext: child_terminated\n"
                        "    reason: shutdown"),
            1u);
  EXPECT_EQ(logs_.count("reason: reached_max_restart_intensity"), 2u);
}

} // namespace supervisor_tree_test
