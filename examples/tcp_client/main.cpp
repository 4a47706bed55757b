// The TCP client example: keeps a connection to a line server on
// 127.0.0.1:PORT, sends each line of stdin as a call and prints the reply
// (or {error,closed} while the server is away), and prints every
// transition: connected, disconnected, each backoff.
//
//   build/dev/examples/tcp_client 7000
//
// Any line server will do; for an echo one: `socat TCP-LISTEN:7000,fork,
// reuseaddr EXEC:cat`. Stop and restart it to watch the client back off
// and reconnect.
#include "tcp_client.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <otp/scoped_mailbox.hpp>
#include <string>

using namespace otp::literals;

int main(int argc, char** argv) {
  const auto port =
      static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 7000);
  otp::runtime rt;
  otp::scoped_mailbox events{rt};
  auto io = std::make_shared<tcp_client::io_thread>(rt);
  auto conn = otp::connection::start<tcp_client::client>(
      rt, {}, io, tcp_client::options{.port = port, .observer = events.self()});
  if (!conn) {
    std::fprintf(stderr, "start failed: %s\n",
                 to_string(conn.to_term()).c_str());
    return 1;
  }
  otp::scoped_mailbox me{rt};
  auto print_events = [&events] {
    while (auto e = events.receive(std::chrono::milliseconds{0}))
      std::printf("event: %s\n", to_string((*e)[1]).c_str());
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    print_events();
    auto r = otp::connection::call(me, *conn, otp::term{"send"_a, line});
    std::printf("%s\n", to_string(r ? *r : r.error()).c_str());
  }
  print_events();
  (void)otp::connection::stop(me, *conn);
  return 0;
}
