// Event-driven processes (otp::actor): the same process semantics as
// coroutine processes, with callbacks instead of a coroutine body.

#include "otp/actor.hpp"

#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace actor_test {

/// Records init and every message into a shared log.
class recorder final : public otp::actor {
public:
  explicit recorder(std::vector<term>* log) : log_(log) {}
  void init(otp::process&) override { log_->push_back("init"_a); }
  void handle_message(otp::process&, term msg) override {
    log_->push_back(std::move(msg));
  }

private:
  std::vector<term>* log_;
};

/// Acts on commands: {exit, R} calls exit(R); {throw, Text} throws
/// std::runtime_error(Text); {echo, To, M} sends M to To; trap sets
/// trap_exit; anything else goes to `log`.
class commanded final : public otp::actor {
public:
  explicit commanded(std::vector<term>* log, bool* destroyed = nullptr)
      : log_(log), destroyed_(destroyed) {}
  ~commanded() override {
    if (destroyed_)
      *destroyed_ = true;
  }
  void handle_message(otp::process& self, term msg) override {
    if (msg.is_tuple() && msg.size() == 2 && msg[0] == term{"exit"_a})
      self.exit(msg[1]);
    if (msg.is_tuple() && msg.size() == 2 && msg[0] == term{"throw"_a})
      throw std::runtime_error("boom");
    if (msg.is_tuple() && msg.size() == 3 && msg[0] == term{"echo"_a}) {
      self.send(msg[1].as_pid(), msg[2]);
      return;
    }
    if (msg == term{"trap"_a}) {
      self.trap_exit(true);
      return;
    }
    log_->push_back(std::move(msg));
  }

private:
  std::vector<term>* log_;
  bool* destroyed_;
};

class throws_in_init final : public otp::actor {
public:
  void init(otp::process&) override { throw std::logic_error("bad init"); }
  void handle_message(otp::process&, term) override {}
};

class exits_in_init final : public otp::actor {
public:
  void init(otp::process& self) override { self.exit("init_failed"_a); }
  void handle_message(otp::process&, term) override {}
};

/// Monitors and links to the pid given in its constructor.
class watcher final : public otp::actor {
public:
  watcher(pid target, ref* tag) : target_(std::move(target)), tag_(tag) {}
  void init(otp::process& self) override {
    self.trap_exit(true);
    self.link(target_);
    *tag_ = self.monitor(target_);
  }
  void handle_message(otp::process&, term msg) override {
    got.push_back(std::move(msg));
  }
  static inline std::vector<term> got;

private:
  pid target_;
  ref* tag_;
};

} // namespace actor_test

TEST(Actor, InitRunsFirstThenMessagesInOrder) {
  otp::testkit tk;
  std::vector<term> log;
  auto p = tk.spawn_actor<actor_test::recorder>(&log);
  tk.send(p, 1);
  tk.send(p, 2);
  tk.send(p, 3);
  EXPECT_TRUE(log.empty()); // nothing runs before the scheduler runs it
  tk.run_until_idle();
  EXPECT_EQ(log, (std::vector<term>{"init"_a, 1, 2, 3}));
  EXPECT_TRUE(tk.is_alive(p));
  EXPECT_EQ(tk.info(p)->status, atoms::waiting);
}

TEST(Actor, ExitEndsItWithTheReason) {
  otp::testkit tk;
  std::vector<term> log;
  bool destroyed = false;
  auto p = tk.spawn_actor<actor_test::commanded>(&log, &destroyed);
  tk.send(p, term{"exit"_a, "done"_a});
  tk.send(p, "after"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{"done"_a});
  EXPECT_TRUE(log.empty()); // nothing handled after exit
  EXPECT_TRUE(destroyed);   // the actor object goes with the process
}

TEST(Actor, ExceptionEndsItWithTypeAndMessage) {
  otp::testkit tk;
  std::vector<term> log;
  auto p = tk.spawn_actor<actor_test::commanded>(&log);
  tk.send(p, term{"throw"_a, "boom"_a});
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(p));
  EXPECT_EQ(to_string(*tk.exit_reason(p)), boom_reason_text());
}

TEST(Actor, ExceptionInInitEndsIt) {
  otp::testkit tk;
  auto p = tk.spawn_actor<actor_test::throws_in_init>();
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(p));
  EXPECT_EQ(to_string(*tk.exit_reason(p)),
            R"({exception,'std::logic_error',<<"bad init">>})");
}

TEST(Actor, ExitInInitEndsIt) {
  otp::testkit tk;
  auto p = tk.spawn_actor<actor_test::exits_in_init>();
  tk.send(p, "never_handled"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(p), term{"init_failed"_a});
}

TEST(Actor, SendsMessages) {
  otp::testkit tk;
  std::vector<term> log;
  auto probe = tk.spawn_probe();
  auto p = tk.spawn_actor<actor_test::commanded>(&log);
  tk.send(p, term{"echo"_a, probe, "hello"_a});
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(probe), std::vector<term>{"hello"_a});
}

TEST(Actor, ExitSignalsFollowTheSameRules) {
  otp::testkit tk;
  std::vector<term> log;
  auto plain = tk.spawn_actor<actor_test::commanded>(&log);
  auto trapper = tk.spawn_actor<actor_test::commanded>(&log);
  auto killed = tk.spawn_actor<actor_test::commanded>(&log);
  tk.send(trapper, "trap"_a);
  tk.send(killed, "trap"_a);
  tk.run_until_idle();
  tk.inject_exit(plain, atoms::normal);
  tk.inject_exit(trapper, "boom"_a);
  tk.inject_exit(killed, atoms::kill);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(plain));
  EXPECT_TRUE(tk.is_alive(trapper));
  EXPECT_EQ(tk.exit_reason(killed), term{atoms::killed});
  EXPECT_EQ(log, (std::vector<term>{exit_msg(pid{}, "boom"_a)}));
  tk.inject_exit(plain, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(tk.exit_reason(plain), term{"boom"_a});
}

TEST(Actor, LinkedActorCrashTakesLinkedProcessDown) {
  otp::testkit tk;
  std::vector<term> log;
  pid child;
  auto parent = tk.spawn([&child, &log](otp::process& self) -> otp::task<> {
    child = self.spawn_actor_link<actor_test::commanded>(&log);
    co_await self.receive(nothing);
  });
  ASSERT_TRUE(tk.run_once());
  EXPECT_EQ(tk.info(child)->links, std::vector<pid>{parent}); // before it ran
  tk.run_until_idle();
  tk.send(child, term{"throw"_a, "boom"_a});
  tk.run_until_idle();
  ASSERT_TRUE(tk.exit_reason(parent));
  EXPECT_EQ(to_string(*tk.exit_reason(parent)), boom_reason_text());
}

TEST(Actor, LinksAndMonitorsFromAnActor) {
  otp::testkit tk;
  actor_test::watcher::got.clear();
  auto target = tk.spawn(exit_with_first_message);
  ref tag;
  auto w = tk.spawn_actor<actor_test::watcher>(target, &tag);
  tk.run_until_idle();
  EXPECT_EQ(tk.info(w)->links, std::vector<pid>{target});
  EXPECT_EQ(tk.info(target)->monitored_by, std::vector<pid>{w});
  tk.send(target, "bye"_a);
  tk.run_until_idle();
  EXPECT_TRUE(tk.is_alive(w));
  EXPECT_EQ(actor_test::watcher::got,
            (std::vector<term>{exit_msg(target, "bye"_a),
                               down_msg(tag, target, "bye"_a)}));
  actor_test::watcher::got.clear();
}

TEST(Actor, MonitoredActorGivesDown) {
  otp::testkit tk;
  std::vector<term> log;
  auto a = tk.spawn_actor<actor_test::commanded>(&log);
  ref tag;
  auto w = tk.spawn([a, &tag](otp::process& self) -> otp::task<> {
    tag = self.monitor(a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  tk.send(a, term{"exit"_a, "done"_a});
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(w), (std::vector<term>{down_msg(tag, a, "done"_a)}));
}

TEST(Actor, InitialCallNamesTheActorType) {
  otp::testkit tk;
  std::vector<term> log;
  auto a = tk.spawn_actor<actor_test::recorder>(&log);
  EXPECT_NE(tk.info(a)->initial_call.find("actor_test::recorder"),
            std::string::npos)
      << tk.info(a)->initial_call;
}

TEST(Actor, ABusyActorYieldsToOthers) {
  otp::testkit tk;
  std::vector<term> log;
  auto busy = tk.spawn_actor<actor_test::recorder>(&log);
  for (int i = 0; i < 5000; ++i)
    tk.send(busy, i);
  std::size_t seen = 0;
  tk.spawn([&log, &seen](otp::process&) -> otp::task<> {
    seen = log.size();
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(log.size(), 5001u);
  EXPECT_LT(seen, 5001u);
}
