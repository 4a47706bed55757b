// The gen_server protocol's messages as code that is not a gen_server sees
// them. Between local processes a call, its reply and a cast travel unboxed
// (their parts as fields; see signal_kind::call_request); whoever looks at
// such a message must still see OTP's exact terms:
// `{'$gen_call', {Pid, [alias | Ref]}, Req}`, `{[alias | Ref], Reply}` and
// `{'$gen_cast', Msg}`.

#include "otp/gen_server.hpp"
#include "otp/process_info.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"
#include "sigtest.hpp"

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
using namespace sigtest;

namespace gen_server_protocol_test {

/// Whether `m` is `{'$gen_call', {From, [alias | Ref]}, Req}`.
bool is_call_from(const term& m, const pid& from, const term& req) {
  if (!m.is_tuple(3) || !m[0].is_atom(atoms::gen_call) || !m[1].is_tuple(2))
    return false;
  const term& tag = m[1][1];
  return m[1][0] == term{from} && tag.is_cons() &&
         tag.head().is_atom(atoms::alias) && tag.tail().is_ref() &&
         tag.tail().as_ref().is_local() && m[2] == req;
}

bool is_gen_call(const term& m) {
  return m.is_tuple(3) && m[0].is_atom(atoms::gen_call);
}

/// A server answering `{echo, X}` with X.
class echo : public gs::server<echo> {
public:
  call_result handle_call(const term& req, const from&) {
    if (req.is_tuple(2) && req[0] == term{"echo"_a})
      return reply(req[1]);
    return reply(req);
  }
};

TEST(GenServerProtocol, ARawProcessReceivesTheExactCallTerm) {
  otp::testkit kit;
  std::optional<term> seen;
  auto raw = kit.spawn([&](otp::process& self) -> otp::task<> {
    seen = co_await self.receive();
    // Answer as a hand-written server would: to the tag, through the
    // alias (gen_server:reply).
    gs::reply(*gs::from::from_term((*seen)[1]), "answer"_a);
  });
  std::optional<term> got;
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    got = co_await gs::call(self, raw, term{"req"_a, 1});
  });
  kit.run_until_idle();
  ASSERT_TRUE(seen);
  EXPECT_TRUE(is_call_from(*seen, client, term{"req"_a, 1}))
      << to_string(*seen);
  EXPECT_EQ(got, term{"answer"_a});
}

TEST(GenServerProtocol, APlainSendOfTheReplysShapeAnswersACall) {
  otp::testkit kit;
  auto raw = kit.spawn([&](otp::process& self) -> otp::task<> {
    term m = co_await self.receive();
    // `Pid ! {Tag, Reply}`: a plain message of the reply's shape.
    self.send(m[1][0].as_pid(), term{m[1][1], "by_hand"_a});
  });
  std::optional<term> got;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    got = co_await gs::call(self, raw, "req"_a);
  });
  kit.run_until_idle();
  EXPECT_EQ(got, term{"by_hand"_a});
}

TEST(GenServerProtocol, AQueuedCallAndCastShowTheirTermsInTheMailbox) {
  otp::testkit kit;
  auto probe = kit.spawn_probe();
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    gs::cast(self, probe, term{"note"_a, 7});
    (void)co_await gs::try_call(self, probe, "req"_a, 1000ms);
  });
  kit.run_until_idle();
  auto box = kit.mailbox(probe);
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0], (term{atoms::gen_cast, term{"note"_a, 7}}));
  EXPECT_TRUE(is_call_from(box[1], client, "req"_a)) << to_string(box[1]);
  EXPECT_EQ(kit.info(probe)->message_queue_len, 2u);
}

TEST(GenServerProtocol, ASelectiveReceiveSkipsAndLaterTakesACall) {
  otp::testkit kit;
  std::vector<term> seen;
  auto raw = kit.spawn([&](otp::process& self) -> otp::task<> {
    // Skip the call and the cast, take the plain message after them.
    seen.push_back(co_await self.receive(equals("plain"_a)));
    seen.push_back(co_await self.receive());
    seen.push_back(co_await self.receive());
  });
  auto client = kit.spawn([&](otp::process& self) -> otp::task<> {
    gs::cast(self, raw, "casted"_a);
    auto id = gs::send_request(self, raw, "async"_a);
    (void)id;
    self.send(raw, "plain"_a);
    co_await self.receive(nothing);
  });
  kit.run_until_idle();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], term{"plain"_a});
  EXPECT_EQ(seen[1], (term{atoms::gen_cast, "casted"_a}));
  EXPECT_TRUE(is_call_from(seen[2], client, "async"_a)) << to_string(seen[2]);
}

TEST(GenServerProtocol, ACallWaitingForItsReplyFindsItAmongOtherMessages) {
  otp::testkit kit;
  pid server;
  std::optional<term> got;
  std::vector<term> rest;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    server = *co_await gs::start<echo>(self, {});
    // A cast and a call to ourselves wait in our mailbox, unboxed, while
    // we call: the call takes only its reply.
    gs::cast(self, self.self(), "mine"_a);
    got = co_await gs::call(self, server, term{"echo"_a, "x"_a});
    rest.push_back(co_await self.receive());
  });
  kit.run_until_idle();
  EXPECT_EQ(got, term{"x"_a});
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], (term{atoms::gen_cast, "mine"_a}));
}

TEST(GenServerProtocol, AReplyTakenByAPlainReceiveIsTheTagAndTheReply) {
  otp::testkit kit;
  std::optional<term> msg;
  std::optional<gs::response> r;
  kit.spawn([&](otp::process& self) -> otp::task<> {
    auto server = *co_await gs::start<echo>(self, {});
    auto id = gs::send_request(self, server, term{"echo"_a, 5});
    msg = co_await self.receive();
    r = gs::check_response(self, *msg, id);
    EXPECT_EQ((*msg)[0],
              term::cons(atoms::alias, term{id.tag})); // [alias | Ref]
  });
  kit.run_until_idle();
  ASSERT_TRUE(msg && r);
  EXPECT_TRUE(msg->is_tuple(2));
  EXPECT_EQ((*msg)[1], term{5});
  EXPECT_TRUE(r->is_reply());
  EXPECT_EQ(r->value(), term{5});
}

/// A server whose handle_call crashes.
class crasher : public gs::server<crasher> {
public:
  call_result handle_call(const term&, const from&) {
    throw std::runtime_error("boom");
  }
};

TEST(GenServerProtocol, ACrashReportNamesTheWholeCallMessage) {
  otp::testkit kit;
  log_capture capture;
  pid client;
  client = kit.spawn([&](otp::process& self) -> otp::task<> {
    auto server = *co_await gs::start<crasher>(self, {"crasher"_a});
    (void)co_await gs::try_call(self, server, "go"_a);
  });
  kit.run_until_idle();
  ASSERT_EQ(capture.count("** Generic server crasher terminating"), 1u);
  std::string text;
  for (const auto& e : capture.events())
    text += e.text;
  // {'$gen_call',{<0.N.0>,[alias|#Ref<...>]},go}
  auto at = text.find("** Last message in was {'$gen_call',{" +
                      to_string(client) + ",[alias|#Ref<");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_NE(text.find("]},go}", at), std::string::npos) << text;
}

TEST(GenServerProtocol, ACallToARawProcessOnTheRealRuntime) {
  otp::runtime rt;
  otp::scoped_mailbox me{rt};
  auto raw = rt.spawn([](otp::process& self) -> otp::task<> {
    for (int i = 0; i < 100; ++i) {
      term m = co_await self.receive();
      if (!is_gen_call(m))
        co_return; // fails the calls below
      gs::reply(*gs::from::from_term(m[1]), term{"ok"_a, m[2]});
    }
  });
  for (int i = 0; i < 100; ++i) {
    auto r = gs::call(me, raw, term{i});
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(*r, (term{"ok"_a, term{i}}));
  }
}

} // namespace gen_server_protocol_test
