// A tiny program built against an installed otp++ package: it spawns a
// process, talks to it from main and checks the answer.
#include <cstdio>
#include <otp/otp.hpp>

using namespace otp::literals;

int main() {
  otp::runtime rt{{.workers = 1}};
  otp::scoped_mailbox me{rt};
  auto echo = rt.spawn([](otp::process& self) -> otp::task<> {
    auto msg = co_await self.receive();
    self.send(msg[0].as_pid(), msg[1]);
  });
  me.send(echo, otp::term{me.self(), "pong"_a});
  auto reply = me.receive(std::chrono::seconds{5});
  bool ok = reply && *reply == otp::term{"pong"_a};
  std::puts(ok ? "consumer: ok" : "consumer: FAILED");
  return ok ? 0 : 1;
}
