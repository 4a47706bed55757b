// gen_server's client side and callback results: call timeouts and
// failures, deferred replies, send_request, stop/3, continue, timeouts,
// hibernate, thrown results, bad return values, coroutine handlers.

#include "otp/gen_server.hpp"
#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
using namespace sigtest;

namespace gen_server_call_test {

/// Answers `echo` requests, keeps `hold` callers for a later `release`,
/// and records what it sees into a log.
class holder : public gs::server<holder> {
public:
  explicit holder(std::vector<term>* log) : log_(log) {}

  call_result handle_call(const term& req, const from& caller) {
    if (req.is_tuple(2) && req[0] == term{"echo"_a})
      return reply(req[1]);
    if (req == term{"hold"_a}) {
      held_.push_back(caller);
      return noreply();
    }
    if (req == term{"release"_a}) {
      for (auto& f : held_)
        reply_to(f, "late"_a);
      held_.clear();
      return reply("released"_a);
    }
    if (req == term{"crash"_a})
      throw std::runtime_error("crashed in call");
    if (req == term{"exit"_a})
      self().exit("exited"_a);
    if (req == term{"bad"_a})
      return {};
    if (req == term{"throw_reply"_a})
      throw reply("thrown");
    return stop("unexpected"_a);
  }
  cast_result handle_cast(const term& msg) {
    log_->push_back(term{"cast"_a, msg});
    if (msg == term{"bad"_a})
      return {};
    if (msg == term{"throw_reply"_a})
      throw reply("not allowed");
    if (msg == term{"throw_noreply"_a})
      throw noreply();
    if (msg == term{"timeout"_a})
      return noreply(100ms);
    if (msg == term{"hibernate"_a})
      return noreply(hibernate);
    if (msg == term{"continue"_a})
      return noreply(then_continue("went_on"_a));
    return noreply();
  }
  info_result handle_info(const term& msg) {
    log_->push_back(term{"info"_a, msg});
    return noreply();
  }
  continue_result handle_continue(const term& c) {
    log_->push_back(term{"continue"_a, c});
    return noreply();
  }
  void terminate(const term& reason) {
    log_->push_back(term{"terminate"_a, reason});
  }

private:
  std::vector<term>* log_;
  std::vector<from> held_;
};

/// Parks the process without taking any message, so a test can read what
/// is left in its mailbox.
otp::task<> park(otp::process& self) {
  (void)co_await self.receive(nothing);
}

term call_reason(term why, term server, term request) {
  return term{std::move(why),
              term{atoms::gen_server, atoms::call,
                   term::list({std::move(server), std::move(request)})}};
}

TEST(GenServerCall, TimeoutExitsTheCallerWithOtpsReason) {
  otp::testkit kit;
  std::vector<term> log;
  pid server;
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<holder>(self, {"h"_a}, &log);
    co_await gs::call(self, "h"_a, "hold"_a, 1000ms);
  });
  kit.run_until_idle();
  EXPECT_FALSE(kit.exit_reason(client)); // still waiting
  kit.advance_time(999ms);
  EXPECT_FALSE(kit.exit_reason(client));
  kit.advance_time(1ms);
  EXPECT_EQ(kit.exit_reason(client),
            (term{atoms::timeout, term{atoms::gen_server, atoms::call,
                                       term::list({"h"_a, "hold"_a, 1000})}}));
}

TEST(GenServerCall, DefaultTimeoutIsFiveSeconds) {
  otp::testkit kit;
  std::vector<term> log;
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {}, &log);
    co_await gs::call(self, s, "hold"_a);
  });
  kit.run_until_idle();
  kit.advance_time(4999ms);
  EXPECT_FALSE(kit.exit_reason(client));
  kit.advance_time(1ms);
  ASSERT_TRUE(kit.exit_reason(client));
  EXPECT_EQ((*kit.exit_reason(client))[0], term{atoms::timeout});
}

TEST(GenServerCall, InfinityNeverTimesOut) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> got;
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {"h"_a}, &log);
    got = co_await gs::call(self, s, "hold"_a, otp::infinity);
  });
  kit.run_until_idle();
  kit.advance_time(24h);
  EXPECT_FALSE(kit.exit_reason(client));
  kit.spawn([](otp::process& self) -> otp::task<> {
    co_await gs::call(self, "h"_a, "release"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(got, term{"late"_a});
}

TEST(GenServerCall, NoLateReplyOrDownLandsAfterATimeout) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> error;
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {"h"_a}, &log);
    auto r = co_await gs::try_call(self, s, "hold"_a, 10ms);
    error = r.error();
    co_await park(self);
  });
  kit.run_until_idle();
  kit.advance_time(10ms);
  ASSERT_TRUE(error);
  // The server replies late, then dies: neither its reply nor a DOWN may
  // reach the caller.
  kit.spawn([](otp::process& self) -> otp::task<> {
    co_await gs::call(self, "h"_a, "release"_a);
    co_await gs::stop(self, "h"_a, "gone"_a);
  });
  kit.run_until_idle();
  EXPECT_FALSE(kit.exit_reason(client));
  EXPECT_TRUE(kit.mailbox(client).empty());
}

TEST(GenServerCall, ServerDyingDuringTheCallGivesItsReason) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> crash_error, exit_error;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {}, &log);
    crash_error = (co_await gs::try_call(self, s, "crash"_a)).error();
    auto s2 = *co_await gs::start<holder>(self, {}, &log);
    exit_error = (co_await gs::try_call(self, s2, "exit"_a)).error();
    co_await park(self);
  });
  log_capture capture;
  kit.run_until_idle();
  ASSERT_TRUE(crash_error && exit_error);
  EXPECT_EQ((*crash_error)[0], (term{atoms::exception, "std::runtime_error"_a,
                                     "crashed in call"}));
  EXPECT_EQ((*exit_error)[0], term{"exited"_a});
  // terminate ran both times, with the reason.
  EXPECT_EQ(
      count(log, [](const term& t) { return t[0] == term{"terminate"_a}; }),
      2u);
}

TEST(GenServerCall, NoprocIsImmediateForADeadServer) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> error;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {}, &log);
    co_await gs::stop(self, s);
    error = (co_await gs::try_call(self, s, "ping"_a)).error();
  });
  kit.run_until_idle(); // no time passes: noproc comes at once
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)[0], term{atoms::noproc});
}

TEST(GenServerCall, CallingSelfFails) {
  otp::testkit kit;
  std::optional<term> error;
  class self_caller : public gs::server<self_caller> {
  public:
    explicit self_caller(std::optional<term>* out) : out_(out) {}
    otp::task<call_result> handle_call(const term& req, const from&) {
      if (req == term{"go"_a})
        *out_ = (co_await gs::try_call(self(), self().self(), "x"_a)).error();
      co_return reply("done"_a);
    }

  private:
    std::optional<term>* out_;
  };
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<self_caller>(self, {}, &error);
    co_await gs::call(self, s, "go"_a);
  });
  kit.run_until_idle();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)[0], term{atoms::calling_self});
}

TEST(GenServerCall, DeferredReplyFromAnotherProcess) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> got;
  // The server hands the caller's From to a helper process that replies.
  class delegating : public gs::server<delegating> {
  public:
    call_result handle_call(const term& req, const from& caller) {
      self().spawn(
          [](otp::process&, from f, term r) -> otp::task<> {
            gs::reply(f, term{"from_helper"_a, r});
            co_return;
          },
          caller, req);
      return noreply();
    }
  };
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<delegating>(self, {});
    got = co_await gs::call(self, s, 7);
  });
  kit.run_until_idle();
  EXPECT_EQ(got, (term{"from_helper"_a, 7}));
}

TEST(GenServerCall, ReplyToAGoneCallerIsDropped) {
  otp::testkit kit;
  std::vector<term> log;
  bool finished = false;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {"h"_a}, &log);
    (void)s;
    // A caller that gives up and dies.
    auto [p, m] = self.spawn_monitor([](otp::process& me) -> otp::task<> {
      co_await gs::call(me, "h"_a, "hold"_a, 1ms);
    });
    (void)p;
    co_await self.receive(down_of(m));
    co_await gs::call(self, "h"_a, "release"_a); // replies to the dead one
    finished = true;
  });
  kit.run_until_idle();
  kit.advance_time(1ms);
  kit.run_until_idle();
  EXPECT_TRUE(finished);
}

TEST(GenServerCall, SendRequestWaitAndCheckResponse) {
  otp::testkit kit;
  std::vector<term> log;
  std::vector<term> out;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {"h"_a}, &log);
    auto r1 = gs::send_request(self, s, term{"echo"_a, 1});
    auto r2 = gs::send_request(self, s, term{"echo"_a, 2});
    out.push_back((co_await gs::wait_response(self, r2)).to_term());
    // check_response on a message taken by an ordinary receive.
    auto msg = co_await self.receive();
    out.push_back(gs::check_response(self, msg, r2).to_term()); // not r2's
    out.push_back(gs::check_response(self, msg, r1).to_term());
    // A request that is never answered times out, and stays pending.
    auto r3 = gs::send_request(self, s, "hold"_a);
    out.push_back((co_await gs::wait_response(self, r3, 5ms)).to_term());
    // The server dies: the pending request answers with an error.
    co_await gs::stop(self, s, "bye"_a);
    out.push_back((co_await gs::wait_response(self, r3, 0ms)).to_term());
    // To an unknown name: an error at once.
    auto r4 = gs::send_request(self, "nobody"_a, "x"_a);
    out.push_back((co_await gs::wait_response(self, r4)).to_term());
  });
  kit.run_until_idle();
  kit.advance_time(5ms);
  kit.run_until_idle();
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0], (term{atoms::reply, 2}));
  EXPECT_EQ(out[1], term{"no_reply"_a});
  EXPECT_EQ(out[2], (term{atoms::reply, 1}));
  EXPECT_EQ(out[3], term{atoms::timeout});
  ASSERT_TRUE(out[4].is_tuple(2));
  EXPECT_EQ(out[4][0], term{atoms::error});
  EXPECT_EQ(out[4][1][0], term{"bye"_a});
  EXPECT_EQ(out[5], (term{atoms::error, term{atoms::noproc, "nobody"_a}}));
}

TEST(GenServerCall, StopRunsTerminateAndWaits) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> noproc, other;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {}, &log);
    co_await gs::stop(self, s, term{atoms::shutdown, "why"_a});
    log.push_back("stopped"_a);
    // stop on a dead server exits the caller with noproc.
    auto [p, m] = self.spawn_monitor(
        [](otp::process& me, pid dead) -> otp::task<> {
          co_await gs::stop(me, dead);
        },
        s);
    (void)p;
    noproc = (co_await self.receive(down_of(m)))[4];
    co_await park(self);
  });
  kit.run_until_idle();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0], (term{"terminate"_a, term{atoms::shutdown, "why"_a}}));
  EXPECT_EQ(log[1], term{"stopped"_a});
  EXPECT_EQ(noproc, term{atoms::noproc});
}

TEST(GenServerCall, StopTimesOutOnABusyServer) {
  otp::testkit kit;
  std::optional<term> reason;
  // A server that never gets to the stop request: it waits in a selective
  // receive inside a coroutine handler.
  class stuck : public gs::server<stuck> {
  public:
    otp::task<cast_result> handle_cast(const term&) {
      (void)co_await self().receive(nothing);
      co_return noreply();
    }
  };
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<stuck>(self, {});
    gs::cast(self, s, "block"_a);
    auto [p, m] = self.spawn_monitor(
        [](otp::process& me, pid srv) -> otp::task<> {
          co_await gs::stop(me, srv, atoms::normal, 50ms);
        },
        s);
    (void)p;
    reason = (co_await self.receive(down_of(m)))[4];
  });
  kit.run_until_idle();
  kit.advance_time(50ms);
  kit.run_until_idle();
  EXPECT_EQ(reason, term{atoms::timeout});
}

TEST(GenServerCall, ResultTimeoutContinueAndThrownResults) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> thrown;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<holder>(self, {"h"_a}, &log);
    gs::cast(self, s, "continue"_a);
    self.send(s, "after_continue"_a);
    gs::cast(self, s, "throw_noreply"_a);
    thrown = co_await gs::call(self, s, "throw_reply"_a);
    gs::cast(self, s, "timeout"_a);
  });
  kit.run_until_idle();
  kit.advance_time(100ms);
  kit.run_until_idle();
  EXPECT_EQ(thrown, term{"thrown"});
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0], (term{"cast"_a, "continue"_a}));
  EXPECT_EQ(log[1], (term{"continue"_a, "went_on"_a})); // before the info
  EXPECT_EQ(log[2], (term{"info"_a, "after_continue"_a}));
  EXPECT_EQ(log[3], (term{"cast"_a, "throw_noreply"_a}));
  EXPECT_EQ(log[4], (term{"cast"_a, "timeout"_a}));
  EXPECT_EQ(log[5], (term{"info"_a, atoms::timeout}));
}

TEST(GenServerCall, AMessageCancelsTheResultTimeout) {
  otp::testkit kit;
  std::vector<term> log;
  pid server;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<holder>(self, {}, &log);
    gs::cast(self, server, "timeout"_a);
  });
  kit.run_until_idle();
  kit.advance_time(50ms);
  kit.send(server, "poke"_a);
  kit.run_until_idle();
  kit.advance_time(100ms);
  EXPECT_EQ(count(log, equals(term{"info"_a, atoms::timeout})), 0u);
}

TEST(GenServerCall, BadReturnValuesStopTheServer) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> in_call, in_cast, wrong_kind;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s1 = *co_await gs::start<holder>(self, {}, &log);
    in_call = (co_await gs::try_call(self, s1, "bad"_a)).error();
    auto [s2, m2] =
        self.spawn_monitor([](otp::process&) -> otp::task<> { co_return; });
    (void)s2;
    (void)m2;
    auto s3 = co_await gs::start_monitor<holder>(self, {}, &log);
    gs::cast(self, *s3, "bad"_a);
    in_cast = (co_await self.receive(down_of(s3.monitor)))[4];
    auto s4 = co_await gs::start_monitor<holder>(self, {}, &log);
    gs::cast(self, *s4, "throw_reply"_a);
    wrong_kind = (co_await self.receive(down_of(s4.monitor)))[4];
  });
  log_capture capture;
  kit.run_until_idle();
  ASSERT_TRUE(in_call && in_cast && wrong_kind);
  EXPECT_EQ((*in_call)[0], (term{atoms::bad_return_value, atoms::undefined}));
  EXPECT_EQ(*in_cast, (term{atoms::bad_return_value, atoms::undefined}));
  EXPECT_EQ(*wrong_kind,
            (term{atoms::bad_return_value, term{atoms::reply, "not allowed"}}));
}

TEST(GenServerCall, DefaultCallbacksStopWithBadCallAndBadCast) {
  otp::testkit kit;
  class bare : public gs::server<bare> {};
  std::optional<term> call_error, cast_reason;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<bare>(self, {});
    call_error = (co_await gs::try_call(self, s, "q"_a)).error();
    auto s2 = co_await gs::start_monitor<bare>(self, {});
    gs::cast(self, *s2, "c"_a);
    cast_reason = (co_await self.receive(down_of(s2.monitor)))[4];
  });
  log_capture capture;
  kit.run_until_idle();
  ASSERT_TRUE(call_error && cast_reason);
  EXPECT_EQ((*call_error)[0], (term{"bad_call"_a, "q"_a}));
  EXPECT_EQ(*cast_reason, (term{"bad_cast"_a, "c"_a}));
}

TEST(GenServerCall, DefaultHandleInfoLogsAndContinues) {
  otp::testkit kit;
  class bare : public gs::server<bare> {
  public:
    call_result handle_call(const term&, const from&) { return reply("ok"_a); }
  };
  std::optional<term> after;
  log_capture capture;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto s = *co_await gs::start<bare>(self, {});
    self.send(s, "stray"_a);
    after = co_await gs::call(self, s, "still_there"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(after, term{"ok"_a});
  EXPECT_EQ(capture.count("Unhandled message: stray"), 1u);
}

TEST(GenServerCall, CastNeverFails) {
  otp::testkit kit;
  bool survived = false;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    gs::cast(self, "nobody"_a, "x"_a);
    gs::cast(self, otp::global_name{"nobody"_a}, "x"_a);
    otp::local_registry reg;
    gs::cast(self, otp::via{reg, "nobody"_a}, "x"_a);
    survived = true;
    co_return;
  });
  kit.run_until_idle();
  EXPECT_TRUE(survived);
}

/// Leaves `server` with an empty link table, for hibernate to release. A
/// process's first link is kept in its control block, so two links are
/// made (the second goes to the table), then both removed.
otp::task<> leave_empty_link_table(otp::process& self, pid server) {
  self.link(server); // the server's inline slot
  pid me = self.self();
  (void)self.spawn([server, me](otp::process& p) -> otp::task<> {
    p.link(server); // the server's table: the slot is taken
    p.unlink(server);
    p.send(me, "unlinked"_a);
    co_return;
  });
  // The server takes the helper's link and unlink before our unlink: they
  // are all in its one inbox, in that order.
  co_await self.receive(equals("unlinked"_a));
  self.unlink(server);
}

TEST(GenServerCall, HibernateReleasesMemoryAndWakesOnTheNextMessage) {
  otp::testkit kit;
  std::vector<term> log;
  pid server;
  std::optional<term> reply_after;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<holder>(self, {}, &log);
    // Links that are gone leave the server with an empty link table (a
    // call's monitor alone needs none: it is kept in the control block).
    co_await leave_empty_link_table(self, server);
    (void)co_await gs::call(self, server, term{"echo"_a, 1});
  });
  kit.run_until_idle();
  auto before = kit.info(server)->memory;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    gs::cast(self, server, "hibernate"_a);
    co_return;
  });
  kit.run_until_idle();
  auto during = kit.info(server)->memory;
  EXPECT_LT(during, before);
  kit.spawn([&](otp::process& self) -> otp::task<> {
    reply_after = co_await gs::call(self, server, term{"echo"_a, 2});
  });
  kit.run_until_idle();
  EXPECT_EQ(reply_after, term{2});
}

/// A server whose handler is a coroutine calling another server: the
/// worker thread is never blocked, and the server's other messages wait.
class front : public gs::server<front> {
public:
  explicit front(pid back) : back_(std::move(back)) {}
  otp::task<call_result> handle_call(const term& req, const from&) {
    auto answer = co_await gs::call(self(), back_, term{"echo"_a, req});
    co_return reply(term{"via_back"_a, answer});
  }

private:
  pid back_;
};

TEST(GenServerCall, CoroutineHandlerCallsAnotherServer) {
  otp::testkit kit;
  std::vector<term> log;
  std::optional<term> got;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto back = *co_await gs::start<holder>(self, {}, &log);
    auto f = *co_await gs::start<front>(self, {}, back);
    got = co_await gs::call(self, f, 42);
  });
  kit.run_until_idle();
  EXPECT_EQ(got, (term{"via_back"_a, 42}));
}

TEST(GenServerCall, CoroutineHandlerOnTheRealRuntime) {
  std::vector<term> log;
  otp::runtime rt;
  auto back = gs::start<holder>(rt, {}, &log);
  auto f = gs::start<front>(rt, {}, *back);
  otp::scoped_mailbox me{rt};
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(gs::call(me, *f, i).value(), (term{"via_back"_a, i}));
}

} // namespace gen_server_call_test

namespace gen_server_call_test {

TEST(GenServerCall, HibernateAfterIdleTime) {
  otp::testkit kit;
  std::vector<term> log;
  pid server;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server =
        *co_await gs::start<holder>(self,
                                    gs::start_options{}.with_hibernate_after(
                                        std::chrono::milliseconds{100}),
                                    &log);
    co_await leave_empty_link_table(self, server);
    (void)co_await gs::call(self, server, term{"echo"_a, 1});
  });
  kit.run_until_idle();
  auto awake = kit.info(server)->memory;
  kit.advance_time(99ms);
  EXPECT_EQ(kit.info(server)->memory, awake);
  kit.advance_time(1ms);
  EXPECT_LT(kit.info(server)->memory, awake);
  // It still serves, and no timeout message reached handle_info.
  std::optional<term> got;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    got = co_await gs::call(self, server, term{"echo"_a, 2});
  });
  kit.run_until_idle();
  EXPECT_EQ(got, term{2});
  EXPECT_EQ(count(log, equals(term{"info"_a, atoms::timeout})), 0u);
}

} // namespace gen_server_call_test

namespace gen_server_call_test {

/// terminate as a coroutine: it waits (here for a timeout) before the
/// server exits, as a supervisor waits for its children.
class slow_terminate : public gs::server<slow_terminate> {
public:
  explicit slow_terminate(std::vector<term>* log) : log_(log) {}
  call_result handle_call(const term& req, const from&) {
    return stop(req, "stopping"_a);
  }
  otp::task<> terminate(const term& reason) {
    log_->push_back(term{"terminating"_a, reason});
    (void)co_await self().receive(nothing, 50ms);
    log_->push_back("terminated"_a);
  }

private:
  std::vector<term>* log_;
};

TEST(GenServerCall, CoroutineTerminateRunsBeforeTheReplyAndTheExit) {
  otp::testkit kit;
  std::vector<term> log;
  pid server;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<slow_terminate>(self, {}, &log);
    log.push_back(co_await gs::call(self, server, "bye"_a));
  });
  kit.run_until_idle();
  EXPECT_EQ(log, (std::vector<term>{term{"terminating"_a, "bye"_a}}));
  EXPECT_FALSE(kit.exit_reason(server));
  kit.advance_time(50ms);
  EXPECT_EQ(log, (std::vector<term>{term{"terminating"_a, "bye"_a},
                                    "terminated"_a, "stopping"_a}));
  EXPECT_EQ(kit.exit_reason(server), term{"bye"_a});
}

} // namespace gen_server_call_test
