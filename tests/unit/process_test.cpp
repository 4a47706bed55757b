#include "otp/logger.hpp"
#include "otp/testkit.hpp"

#include <array>
#include <gtest/gtest.h>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::term;

namespace {

otp::task<> echo(otp::process& self) {
  for (;;) {
    auto msg = co_await self.receive();
    self.send(msg[0].as_pid(), msg[1]);
  }
}

otp::task<> waits_forever(otp::process& self) {
  co_await self.receive([](const term&) { return false; });
}

otp::task<> returns_at_once(otp::process&) {
  co_return;
}

} // namespace

TEST(Process, EchoRepliesToTheSender) {
  otp::testkit tk;
  auto probe = tk.spawn_probe();
  auto e = tk.spawn(echo);
  tk.send(e, term{probe, "hello"_a});
  tk.run_until_idle();
  ASSERT_EQ(tk.mailbox(probe).size(), 1u);
  EXPECT_EQ(tk.mailbox(probe)[0], term{"hello"_a});
}

TEST(Process, ReturningEndsWithNormal) {
  otp::testkit tk;
  auto p = tk.spawn(returns_at_once);
  EXPECT_TRUE(tk.is_alive(p));
  tk.run_until_idle();
  EXPECT_FALSE(tk.is_alive(p));
  EXPECT_EQ(tk.exit_reason(p), term{otp::atoms::normal});
}

TEST(Process, ExceptionEndsTheProcessWithItsTypeAndMessage) {
  otp::testkit tk;
  auto p = tk.spawn([](otp::process&) -> otp::task<> {
    throw std::runtime_error("boom");
    co_return;
  });
  tk.run_until_idle();
  auto reason = tk.exit_reason(p);
  ASSERT_TRUE(reason);
  EXPECT_EQ(to_string(*reason),
            R"({exception,'std::runtime_error',<<"boom">>})");
}

TEST(Process, ShutdownEndsEveryProcessWithShutdown) {
  auto tk = std::make_unique<otp::testkit>();
  auto p = tk->spawn(waits_forever);
  tk->run_until_idle();
  tk->shutdown();
  EXPECT_EQ(tk->exit_reason(p), term{otp::atoms::shutdown});
}

TEST(Process, CrashIsReportedThroughTheLoggerButExitIsNot) {
  auto capture = std::make_shared<otp::capture_handler>();
  ASSERT_TRUE(otp::logger::add_handler("process_test", capture));
  otp::testkit tk;
  auto crashed = tk.spawn([](otp::process&) -> otp::task<> {
    throw std::logic_error("bad state");
    co_return;
  });
  auto exited = tk.spawn([](otp::process& self) -> otp::task<> {
    self.exit("done"_a);
    co_return;
  });
  tk.run_until_idle();
  otp::logger::remove_handler("process_test");
  EXPECT_EQ(tk.exit_reason(exited), term{"done"_a});
  auto events = capture->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].text.find("Error in process " + to_string(crashed)),
            std::string::npos);
  EXPECT_NE(events[0].text.find("std::logic_error"), std::string::npos);
}

TEST(Process, ALocalOnlyValueSentToAnotherNodeIsAClearError) {
  otp::testkit tk;
  auto remote = otp::pid::remote(otp::atom{"other@host"}, 1, 0, 1);
  auto p = tk.spawn(
      [](otp::process& self, otp::pid to) -> otp::task<> {
        self.send(to, term::any(std::vector<int>{1, 2}));
        co_return;
      },
      remote);
  tk.run_until_idle();
  auto reason = tk.exit_reason(p);
  ASSERT_TRUE(reason);
  EXPECT_NE(to_string(*reason).find("cannot be sent to another node"),
            std::string::npos)
      << to_string(*reason);
}

TEST(Process, MemoryCountsTheCoroutineFrame) {
  otp::testkit tk;
  auto small = tk.spawn(waits_forever);
  auto big = tk.spawn([](otp::process& self) -> otp::task<> {
    std::array<char, 4000> scratch{};
    co_await self.receive([](const term&) { return false; });
    (void)scratch;
  });
  tk.run_until_idle();
  auto small_info = tk.info(small);
  auto big_info = tk.info(big);
  ASSERT_TRUE(small_info && big_info);
  EXPECT_GE(big_info->memory, small_info->memory + 4000);
}
