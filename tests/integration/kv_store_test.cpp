// The KV store demo (examples/kv_store) on the real multi-threaded runtime
// and real sockets (label `concurrency`; CI runs it under TSan): its
// protocol, the heir keeping acknowledged writes across the owner's death,
// and a short run under injected faults that must lose no acknowledged
// write. Every step waits for an event (a reply, a 'DOWN', a supervisor's
// answer, a supervisor report); timeouts are only failure guards.

#include "demo.hpp"
#include "line_client.hpp"
#include "names.hpp"
#include "protocol.hpp"
#include "service.hpp"
#include "supervision_log.hpp"

#include <chrono>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <optional>
#include <otp/gen_server.hpp>
#include <otp/match.hpp>
#include <otp/runtime.hpp>
#include <otp/scoped_mailbox.hpp>
#include <otp/sys.hpp>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::term;

namespace kv_store_test {

/// How long a wait may take before the test calls it a failure.
constexpr auto guard = std::chrono::milliseconds{60s};

/// A service in its own runtime, stopped at the end of the test.
struct running_service {
  otp::runtime rt{otp::runtime_options{.workers = 4}};
  kv::scoped_supervision_log log{false};
  otp::scoped_mailbox me{rt};
  kv::service svc;

  running_service() {
    auto started = kv::start_service(rt, kv::config{});
    if (!started)
      throw std::runtime_error(
          fmt::format("start_service: {}", started.error()));
    svc = *started;
  }
  ~running_service() { EXPECT_TRUE(kv::stop_service(rt).has_value()); }

  kv::line_client connect() {
    kv::line_client c{svc.port, guard};
    EXPECT_TRUE(c.connect());
    return c;
  }

  /// Ends `name`'s process with `how` (an exit reason, or `inject_crash`
  /// for an exception in its callback), waits for its 'DOWN', then for
  /// `supervisor` to answer a call: the supervisor handles the child's
  /// 'EXIT' (and so restarts it) before that call, as the 'EXIT' reached
  /// its mailbox before the 'DOWN' reached ours.
  void crash(otp::atom name, const term& how, otp::atom supervisor) {
    const otp::pid victim = rt.whereis(name);
    ASSERT_TRUE(victim) << name.text();
    const otp::ref mon = me.monitor(victim);
    if (how == term{"inject_crash"_a})
      otp::gen_server::cast(rt, victim, "inject_crash"_a);
    else
      me.exit(victim, how);
    using namespace otp::patterns;
    ASSERT_TRUE(me.receive(tuple(otp::atoms::DOWN, mon, _, _, _), guard));
    ASSERT_TRUE(otp::sys::get_state(me, supervisor, guard).has_value());
    const otp::pid again = rt.whereis(name);
    EXPECT_TRUE(again);
    EXPECT_NE(again, victim);
  }
};

std::optional<std::string> reply(const char* text) {
  return std::string{text};
}

TEST(KvProtocol, ParsesEachCommand) {
  auto put = kv::protocol::parse("PUT color dark blue\r");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->verb, kv::protocol::verb::put);
  EXPECT_EQ(put->key, "color");
  EXPECT_EQ(put->value, "dark blue");
  auto get = kv::protocol::parse("get color");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->verb, kv::protocol::verb::get);
  EXPECT_EQ(get->key, "color");
  auto del = kv::protocol::parse("Del color");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->verb, kv::protocol::verb::del);
  EXPECT_TRUE(kv::protocol::parse("PING"));
}

TEST(KvProtocol, RejectsMalformedLinesWithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "ERROR empty line"},
      {"\r", "ERROR empty line"},
      {"FLY away", "ERROR unknown command"},
      {"PUT", "ERROR usage: PUT key value"},
      {"PUT k", "ERROR usage: PUT key value"},
      {"PUT k ", "ERROR usage: PUT key value"},
      {"GET", "ERROR usage: GET key"},
      {"GET a b", "ERROR usage: GET key"},
      {"DEL ", "ERROR usage: DEL key"},
      {"PING me", "ERROR usage: PING"},
      {fmt::format("GET {}", std::string(251, 'k')), "ERROR bad key"},
      {"GET a\tb", "ERROR bad key"},
      {"PUT \x01 v", "ERROR bad key"},
      {std::string(kv::protocol::max_line + 1, 'x'), "ERROR line too long"},
  };
  for (const auto& [line, error] : cases) {
    auto parsed = kv::protocol::parse(line);
    ASSERT_FALSE(parsed) << line;
    EXPECT_EQ(parsed.error(), error) << line;
  }
}

TEST(KvStore, PutGetDelOverTcp) {
  running_service s;
  auto c = s.connect();
  EXPECT_EQ(c.request("GET greeting"), reply("NOT_FOUND"));
  EXPECT_EQ(c.request("PUT greeting hello world"), reply("OK"));
  EXPECT_EQ(c.request("GET greeting"), reply("VALUE hello world"));
  EXPECT_EQ(c.request("PUT greeting bye"), reply("OK"));
  EXPECT_EQ(c.request("GET greeting"), reply("VALUE bye"));
  EXPECT_EQ(c.request("DEL greeting"), reply("OK"));
  EXPECT_EQ(c.request("GET greeting"), reply("NOT_FOUND"));
  EXPECT_EQ(c.request("DEL greeting"), reply("OK"));
  EXPECT_EQ(c.request("ping"), reply("PONG"));
}

TEST(KvStore, BadLinesGetAnErrorAndTheConnectionSurvives) {
  running_service s;
  auto c = s.connect();
  std::vector<std::string> bad{
      "",         "HELLO",
      "PUT",      "PUT onlykey",
      "GET",      "GET two keys",
      "DEL",      fmt::format("GET {}", std::string(300, 'k')),
      "  PUT a b"};
  bad.emplace_back("\xff\xfe\0 junk", 8); // binary, with a NUL
  for (const auto& line : bad) {
    auto r = c.request(line);
    ASSERT_TRUE(r) << "no reply to '" << line << "'";
    EXPECT_EQ(r->rfind("ERROR ", 0), 0u) << *r;
    EXPECT_NE(*r, "ERROR unavailable");
  }
  // The same connection still serves requests.
  EXPECT_EQ(c.request("PUT k v"), reply("OK"));
  EXPECT_EQ(c.request("GET k"), reply("VALUE v"));
}

TEST(KvStore, PipelinedRequestsAreAnsweredInOrder) {
  running_service s;
  auto c = s.connect();
  ASSERT_TRUE(c.send_raw("PUT a 1\nPUT b 2\nGET a\nBOGUS\nGET b\nDEL a\n"));
  for (const char* want :
       {"OK", "OK", "VALUE 1", "ERROR unknown command", "VALUE 2", "OK"})
    EXPECT_EQ(c.read_line(), reply(want));
}

TEST(KvStore, ATooLongLineIsAnsweredThenTheConnectionCloses) {
  running_service s;
  auto c = s.connect();
  ASSERT_TRUE(c.send_raw(std::string(kv::protocol::max_line + 100, 'x')));
  EXPECT_EQ(c.read_line(), reply("ERROR line too long"));
  EXPECT_EQ(c.read_line(), std::nullopt); // closed
  auto again = s.connect();
  EXPECT_EQ(again.request("PING"), reply("PONG"));
}

TEST(KvStore, AcknowledgedWritesSurviveTheOwnerBeingKilled) {
  running_service s;
  auto c = s.connect();
  ASSERT_EQ(c.request("PUT k1 before"), reply("OK"));
  s.crash(kv::names::table_owner(), term{otp::atoms::kill},
          kv::names::top_supervisor());
  // The front end was restarted after the owner (rest_for_one): a new
  // connection reaches the new owner, which holds the same table.
  auto after = s.connect();
  EXPECT_EQ(after.request("GET k1"), reply("VALUE before"));
  EXPECT_EQ(after.request("PUT k2 after"), reply("OK"));
  s.crash(kv::names::table_owner(), term{"inject_crash"_a},
          kv::names::top_supervisor());
  auto third = s.connect();
  EXPECT_EQ(third.request("GET k1"), reply("VALUE before"));
  EXPECT_EQ(third.request("GET k2"), reply("VALUE after"));
  const auto counts = s.log.log().counts();
  EXPECT_EQ(counts.owner_restarts, 2u);
  EXPECT_EQ(counts.gave_up, 0u);
}

TEST(KvStore, AWorkerCrashIsRestartedAloneAndConnectionsKeepWorking) {
  running_service s;
  auto c = s.connect();
  ASSERT_EQ(c.request("PUT k v"), reply("OK"));
  const otp::pid listener = s.rt.whereis(kv::names::listener());
  s.crash(kv::names::worker(0), term{"inject_crash"_a},
          kv::names::worker_supervisor());
  s.crash(kv::names::worker(1), term{otp::atoms::kill},
          kv::names::worker_supervisor());
  // Only the workers were restarted: same listener, same connection.
  EXPECT_EQ(s.rt.whereis(kv::names::listener()), listener);
  for (int i = 0; i < 16; ++i) // every worker in turn, twice
    EXPECT_EQ(c.request("GET k"), reply("VALUE v"));
  const auto counts = s.log.log().counts();
  EXPECT_EQ(counts.worker_restarts, 2u);
  EXPECT_EQ(counts.owner_restarts, 0u);
}

TEST(KvStore, NoAcknowledgedWriteIsLostWhileProcessesCrash) {
  otp::runtime rt{otp::runtime_options{.workers = 4}};
  kv::scoped_supervision_log log{false};
  kv::demo_options options;
  options.duration = 1s;
  options.clients = 4;
  options.wait_for_restarts = guard;
  const kv::demo_report r = kv::run_demo(rt, options, log.log());
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.verify.complete);
  EXPECT_EQ(r.verify.lost, 0u);
  for (const auto& e : r.verify.examples)
    ADD_FAILURE() << e;
  EXPECT_EQ(r.load.stale_reads, 0u);
  EXPECT_EQ(r.load.gave_up, 0u);
  EXPECT_EQ(r.load.unexpected_replies, 0u);
  EXPECT_GT(r.load.acked_writes, 0u);
  EXPECT_EQ(r.verify.keys_checked, options.clients * 64);
  EXPECT_GE(r.restarts.owner_restarts, 1u);
  EXPECT_GE(r.restarts.worker_restarts, 1u);
  EXPECT_EQ(r.restarts.gave_up, 0u);
  EXPECT_TRUE(r.stopped_cleanly);
  EXPECT_TRUE(r.passed());
}

} // namespace kv_store_test
