#include "otp/match.hpp"
#include "otp/registry.hpp"
#include "otp/testkit.hpp"

#include <gtest/gtest.h>

using namespace otp::literals;
using otp::term;

namespace {

otp::task<> idle_forever(otp::process& self) {
  co_await self.receive([](const term&) { return false; });
}

/// Sends {hello, 1} through the via name it is given.
otp::task<> via_sender(otp::process& self, otp::local_registry* reg,
                       term name) {
  auto sent = self.send(otp::via{*reg, name}, term{"hello"_a, 1});
  self.send(self.whereis("test_probe"_a),
            sent ? term{"ok"_a} : term{"error"_a, sent.error().reason()});
  co_return;
}

} // namespace

TEST(ViaRegistry, RegistersAnyTermAndResolvesIt) {
  otp::testkit tk;
  otp::local_registry reg;
  auto p = tk.spawn(idle_forever);
  term name{"session"_a, 42};
  EXPECT_TRUE(reg.register_name(name, p));
  EXPECT_EQ(reg.whereis_name(name), p);
  EXPECT_FALSE(reg.register_name(name, tk.spawn(idle_forever)))
      << "a taken name is refused";
  reg.unregister_name(name);
  EXPECT_EQ(reg.whereis_name(name), otp::pid{});
}

TEST(ViaRegistry, ANameIsFreedWhenItsProcessEnds) {
  otp::testkit tk;
  otp::local_registry reg;
  auto p = tk.spawn(idle_forever);
  ASSERT_TRUE(reg.register_name("worker"_a, p));
  tk.inject_exit(p, "boom"_a);
  tk.run_until_idle();
  EXPECT_EQ(reg.whereis_name("worker"_a), otp::pid{});
  EXPECT_TRUE(reg.names().empty());
  EXPECT_TRUE(reg.register_name("worker"_a, tk.spawn(idle_forever)));
}

TEST(ViaRegistry, SendThroughViaDeliversOrFailsWithBadarg) {
  otp::testkit tk;
  otp::local_registry reg;
  auto probe = tk.spawn_probe();
  ASSERT_TRUE(tk.register_name("test_probe"_a, probe));
  auto target = tk.spawn_probe();
  ASSERT_TRUE(reg.register_name("target"_a, target));

  tk.spawn(via_sender, &reg, term{"target"_a});
  tk.spawn(via_sender, &reg, term{"nobody"_a});
  tk.run_until_idle();

  ASSERT_EQ(tk.mailbox(target).size(), 1u);
  EXPECT_EQ(tk.mailbox(target)[0], (term{"hello"_a, 1}));
  auto replies = tk.mailbox(probe);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0], term{"ok"_a});
  EXPECT_EQ(replies[1], (term{"error"_a, "badarg"_a}));
}
