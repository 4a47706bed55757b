// connection: every result of every callback (Elixir's Connection), the
// backoff timer (cancel, flush of a raced timer message), messages served
// while backing off, stop paths and terminate. Deterministic: the testkit
// runs the processes and time is virtual.

#include "otp/connection.hpp"

#include "otp/sys.hpp"
#include "sigtest.hpp"

#include <functional>
#include <memory>
#include <stdexcept>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace conn = otp::connection;
namespace gs = otp::gen_server;

namespace connection_test {

// -- wrong combinations do not compile ----------------------------------------

static_assert(std::is_constructible_v<conn::init_result, conn::ok_result>);
static_assert(
    std::is_constructible_v<conn::init_result, conn::connect_request>);
static_assert(
    !std::is_constructible_v<conn::init_result, conn::noreply_result>);
static_assert(
    !std::is_constructible_v<conn::init_result, conn::disconnect_request>);
static_assert(
    !std::is_constructible_v<conn::connect_result, conn::noconnect_result>);
static_assert(
    !std::is_constructible_v<conn::connect_result, conn::connect_request>);
static_assert(
    !std::is_constructible_v<conn::connect_result, conn::ignore_result>);
static_assert(
    !std::is_constructible_v<conn::disconnect_result, conn::ok_result>);
static_assert(!std::is_constructible_v<conn::disconnect_result,
                                       conn::disconnect_request>);
static_assert(!std::is_constructible_v<conn::cast_result, conn::reply_result>);
static_assert(
    !std::is_constructible_v<conn::cast_result, conn::reply_connect_request>);
static_assert(!std::is_constructible_v<conn::cast_result,
                                       conn::reply_disconnect_request>);
static_assert(
    !std::is_constructible_v<conn::cast_result, conn::stop_reply_result>);
static_assert(
    !std::is_constructible_v<conn::call_result, conn::backoff_result>);
static_assert(!std::is_constructible_v<conn::call_result, gs::reply_result>);
// Connection has no {continue, C}.
static_assert(!std::is_constructible_v<conn::next_action, gs::continue_with>);
static_assert(std::is_constructible_v<conn::next_action, gs::hibernate_t>);

// -- a connection whose every callback is scripted by the test
// -----------------

class scripted;

/// What each callback of `scripted` returns (a default for each), and
/// what ran: `{Callback, Arg, VirtualMs}` in order.
struct plan {
  explicit plan(otp::testkit& k) : kit(&k) {}
  otp::testkit* kit;
  std::vector<term> log;
  std::function<conn::init_result(scripted&)> init;
  std::function<conn::connect_result(scripted&, const term&)> connect;
  std::function<conn::disconnect_result(scripted&, const term&)> disconnect;
  std::function<conn::call_result(scripted&, const term&, const conn::from&)>
      call;
  std::function<conn::cast_result(scripted&, const term&)> cast;
  std::function<conn::info_result(scripted&, const term&)> info;
};

class scripted : public conn::behaviour<scripted> {
public:
  explicit scripted(plan* p) : p_(p) {}

  init_result init() {
    note("init", term{});
    return p_->init ? p_->init(*this) : ok();
  }
  connect_result connect(const term& info) {
    note("connect", info);
    return p_->connect ? p_->connect(*this, info) : ok();
  }
  disconnect_result disconnect(const term& info) {
    note("disconnect", info);
    return p_->disconnect ? p_->disconnect(*this, info) : noconnect();
  }
  call_result handle_call(const term& req, const from& caller) {
    note("call", req);
    return p_->call ? p_->call(*this, req, caller) : reply(req);
  }
  cast_result handle_cast(const term& msg) {
    note("cast", msg);
    return p_->cast ? p_->cast(*this, msg) : noreply();
  }
  info_result handle_info(const term& msg) {
    note("info", msg);
    return p_->info ? p_->info(*this, msg) : noreply();
  }
  void terminate(const term& reason) { note("terminate", reason); }

  // The builders, for the plans' lambdas.
  using behaviour::backoff;
  using behaviour::ignore;
  using behaviour::noconnect;
  using behaviour::noreply;
  using behaviour::ok;
  using behaviour::reply;
  using behaviour::reply_then_connect;
  using behaviour::reply_then_disconnect;
  using behaviour::reply_to;
  using behaviour::stop;
  using behaviour::then_connect;
  using behaviour::then_disconnect;

  /// Attempts so far (a plan's counter).
  int attempts = 0;

private:
  void note(const char* what, term arg) {
    p_->log.push_back(term{otp::atom{what}, std::move(arg),
                           static_cast<std::int64_t>(p_->kit->now_ms())});
  }
  plan* p_;
};

using s = scripted;

/// A log entry.
term ev(const char* what, term arg = term{}, std::int64_t at = 0) {
  return term{otp::atom{what}, std::move(arg), at};
}
using events = std::vector<term>;

/// Starts a `scripted` connection (conn::start) from a process that then
/// stays alive; returns the pid (null when the start failed) and the
/// start's result.
struct started {
  pid conn;
  term result;
};

started start(otp::testkit& kit, plan& p) {
  auto out = std::make_shared<started>();
  kit.spawn([&p, out](otp::process& self) -> otp::task<> {
    auto r = co_await conn::start<scripted>(self, {}, &p);
    out->result = r.to_term();
    if (r)
      out->conn = *r;
    co_await self.receive(sigtest::nothing);
  });
  kit.run_until_idle();
  return *out;
}

/// Calls `to` from a new process; the reply, or `{failed, Reason}`, lands
/// in the box once it comes.
using box = std::shared_ptr<std::optional<term>>;
box call(otp::testkit& kit, const pid& to, term req) {
  auto out = std::make_shared<std::optional<term>>();
  kit.spawn([out, to, req](otp::process& self) -> otp::task<> {
    auto r = co_await conn::try_call(self, to, req, otp::infinity);
    *out = r ? *r : term{"failed"_a, r.error()};
  });
  kit.run_until_idle();
  return out;
}

void cast(otp::testkit& kit, const pid& to, term msg) {
  conn::cast(kit, to, std::move(msg));
  kit.run_until_idle();
}

void send(otp::testkit& kit, const pid& to, term msg) {
  kit.send(to, std::move(msg));
  kit.run_until_idle();
}

term ok_pid(const pid& p) {
  return term{atoms::ok, p};
}

term exception_reason(const char* type, const char* what) {
  return term{atoms::exception, otp::atom{type}, what};
}

term bad_return() {
  return term{atoms::bad_return_value, atoms::undefined};
}

// -- init
// -----------------------------------------------------------------------

TEST(Connection, InitOkEntersTheLoopWithoutConnecting) {
  otp::testkit kit;
  plan p{kit};
  auto st = start(kit, p);
  EXPECT_EQ(st.result, ok_pid(st.conn));
  EXPECT_EQ(**call(kit, st.conn, "ping"_a), term{"ping"_a});
  EXPECT_EQ(p.log, (events{ev("init"), ev("call", "ping"_a)}));
  EXPECT_EQ(kit.pending_timers(), 0u);
}

TEST(Connection, InitOkWithATimeoutTimesOut) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::ok(50ms); };
  start(kit, p);
  kit.advance_time(49ms);
  EXPECT_EQ(p.log, (events{ev("init")}));
  kit.advance_time(1ms);
  EXPECT_EQ(p.log, (events{ev("init"), ev("info", atoms::timeout, 50)}));
}

TEST(Connection, InitOkHibernateKeepsServing) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::ok(conn::hibernate); };
  auto st = start(kit, p);
  kit.advance_time(1h);
  EXPECT_EQ(**call(kit, st.conn, 1), term{1});
  EXPECT_EQ(p.log, (events{ev("init"), ev("call", 1, 3'600'000)}));
}

TEST(Connection, InitConnectRunsConnectBeforeAnyQueuedMessage) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s& c) {
    // A message already queued when init returns still comes after connect.
    c.self().send(c.self().self(), "early"_a);
    return s::then_connect("init"_a);
  };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, ok_pid(st.conn));
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("info", "early"_a)}));
}

TEST(Connection, InitBackoffConnectsAfterTheDelay) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::backoff(100ms); };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, ok_pid(st.conn));
  kit.advance_time(99ms);
  EXPECT_EQ(p.log, (events{ev("init")}));
  kit.advance_time(1ms);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "backoff"_a, 100)}));
}

TEST(Connection, InitBackoffWithATimeoutTimesOutFirst) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::backoff(100ms, 30ms); };
  start(kit, p);
  kit.advance_time(30ms);
  kit.advance_time(70ms);
  EXPECT_EQ(p.log, (events{ev("init"), ev("info", atoms::timeout, 30),
                           ev("connect", "backoff"_a, 100)}));
}

TEST(Connection, InitBackoffHibernateConnectsAfterTheDelay) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::backoff(100ms, conn::hibernate); };
  start(kit, p);
  kit.advance_time(100ms);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "backoff"_a, 100)}));
}

TEST(Connection, InitBackoffInfinityNeverConnects) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::backoff(otp::infinity); };
  start(kit, p);
  EXPECT_EQ(kit.pending_timers(), 0u);
  kit.advance_time(24h);
  EXPECT_EQ(p.log, (events{ev("init")}));
}

TEST(Connection, InitIgnoreExitsNormallyWithoutTerminate) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::ignore(); };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, term{"ignore"_a});
  EXPECT_EQ(p.log, (events{ev("init")}));
}

TEST(Connection, InitStopFailsTheStartWithoutTerminate) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::stop("boom"_a); };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, (term{atoms::error, "boom"_a}));
  EXPECT_EQ(p.log, (events{ev("init")}));
}

TEST(Connection, InitDefaultResultIsABadReturnValue) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return conn::init_result{}; };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, (term{atoms::error, bad_return()}));
}

TEST(Connection, InitThrowingFailsTheStart) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) -> conn::init_result { throw std::runtime_error("boom"); };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, (term{atoms::error,
                             exception_reason("std::runtime_error", "boom")}));
  EXPECT_EQ(p.log, (events{ev("init")}));
}

// -- connect
// --------------------------------------------------------------------

TEST(Connection, ConnectOkIsConnected) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  auto st = start(kit, p);
  EXPECT_EQ(**call(kit, st.conn, 1), term{1});
  EXPECT_EQ(kit.pending_timers(), 0u);
  EXPECT_EQ(p.log,
            (events{ev("init"), ev("connect", "init"_a), ev("call", 1)}));
}

TEST(Connection, ConnectOkWithATimeoutTimesOut) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s&, const term&) { return s::ok(50ms); };
  start(kit, p);
  kit.advance_time(50ms);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("info", atoms::timeout, 50)}));
}

TEST(Connection, ConnectOkHibernateKeepsServing) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s&, const term&) { return s::ok(conn::hibernate); };
  auto st = start(kit, p);
  kit.advance_time(1h);
  EXPECT_EQ(**call(kit, st.conn, 1), term{1});
  EXPECT_EQ(p.log.size(), 3u);
}

TEST(Connection, ConnectBackoffRetriesUntilConnected) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s& c, const term&) -> conn::connect_result {
    if (++c.attempts < 3)
      return s::backoff(100ms);
    return s::ok();
  };
  start(kit, p);
  kit.advance_time(100ms);
  kit.advance_time(100ms);
  kit.advance_time(1s);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("connect", "backoff"_a, 100),
                           ev("connect", "backoff"_a, 200)}));
  EXPECT_EQ(kit.pending_timers(), 0u);
}

TEST(Connection, ConnectBackoffWithATimeoutTimesOutFirst) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s& c, const term&) -> conn::connect_result {
    if (++c.attempts < 2)
      return s::backoff(100ms, 30ms);
    return s::ok();
  };
  start(kit, p);
  kit.advance_time(30ms);
  kit.advance_time(70ms);
  kit.advance_time(1s);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("info", atoms::timeout, 30),
                           ev("connect", "backoff"_a, 100)}));
}

TEST(Connection, ConnectBackoffHibernateRetries) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s& c, const term&) -> conn::connect_result {
    if (++c.attempts < 2)
      return s::backoff(100ms, conn::hibernate);
    return s::ok();
  };
  start(kit, p);
  kit.advance_time(100ms);
  kit.advance_time(1s);
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("connect", "backoff"_a, 100)}));
}

TEST(Connection, ConnectStopRunsTerminateAndExits) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s&, const term&) { return s::stop("refused"_a); };
  auto st = start(kit, p);
  EXPECT_EQ(st.result, ok_pid(st.conn)); // start returned before connect
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("terminate", "refused"_a)}));
  EXPECT_EQ(kit.exit_reason(st.conn), term{"refused"_a});
}

TEST(Connection, ConnectThrowingRunsTerminateAndExits) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s&, const term&) -> conn::connect_result {
    throw std::runtime_error("no route");
  };
  auto st = start(kit, p);
  const term reason = exception_reason("std::runtime_error", "no route");
  EXPECT_EQ(p.log, (events{ev("init"), ev("connect", "init"_a),
                           ev("terminate", reason)}));
  EXPECT_EQ(kit.exit_reason(st.conn), reason);
}

TEST(Connection, ConnectDefaultResultIsABadReturnValue) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s&) { return s::then_connect("init"_a); };
  p.connect = [](s&, const term&) { return conn::connect_result{}; };
  auto st = start(kit, p);
  EXPECT_EQ(p.log.back(), ev("terminate", bad_return()));
  EXPECT_EQ(kit.exit_reason(st.conn), bad_return());
}

// -- disconnect
// -----------------------------------------------------------------

/// A plan whose casts are `{disconnect, Info}` → then_disconnect(Info).
plan disconnecting(otp::testkit& kit) {
  plan p{kit};
  p.cast = [](s&, const term& m) -> conn::cast_result {
    if (m.is_tuple(2) && m[0] == term{"disconnect"_a})
      return s::then_disconnect(m[1]);
    return s::noreply();
  };
  return p;
}

TEST(Connection, DisconnectConnectReconnectsAtOnce) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::then_connect("again"_a); };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "closed"_a});
  EXPECT_EQ(p.log,
            (events{ev("init"), ev("cast", term{"disconnect"_a, "closed"_a}),
                    ev("disconnect", "closed"_a), ev("connect", "again"_a)}));
}

TEST(Connection, DisconnectBackoffConnectsAfterTheDelay) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::backoff(100ms); };
  auto st = start(kit, p);
  kit.advance_time(10ms);
  cast(kit, st.conn, term{"disconnect"_a, "closed"_a});
  kit.advance_time(99ms);
  EXPECT_EQ(p.log.back(), ev("disconnect", "closed"_a, 10));
  kit.advance_time(1ms);
  EXPECT_EQ(p.log.back(), ev("connect", "backoff"_a, 110));
}

TEST(Connection, DisconnectBackoffWithATimeoutOrHibernate) {
  for (bool hibernating : {false, true}) {
    otp::testkit kit;
    plan p = disconnecting(kit);
    p.disconnect = [hibernating](s&, const term&) {
      if (hibernating)
        return s::backoff(100ms, conn::hibernate);
      return s::backoff(100ms, 30ms);
    };
    auto st = start(kit, p);
    cast(kit, st.conn, term{"disconnect"_a, "x"_a});
    kit.advance_time(30ms);
    kit.advance_time(70ms);
    events tail{p.log.end() - (hibernating ? 2 : 3), p.log.end()};
    if (hibernating)
      EXPECT_EQ(tail, (events{ev("disconnect", "x"_a),
                              ev("connect", "backoff"_a, 100)}));
    else
      EXPECT_EQ(tail,
                (events{ev("disconnect", "x"_a), ev("info", atoms::timeout, 30),
                        ev("connect", "backoff"_a, 100)}));
  }
}

TEST(Connection, DisconnectNoconnectStaysDisconnected) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::noconnect(); };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  kit.advance_time(24h);
  EXPECT_EQ(p.log.back(), ev("disconnect", "x"_a));
  EXPECT_EQ(**call(kit, st.conn, 7), term{7});
}

TEST(Connection, DisconnectNoconnectWithATimeoutTimesOut) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::noconnect(50ms); };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  kit.advance_time(50ms);
  EXPECT_EQ(p.log.back(), ev("info", atoms::timeout, 50));
  kit.advance_time(1s); // once
  EXPECT_EQ(p.log.back(), ev("info", atoms::timeout, 50));
}

TEST(Connection, DisconnectNoconnectHibernateKeepsServing) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::noconnect(conn::hibernate); };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  kit.advance_time(1h);
  EXPECT_EQ(**call(kit, st.conn, 7), term{7});
  EXPECT_EQ(p.log.back(), ev("call", 7, 3'600'000));
}

TEST(Connection, DisconnectStopRunsTerminateAndExits) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return s::stop("gone"_a); };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  EXPECT_EQ(p.log.back(), ev("terminate", "gone"_a));
  EXPECT_EQ(kit.exit_reason(st.conn), term{"gone"_a});
}

TEST(Connection, DisconnectThrowingRunsTerminateAndExits) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) -> conn::disconnect_result {
    throw std::logic_error("bad socket");
  };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  const term reason = exception_reason("std::logic_error", "bad socket");
  EXPECT_EQ(p.log.back(), ev("terminate", reason));
  EXPECT_EQ(kit.exit_reason(st.conn), reason);
}

TEST(Connection, DisconnectDefaultResultIsABadReturnValue) {
  otp::testkit kit;
  plan p = disconnecting(kit);
  p.disconnect = [](s&, const term&) { return conn::disconnect_result{}; };
  auto st = start(kit, p);
  cast(kit, st.conn, term{"disconnect"_a, "x"_a});
  EXPECT_EQ(kit.exit_reason(st.conn), bad_return());
}

// -- handle_call
// ----------------------------------------------------------------

TEST(Connection, CallReplyWithATimeoutOrHibernate) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term& req, const conn::from&) -> conn::call_result {
    if (req == term{"timeout"_a})
      return s::reply("a"_a, 50ms);
    return s::reply("b"_a, conn::hibernate);
  };
  auto st = start(kit, p);
  EXPECT_EQ(**call(kit, st.conn, "timeout"_a), term{"a"_a});
  kit.advance_time(50ms);
  EXPECT_EQ(p.log.back(), ev("info", atoms::timeout, 50));
  EXPECT_EQ(**call(kit, st.conn, "hibernate"_a), term{"b"_a});
}

TEST(Connection, CallNoreplyAndAReplyLater) {
  otp::testkit kit;
  plan p{kit};
  auto caller = std::make_shared<std::optional<conn::from>>();
  p.call = [caller](s&, const term&, const conn::from& f) {
    *caller = f;
    return s::noreply(50ms);
  };
  p.info = [caller](s&, const term&) {
    s::reply_to(**caller, "later"_a);
    return s::noreply();
  };
  auto st = start(kit, p);
  auto r = call(kit, st.conn, "q"_a);
  EXPECT_FALSE(r->has_value());
  kit.advance_time(50ms); // the timeout's handle_info replies
  EXPECT_EQ(**r, term{"later"_a});
}

TEST(Connection, CallConnectRunsConnectBeforeAnyReply) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term&, const conn::from& f) {
    return s::then_connect(f.to_term());
  };
  // connect answers the caller itself (its info carries the From).
  p.connect = [](s&, const term& info) {
    s::reply_to(*conn::from::from_term(info), "connected"_a);
    return s::ok();
  };
  auto st = start(kit, p);
  EXPECT_EQ(**call(kit, st.conn, "connect"_a), term{"connected"_a});
  EXPECT_EQ(p.log.size(), 3u);
  EXPECT_EQ(p.log[2][0], term{"connect"_a});
}

TEST(Connection, CallDisconnectRunsDisconnectBeforeAnyReply) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term&, const conn::from& f) {
    return s::then_disconnect(term{"close"_a, f.to_term()});
  };
  p.disconnect = [](s&, const term& info) {
    s::reply_to(*conn::from::from_term(info[1]), "closed"_a);
    return s::noconnect();
  };
  auto st = start(kit, p);
  EXPECT_EQ(**call(kit, st.conn, "close"_a), term{"closed"_a});
  EXPECT_EQ(p.log.back()[0], term{"disconnect"_a});
}

/// The messages `send_request(conn, req)` from an idle process got, in
/// order; `connect`/`disconnect` of the plan send `{ran, Callback}` to the
/// requester, so the order shows whether the reply came first.
std::vector<term> request_and_watch(otp::testkit& kit, const pid& to,
                                    term req) {
  auto watcher = kit.spawn([to, req](otp::process& self) -> otp::task<> {
    (void)gs::send_request(self, to, req);
    co_await self.receive(sigtest::nothing);
  });
  kit.run_until_idle();
  return kit.mailbox(watcher);
}

TEST(Connection, CallReplyThenConnectRepliesFirst) {
  otp::testkit kit;
  plan p{kit};
  auto requester = std::make_shared<pid>();
  p.call = [requester](s&, const term&, const conn::from& f) {
    *requester = f.caller;
    return s::reply_then_connect("reply"_a, "info"_a);
  };
  p.connect = [requester](s& c, const term&) {
    c.self().send(*requester, term{"ran"_a, "connect"_a});
    return s::ok();
  };
  auto st = start(kit, p);
  auto got = request_and_watch(kit, st.conn, "q"_a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][1], term{"reply"_a});
  EXPECT_EQ(got[1], (term{"ran"_a, "connect"_a}));
  EXPECT_EQ(p.log.back(), ev("connect", "info"_a));
}

TEST(Connection, CallReplyThenDisconnectRepliesFirst) {
  otp::testkit kit;
  plan p{kit};
  auto requester = std::make_shared<pid>();
  p.call = [requester](s&, const term&, const conn::from& f) {
    *requester = f.caller;
    return s::reply_then_disconnect("reply"_a, "info"_a);
  };
  p.disconnect = [requester](s& c, const term&) {
    c.self().send(*requester, term{"ran"_a, "disconnect"_a});
    return s::noconnect();
  };
  auto st = start(kit, p);
  auto got = request_and_watch(kit, st.conn, "q"_a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][1], term{"reply"_a});
  EXPECT_EQ(got[1], (term{"ran"_a, "disconnect"_a}));
  EXPECT_EQ(p.log.back(), ev("disconnect", "info"_a));
}

TEST(Connection, CallStopRunsTerminateAndTheCallerFails) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term&, const conn::from&) { return s::stop("done"_a); };
  auto st = start(kit, p);
  auto r = call(kit, st.conn, "q"_a);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((**r)[0], term{"failed"_a});
  EXPECT_EQ((**r)[1][0], term{"done"_a});
  EXPECT_EQ(p.log.back(), ev("terminate", "done"_a));
  EXPECT_EQ(kit.exit_reason(st.conn), term{"done"_a});
}

TEST(Connection, CallStopWithAReplyRepliesAfterTerminate) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term&, const conn::from&) {
    return s::stop(atoms::normal, "bye"_a);
  };
  auto st = start(kit, p);
  EXPECT_EQ(**call(kit, st.conn, "q"_a), term{"bye"_a});
  EXPECT_EQ(p.log.back(), ev("terminate", atoms::normal));
  EXPECT_EQ(kit.exit_reason(st.conn), term{atoms::normal});
}

TEST(Connection, CallDefaultResultIsABadReturnValue) {
  otp::testkit kit;
  plan p{kit};
  p.call = [](s&, const term&, const conn::from&) {
    return conn::call_result{};
  };
  auto st = start(kit, p);
  (void)call(kit, st.conn, "q"_a);
  EXPECT_EQ(kit.exit_reason(st.conn), bad_return());
}

// -- handle_cast and handle_info
// ------------------------------------------------

TEST(Connection, CastNoreplyWithATimeoutOrHibernate) {
  otp::testkit kit;
  plan p{kit};
  p.cast = [](s&, const term& m) -> conn::cast_result {
    if (m == term{"timeout"_a})
      return s::noreply(50ms);
    return s::noreply(conn::hibernate);
  };
  auto st = start(kit, p);
  cast(kit, st.conn, "timeout"_a);
  kit.advance_time(50ms);
  EXPECT_EQ(p.log.back(), ev("info", atoms::timeout, 50));
  cast(kit, st.conn, "hibernate"_a);
  EXPECT_EQ(**call(kit, st.conn, 1), term{1});
}

TEST(Connection, CastConnectAndCastDisconnect) {
  otp::testkit kit;
  plan p{kit};
  p.cast = [](s&, const term& m) -> conn::cast_result {
    if (m == term{"up"_a})
      return s::then_connect("cast"_a);
    return s::then_disconnect("cast"_a);
  };
  auto st = start(kit, p);
  cast(kit, st.conn, "up"_a);
  cast(kit, st.conn, "down"_a);
  EXPECT_EQ(p.log,
            (events{ev("init"), ev("cast", "up"_a), ev("connect", "cast"_a),
                    ev("cast", "down"_a), ev("disconnect", "cast"_a)}));
}

TEST(Connection, CastStopAndCastDefaultResult) {
  for (bool bad : {false, true}) {
    otp::testkit kit;
    plan p{kit};
    p.cast = [bad](s&, const term&) -> conn::cast_result {
      if (bad)
        return {};
      return s::stop("done"_a);
    };
    auto st = start(kit, p);
    cast(kit, st.conn, "x"_a);
    const term reason = bad ? bad_return() : term{"done"_a};
    EXPECT_EQ(p.log.back(), ev("terminate", reason));
    EXPECT_EQ(kit.exit_reason(st.conn), reason);
  }
}

TEST(Connection, InfoConnectDisconnectAndStop) {
  otp::testkit kit;
  plan p{kit};
  p.info = [](s&, const term& m) -> conn::info_result {
    if (m == term{"up"_a})
      return s::then_connect("info"_a);
    if (m == term{"down"_a})
      return s::then_disconnect("info"_a);
    if (m == term{"wait"_a} || m == term{atoms::timeout})
      return s::noreply(50ms);
    return s::stop("done"_a);
  };
  auto st = start(kit, p);
  send(kit, st.conn, "up"_a);
  send(kit, st.conn, "down"_a);
  send(kit, st.conn, "wait"_a);
  kit.advance_time(50ms);
  send(kit, st.conn, "end"_a);
  EXPECT_EQ(p.log,
            (events{ev("init"), ev("info", "up"_a), ev("connect", "info"_a),
                    ev("info", "down"_a), ev("disconnect", "info"_a),
                    ev("info", "wait"_a), ev("info", atoms::timeout, 50),
                    ev("info", "end"_a, 50), ev("terminate", "done"_a, 50)}));
  EXPECT_EQ(kit.exit_reason(st.conn), term{"done"_a});
}

// -- the defaults
// -----------------------------------------------------------------

/// Defines nothing but init.
class bare : public conn::behaviour<bare> {
public:
  explicit bare(bool connect) : connect_(connect) {}
  init_result init() {
    if (connect_)
      return then_connect("x"_a);
    return ok();
  }

private:
  bool connect_;
};

pid start_bare(otp::testkit& kit, bool connect) {
  auto out = std::make_shared<pid>();
  kit.spawn([out, connect](otp::process& self) -> otp::task<> {
    auto r = co_await conn::start<bare>(self, {}, connect);
    *out = *r;
  });
  kit.run_until_idle();
  return *out;
}

TEST(Connection, DefaultCallbacksAreConnections) {
  otp::testkit kit;
  EXPECT_EQ(kit.exit_reason(start_bare(kit, true)),
            (term{"bad_connect"_a, "x"_a}));

  pid c = start_bare(kit, false);
  send(kit, c, "hello"_a); // handle_info: ignored
  EXPECT_FALSE(kit.exit_reason(c).has_value());
  cast(kit, c, "x"_a);
  EXPECT_EQ(kit.exit_reason(c), (term{"bad_cast"_a, "x"_a}));

  c = start_bare(kit, false);
  (void)call(kit, c, "x"_a);
  EXPECT_EQ(kit.exit_reason(c), (term{"bad_call"_a, "x"_a}));
}

TEST(Connection, DefaultDisconnectStops) {
  otp::testkit kit;
  class only_disconnects : public conn::behaviour<only_disconnects> {
  public:
    cast_result handle_cast(const term& m) { return then_disconnect(m); }
  };
  auto out = std::make_shared<pid>();
  kit.spawn([out](otp::process& self) -> otp::task<> {
    *out = *co_await conn::start<only_disconnects>(self, {});
  });
  kit.run_until_idle();
  cast(kit, *out, "why"_a);
  EXPECT_EQ(kit.exit_reason(*out), (term{"bad_disconnect"_a, "why"_a}));
}

// -- the backoff timer
// ----------------------------------------------------------

/// Backs off 100 ms from init on each failed connect (until `ok_after`
/// attempts), and turns casts `{connect, I}` / `{disconnect, I}` into
/// then_connect / then_disconnect.
plan backing_off(otp::testkit& kit, int ok_after = 1'000) {
  plan p{kit};
  p.init = [](s&) { return s::backoff(100ms); };
  p.connect = [ok_after](s& c, const term&) -> conn::connect_result {
    if (++c.attempts >= ok_after)
      return s::ok();
    return s::backoff(100ms);
  };
  p.disconnect = [](s&, const term&) { return s::noconnect(); };
  p.cast = [](s&, const term& m) -> conn::cast_result {
    if (m[0] == term{"connect"_a})
      return s::then_connect(m[1]);
    if (m[0] == term{"disconnect"_a})
      return s::then_disconnect(m[1]);
    return s::noreply();
  };
  return p;
}

TEST(Connection, ConnectCancelsThePendingBackoff) {
  otp::testkit kit;
  plan p = backing_off(kit, 1);
  auto st = start(kit, p);
  kit.advance_time(50ms);
  cast(kit, st.conn, term{"connect"_a, "now"_a});
  EXPECT_EQ(kit.pending_timers(), 0u);
  kit.advance_time(1s);
  EXPECT_EQ(p.log,
            (events{ev("init"), ev("cast", term{"connect"_a, "now"_a}, 50),
                    ev("connect", "now"_a, 50)}));
}

TEST(Connection, DisconnectCancelsThePendingBackoff) {
  otp::testkit kit;
  plan p = backing_off(kit);
  auto st = start(kit, p);
  kit.advance_time(50ms);
  cast(kit, st.conn, term{"disconnect"_a, "now"_a});
  EXPECT_EQ(kit.pending_timers(), 0u);
  kit.advance_time(1s);
  EXPECT_EQ(p.log.back(), ev("disconnect", "now"_a, 50));
}

/// sys statistics: switches them on, or reads `messages_in` (which counts
/// every message the server took, the statistics request included).
void enable_statistics(otp::testkit& kit, const pid& to) {
  kit.spawn([to](otp::process& self) -> otp::task<> {
    (void)co_await otp::sys::statistics(self, to, otp::sys::stats::enable);
  });
  kit.run_until_idle();
}

std::int64_t messages_in(otp::testkit& kit, const pid& to) {
  auto out = std::make_shared<std::int64_t>(-1);
  kit.spawn([to, out](otp::process& self) -> otp::task<> {
    term r = co_await otp::sys::statistics(self, to, otp::sys::stats::get);
    for (const term& kv : r[1].as_list())
      if (kv[0] == term{"messages_in"_a})
        *out = kv[1].as_int();
  });
  kit.run_until_idle();
  return *out;
}

TEST(Connection, ARacedBackoffTimerMessageIsFlushed) {
  otp::testkit kit;
  plan p = backing_off(kit, 1);
  p.connect = [](s&, const term&) { return s::ok(50ms); };
  auto st = start(kit, p);
  enable_statistics(kit, st.conn);
  // The cast is queued, then the timer fires behind it before the process
  // runs: connect(now) finds the timer already fired, its message queued.
  conn::cast(kit, st.conn, term{"connect"_a, "now"_a});
  EXPECT_EQ(kit.advance_time(100ms), 1u);
  EXPECT_EQ(kit.mailbox(st.conn).size(), 0u); // flushed
  kit.advance_time(50ms);
  // Never delivered to handle_info, and connect's own timeout still holds.
  EXPECT_EQ(
      p.log,
      (events{ev("init"), ev("cast", term{"connect"_a, "now"_a}, 100),
              ev("connect", "now"_a, 100), ev("info", atoms::timeout, 150)}));
  // Flushed, not taken as a message: the cast and the timeout (sys does
  // not count its own requests, as in OTP).
  EXPECT_EQ(messages_in(kit, st.conn), 2);
}

TEST(Connection, ARacedTimerIsFlushedWhenConnectBacksOffAgain) {
  otp::testkit kit;
  plan p = backing_off(kit);
  auto st = start(kit, p);
  conn::cast(kit, st.conn, term{"connect"_a, "now"_a});
  kit.advance_time(100ms);
  // Only the new timer (started by connect(now) at 100) fires, at 200.
  kit.advance_time(100ms);
  EXPECT_EQ(
      p.log,
      (events{ev("init"), ev("cast", term{"connect"_a, "now"_a}, 100),
              ev("connect", "now"_a, 100), ev("connect", "backoff"_a, 200)}));
}

TEST(Connection, ARacedTimerIsFlushedAfterACallThatDisconnects) {
  otp::testkit kit;
  plan p = backing_off(kit);
  p.call = [](s&, const term&, const conn::from&) {
    return s::reply_then_disconnect("ok"_a, "call"_a);
  };
  auto st = start(kit, p);
  auto watcher = kit.spawn([&st](otp::process& self) -> otp::task<> {
    (void)gs::send_request(self, st.conn, "q"_a);
    co_await self.receive(sigtest::nothing);
  });
  ASSERT_TRUE(kit.run_once()); // the request is queued, not yet taken
  EXPECT_EQ(kit.advance_time(100ms), 1u);
  EXPECT_EQ(kit.mailbox(st.conn).size(), 0u);
  EXPECT_EQ(kit.mailbox(watcher).size(), 1u); // the reply
  kit.advance_time(1s);
  EXPECT_EQ(p.log, (events{ev("init"), ev("call", "q"_a, 100),
                           ev("disconnect", "call"_a, 100)}));
}

TEST(Connection, AStaleBackoffTimerMessageNeverReachesHandleInfo) {
  otp::testkit kit;
  plan p = backing_off(kit);
  auto st = start(kit, p);
  // As a late message of a cancelled timer would look in the
  // multi-threaded runtime (the flush came before it arrived).
  send(kit, st.conn,
       term{atoms::timeout, otp::ref::make(), conn::detail::backoff_tag()});
  // A user's own timer message of the same shape is the user's.
  send(kit, st.conn, term{atoms::timeout, otp::ref::make(), "mine"_a});
  EXPECT_EQ(p.log.size(), 2u);
  EXPECT_EQ(p.log.back()[0], term{"info"_a});
  EXPECT_EQ(p.log.back()[1][2], term{"mine"_a});
  kit.advance_time(100ms); // the real timer still works
  EXPECT_EQ(p.log.back(), ev("connect", "backoff"_a, 100));
}

TEST(Connection, MessagesAreServedWhileBackingOff) {
  otp::testkit kit;
  plan p = backing_off(kit, 3);
  bool connected = false;
  p.connect = [&connected](s& c, const term&) -> conn::connect_result {
    if (++c.attempts < 3)
      return s::backoff(1s);
    connected = true;
    return s::ok();
  };
  p.call = [&connected](s&, const term& req,
                        const conn::from&) -> conn::call_result {
    if (!connected)
      return s::reply(term{atoms::error, "closed"_a});
    return s::reply(req);
  };
  p.init = [](s&) { return s::then_connect("init"_a); };
  auto st = start(kit, p);
  for (int i = 0; i < 7; ++i) { // 250 ms ... 1750 ms
    kit.advance_time(250ms);
    EXPECT_EQ(**call(kit, st.conn, i), (term{atoms::error, "closed"_a}));
    cast(kit, st.conn, term{"noop"_a, i});
  }
  // Attempts at 0 and 1000 failed; 2000 connects.
  kit.advance_time(250ms);
  EXPECT_EQ(**call(kit, st.conn, 9), term{9});
  std::vector<std::int64_t> connects;
  for (const term& e : p.log)
    if (e[0] == term{"connect"_a})
      connects.push_back(e[2].as_int());
  EXPECT_EQ(connects, (std::vector<std::int64_t>{0, 1000, 2000}));
}

// -- coroutine callbacks
// ----------------------------------------------------------

/// Its connect waits for a `go` message (as one awaiting an IO result
/// would); calls queue meanwhile.
class awaiting : public conn::behaviour<awaiting> {
public:
  explicit awaiting(std::vector<term>* log) : log_(log) {}
  init_result init() { return then_connect("init"_a); }
  otp::task<connect_result> connect(const term& info) {
    log_->push_back(term{"connecting"_a, info});
    term go = co_await self().receive(sigtest::equals("go"_a));
    log_->push_back(go);
    co_return ok();
  }
  otp::task<call_result> handle_call(const term& req, const from&) {
    log_->push_back(req);
    if (req == term{"reconnect"_a})
      co_return reply_then_connect("reconnecting"_a, "call"_a);
    co_return reply(req);
  }

private:
  std::vector<term>* log_;
};

TEST(Connection, CoroutineConnectDoesNotHoldUpTheStarter) {
  otp::testkit kit;
  std::vector<term> log;
  auto started_conn = std::make_shared<pid>();
  kit.spawn([&log, started_conn](otp::process& self) -> otp::task<> {
    *started_conn = *co_await conn::start<awaiting>(self, {}, &log);
  });
  kit.run_until_idle();
  ASSERT_TRUE(*started_conn); // started while connect still waits
  const pid c = *started_conn;
  auto r = call(kit, c, "q"_a);
  EXPECT_FALSE(r->has_value()); // queued behind connect
  send(kit, c, "go"_a);
  EXPECT_EQ(**r, term{"q"_a});
  auto r2 = call(kit, c, "reconnect"_a);
  EXPECT_EQ(**r2, term{"reconnecting"_a}); // replied before connect ends
  send(kit, c, "go"_a);
  EXPECT_EQ(log, (std::vector<term>{term{"connecting"_a, "init"_a}, "go"_a,
                                    "q"_a, "reconnect"_a,
                                    term{"connecting"_a, "call"_a}, "go"_a}));
}

// -- starting and stopping
// ----------------------------------------------------------

TEST(Connection, StopRunsTerminateWithTheReason) {
  otp::testkit kit;
  plan p = backing_off(kit);
  auto st = start(kit, p);
  kit.spawn([&st](otp::process& self) -> otp::task<> {
    co_await conn::stop(self, st.conn, "shutdown"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(p.log.back(), ev("terminate", "shutdown"_a));
  EXPECT_EQ(kit.exit_reason(st.conn), term{"shutdown"_a});
  EXPECT_EQ(kit.pending_timers(), 0u); // the backoff timer died with it
}

TEST(Connection, TheParentsExitRunsTerminateWhenTrappingExits) {
  otp::testkit kit;
  plan p{kit};
  p.init = [](s& c) {
    c.self().trap_exit(true);
    return s::then_connect("init"_a);
  };
  auto out = std::make_shared<pid>();
  pid parent = kit.spawn([&p, out](otp::process& self) -> otp::task<> {
    *out = *co_await conn::start_link<scripted>(self, {}, &p);
    co_await self.receive(sigtest::nothing);
  });
  kit.run_until_idle();
  kit.inject_exit(parent, "bye"_a);
  kit.run_until_idle();
  EXPECT_EQ(p.log.back(), ev("terminate", "bye"_a));
  EXPECT_EQ(kit.exit_reason(*out), term{"bye"_a});
}

TEST(Connection, StartMonitorAndNamedStart) {
  otp::testkit kit;
  plan p{kit};
  auto down = std::make_shared<std::optional<term>>();
  kit.spawn([&p, down](otp::process& self) -> otp::task<> {
    auto r = co_await conn::start_monitor<scripted>(
        self, {otp::server_name{"named_conn"_a}}, &p);
    EXPECT_EQ(co_await conn::call(self, "named_conn"_a, 5), term{5});
    EXPECT_EQ(co_await otp::sys::get_state(self, *r),
              term{"connection_test::scripted"_a});
    co_await conn::stop(self, "named_conn"_a);
    *down = co_await self.receive(sigtest::down_of(r.monitor));
  });
  kit.run_until_idle();
  ASSERT_TRUE(down->has_value());
  EXPECT_EQ((**down)[4], term{atoms::normal});
  EXPECT_EQ(p.log.back(), ev("terminate", atoms::normal));
}

TEST(Connection, NextActionIsGenServersWithoutContinue) {
  conn::next_action none;
  conn::next_action t{250ms};
  conn::next_action h{conn::hibernate};
  EXPECT_EQ(none.get().what(), gs::next_action::kind::none);
  EXPECT_EQ(t.get().what(), gs::next_action::kind::timeout);
  EXPECT_EQ(t.get().timeout(), 250ms);
  EXPECT_EQ(h.get().what(), gs::next_action::kind::hibernation);
}

} // namespace connection_test
