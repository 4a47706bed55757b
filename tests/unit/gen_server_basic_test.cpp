// gen_server: start, call, cast, info, replies, the client API.

#include "otp/gen_server.hpp"
#include "otp/scoped_mailbox.hpp"
#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
using namespace sigtest;

namespace gen_server_basic_test {

class counter : public gs::server<counter> {
public:
  explicit counter(std::int64_t start) : n_(start) {}

  call_result handle_call(const term& req, const gs::from&) {
    if (req == term{"get"_a})
      return reply(n_);
    if (req == term{"stop"_a})
      return stop("normal"_a, "stopping"_a);
    return reply(term{"unknown"_a, req});
  }
  cast_result handle_cast(const term& msg) {
    n_ += msg.as_int();
    return noreply();
  }
  info_result handle_info(const term& msg) {
    if (msg.is_integer())
      n_ += msg.as_int();
    return noreply();
  }
  term state() const override { return n_; }

private:
  std::int64_t n_;
};

TEST(GenServerBasic, StartCallCastInfo) {
  otp::testkit kit;
  std::vector<term> log;
  kit.spawn([&log](otp::process& self) -> otp::task<> {
    auto started = co_await gs::start_link<counter>(self, {}, 10);
    log.push_back(started.to_term());
    pid srv = *started;
    log.push_back(co_await gs::call(self, srv, "get"_a));
    gs::cast(self, srv, 5);
    self.send(srv, 100);
    log.push_back(co_await gs::call(self, srv, "get"_a));
    log.push_back(co_await gs::call(self, srv, "stop"_a));
  });
  kit.run_until_idle();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_TRUE(log[0].is_tuple(2) && log[0][0] == term{atoms::ok});
  EXPECT_EQ(log[1], term{10});
  EXPECT_EQ(log[2], term{115});
  EXPECT_EQ(log[3], term{"stopping"_a});
}

TEST(GenServerBasic, CallToUnknownNameExitsNoproc) {
  otp::testkit kit;
  auto p = kit.spawn([](otp::process& self) -> otp::task<> {
    co_await gs::call(self, "nobody"_a, "get"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(kit.exit_reason(p),
            (term{atoms::noproc, term{atoms::gen_server, atoms::call,
                                      term::list({"nobody"_a, "get"_a})}}));
}

TEST(GenServerBasic, CallFromOutsideTheRuntime) {
  otp::runtime rt;
  auto started = gs::start<counter>(rt, {"ctr"_a}, 1);
  ASSERT_TRUE(started);
  otp::scoped_mailbox me{rt};
  auto r = gs::call(me, "ctr"_a, "get"_a);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, term{1});
  gs::cast(rt, "ctr"_a, 41);
  EXPECT_EQ(gs::call(me, "ctr"_a, "get"_a).value(), term{42});
  EXPECT_TRUE(gs::stop(me, "ctr"_a).has_value());
  EXPECT_EQ(rt.whereis("ctr"_a), pid{});
}

} // namespace gen_server_basic_test

namespace gen_server_basic_test {

// Typed results: a wrong combination does not compile. These are the
// conversions a callback's `return` would need.
static_assert(std::is_convertible_v<gs::reply_result, gs::call_result>);
static_assert(std::is_convertible_v<gs::stop_reply_result, gs::call_result>);
static_assert(!std::is_convertible_v<gs::reply_result, gs::cast_result>,
              "a reply from handle_cast must not compile");
static_assert(!std::is_convertible_v<gs::stop_reply_result, gs::cast_result>,
              "stop with a reply from handle_cast must not compile");
static_assert(!std::is_convertible_v<gs::reply_result, gs::init_result>);
static_assert(!std::is_convertible_v<gs::noreply_result, gs::init_result>);
static_assert(!std::is_convertible_v<gs::ok_result, gs::call_result>);
static_assert(!std::is_convertible_v<gs::ignore_result, gs::cast_result>);
static_assert(std::is_convertible_v<gs::init_error_result, gs::init_result>);
// Option and name types are not aggregates (g++ 12 destroys aggregate
// temporaries in co_await expressions twice).
static_assert(!std::is_aggregate_v<gs::start_options>);
static_assert(!std::is_aggregate_v<otp::global_name>);
static_assert(!std::is_aggregate_v<otp::via>);

} // namespace gen_server_basic_test
