// Registered names (SEMANTICS.md §1, row "registered names"). Expectations
// checked against Erlang/OTP 25 `erl`: register/2 of a taken name, of a pid
// that already has a name, of a dead pid, or of `undefined`, and
// unregister/1 of an unknown name all fail with badarg; `Name ! Msg` to an
// unregistered name fails with badarg.

#include "otp/scoped_mailbox.hpp"
#include "sigtest.hpp"

#include <algorithm>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
using namespace sigtest;

namespace registry_test {

pid dead_pid(otp::testkit& tk) {
  auto p = tk.spawn([](otp::process&) -> otp::task<> { co_return; });
  tk.run_until_idle();
  return p;
}

bool has_name(const std::vector<otp::atom>& names, otp::atom name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace registry_test

TEST(Registry, RegisterWhereisUnregister) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  EXPECT_FALSE(tk.whereis("reg_a"_a));
  ASSERT_TRUE(tk.register_name("reg_a"_a, p));
  EXPECT_EQ(tk.whereis("reg_a"_a), p);
  EXPECT_TRUE(registry_test::has_name(tk.registered(), "reg_a"_a));
  EXPECT_EQ(tk.info(p)->registered_name, "reg_a"_a);
  ASSERT_TRUE(tk.unregister("reg_a"_a));
  EXPECT_FALSE(tk.whereis("reg_a"_a));
  EXPECT_FALSE(registry_test::has_name(tk.registered(), "reg_a"_a));
  EXPECT_EQ(tk.info(p)->registered_name, atoms::empty);
  EXPECT_TRUE(tk.is_alive(p));
}

TEST(Registry, ProcessRegistersItself) {
  otp::testkit tk;
  pid found;
  auto p = tk.spawn([&found](otp::process& self) -> otp::task<> {
    EXPECT_TRUE(self.register_name("reg_self"_a, self.self()));
    found = self.whereis("reg_self"_a);
    co_await self.receive(nothing);
  });
  tk.run_until_idle();
  EXPECT_EQ(found, p);
}

TEST(Registry, TakenNameFailsWithBadarg) {
  otp::testkit tk;
  auto a = tk.spawn(idle);
  auto b = tk.spawn(idle);
  ASSERT_TRUE(tk.register_name("reg_taken"_a, a));
  auto r = tk.register_name("reg_taken"_a, b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
  EXPECT_EQ(r.error().reason(), atoms::badarg);
  EXPECT_EQ(tk.whereis("reg_taken"_a), a);
  EXPECT_EQ(tk.info(b)->registered_name, atoms::empty);
}

TEST(Registry, AlreadyNamedPidFailsWithBadarg) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  ASSERT_TRUE(tk.register_name("reg_first"_a, p));
  auto r = tk.register_name("reg_second"_a, p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
  EXPECT_FALSE(tk.whereis("reg_second"_a));
  EXPECT_EQ(tk.info(p)->registered_name, "reg_first"_a);
}

TEST(Registry, ReRegisteringTheSameNameAndPidFailsWithBadarg) {
  // erl: register(foo, P), register(foo, P) -> badarg.
  otp::testkit tk;
  auto p = tk.spawn(idle);
  ASSERT_TRUE(tk.register_name("reg_twice"_a, p));
  auto r = tk.register_name("reg_twice"_a, p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
}

TEST(Registry, DeadPidFailsWithBadarg) {
  otp::testkit tk;
  auto dead = registry_test::dead_pid(tk);
  auto r = tk.register_name("reg_dead"_a, dead);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
  EXPECT_FALSE(tk.whereis("reg_dead"_a));
}

TEST(Registry, UndefinedIsReserved) {
  otp::testkit tk;
  auto p = tk.spawn(idle);
  auto r = tk.register_name(atoms::undefined, p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
}

TEST(Registry, UnregisteringAnUnknownNameFailsWithBadarg) {
  otp::testkit tk;
  auto r = tk.unregister("reg_nobody"_a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
}

TEST(Registry, NameIsFreedOnDeath) {
  otp::testkit tk;
  auto p = tk.spawn(exit_with_first_message);
  ASSERT_TRUE(tk.register_name("reg_freed"_a, p));
  tk.run_until_idle();
  tk.send(p, "boom"_a);
  tk.run_until_idle();
  ASSERT_FALSE(tk.is_alive(p));
  EXPECT_FALSE(tk.whereis("reg_freed"_a));
  EXPECT_FALSE(registry_test::has_name(tk.registered(), "reg_freed"_a));
  auto q = tk.spawn(idle);
  EXPECT_TRUE(tk.register_name("reg_freed"_a, q));
  EXPECT_EQ(tk.whereis("reg_freed"_a), q);
}

TEST(Registry, NameIsFreedWhenKilled) {
  otp::testkit tk;
  auto p = tk.spawn(idle_trapping);
  ASSERT_TRUE(tk.register_name("reg_killed"_a, p));
  tk.run_until_idle();
  tk.inject_exit(p, atoms::kill);
  tk.run_until_idle();
  EXPECT_FALSE(tk.whereis("reg_killed"_a));
}

TEST(Registry, SendToRegisteredNameDelivers) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  ASSERT_TRUE(tk.register_name("reg_probe"_a, probe));
  EXPECT_TRUE(tk.send("reg_probe"_a, "from_runtime"_a));
  tk.spawn([](otp::process& self) -> otp::task<> {
    EXPECT_TRUE(self.send("reg_probe"_a, "from_process"_a));
    co_return;
  });
  tk.run_until_idle();
  EXPECT_EQ(tk.mailbox(probe),
            (std::vector<term>{"from_runtime"_a, "from_process"_a}));
}

TEST(Registry, SendToUnregisteredNameFailsWithBadarg) {
  otp::testkit tk;
  auto r = tk.send("reg_nobody"_a, "hi"_a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);

  std::optional<otp::expected<void, otp::error>> from_process;
  tk.spawn([&from_process](otp::process& self) -> otp::task<> {
    from_process = self.send("reg_nobody"_a, "hi"_a);
    co_return;
  });
  tk.run_until_idle();
  ASSERT_TRUE(from_process);
  ASSERT_FALSE(*from_process);
  EXPECT_EQ(from_process->error(), otp::errc::badarg);

  otp::scoped_mailbox me{tk}; // sending never blocks: fine on a testkit
  auto from_mailbox = me.send("reg_nobody"_a, "hi"_a);
  ASSERT_FALSE(from_mailbox);
  EXPECT_EQ(from_mailbox.error(), otp::errc::badarg);
}

TEST(Registry, SendToNameOfDeadProcessFailsWithBadarg) {
  otp::testkit tk;
  auto p = tk.spawn(exit_with_first_message);
  ASSERT_TRUE(tk.register_name("reg_gone"_a, p));
  tk.send(p, "boom"_a);
  tk.run_until_idle();
  auto r = tk.send("reg_gone"_a, "hi"_a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), otp::errc::badarg);
}

// {via, Module, Name} registries: tests/unit/via_registry_test.cpp.
// {global, Name} comes with the distribution layer.
