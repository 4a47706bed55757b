// The tcp_client example (examples/tcp_client) against a real line server
// on 127.0.0.1 that the test starts and stops several times, on the real
// multi-threaded runtime (label `concurrency`; CI runs it under TSan).
// Every step waits for an event: the client's transition reports, call
// replies, monitors, futures. Receive timeouts are only failure guards.

#include "tcp_client.hpp"

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <otp/scoped_mailbox.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::term;

namespace otp {
inline void PrintTo(const term& t, std::ostream* os) {
  *os << to_string(t);
}
} // namespace otp

namespace tcp_client_test {

/// How long a wait may take before the test calls it a failure.
constexpr auto guard = std::chrono::milliseconds{60s};

/// A line server on 127.0.0.1 in its own thread: it echoes each line, or
/// (silent) only reports that one came. Stopping it closes the listener
/// first, then every connection, so a client sees its connection close
/// and cannot reconnect to it.
class line_server {
public:
  explicit line_server(std::uint16_t port = 0, bool silent = false)
      : acceptor_(io_), silent_(silent) {
    listen(port);
    accept();
    thread_ = std::thread{[this] { io_.run(); }};
  }
  ~line_server() { stop(); }
  line_server(const line_server&) = delete;
  line_server& operator=(const line_server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Ready once a first line came in.
  std::shared_future<void> first_line() const { return first_line_; }

  void stop() {
    if (!thread_.joinable())
      return;
    io_.stop();
    thread_.join();
    // The io thread is gone: only this thread touches the sockets now.
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (auto& c : connections_)
      c->socket.close(ignored);
    connections_.clear();
  }

private:
  struct connection {
    explicit connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    std::string input;
  };

  /// A fresh server (port 0) takes a free port below the kernel's
  /// ephemeral range (32768 up), so no client socket can ever hold it as
  /// its own local port; with SO_REUSEADDR a restarted server binds it
  /// again at once. No waiting, no retry on a timer.
  void listen(std::uint16_t port) {
    // From a random point, so test programs running side by side do not
    // all reach for the same port.
    constexpr unsigned first = 20000, span = 12000;
    const unsigned start = std::random_device{}() % span;
    for (unsigned i = 0; i < (port ? 1 : span); ++i) {
      const auto p =
          static_cast<std::uint16_t>(port ? port : first + (start + i) % span);
      const asio::ip::tcp::endpoint at{asio::ip::address_v4::loopback(), p};
      asio::error_code ec;
      acceptor_.open(at.protocol(), ec);
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
      acceptor_.bind(at, ec);
      if (!ec)
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (!ec) {
        port_ = p;
        return;
      }
      acceptor_.close(ec);
      if (port)
        throw asio::system_error{ec}; // the port asked for is not free
    }
    throw std::runtime_error("line_server: no free port in 20000-31999");
  }

  void accept() {
    acceptor_.async_accept(
        [this](const asio::error_code& ec, asio::ip::tcp::socket s) {
          if (ec)
            return;
          auto c = std::make_shared<connection>(std::move(s));
          connections_.push_back(c);
          serve(c);
          accept();
        });
  }

  void serve(std::shared_ptr<connection> c) {
    asio::async_read_until(
        c->socket, asio::dynamic_buffer(c->input), '\n',
        [this, c](const asio::error_code& ec, std::size_t n) {
          if (ec)
            return;
          auto line = std::make_shared<std::string>(c->input.substr(0, n));
          c->input.erase(0, n);
          if (!got_line_.exchange(true))
            line_promise_.set_value();
          if (silent_)
            return serve(c);
          asio::async_write(
              c->socket, asio::buffer(*line),
              [this, c, line](const asio::error_code& e, std::size_t) {
                if (!e)
                  serve(c);
              });
        });
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  bool silent_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<connection>> connections_;
  std::atomic<bool> got_line_{false};
  std::promise<void> line_promise_;
  std::shared_future<void> first_line_ = line_promise_.get_future().share();
  std::thread thread_;
};

/// A runtime, the client's io thread, an observer for its transition
/// reports, and a mailbox to call it from.
struct fixture {
  otp::runtime rt{otp::runtime_options{.workers = 4}};
  otp::scoped_mailbox events{rt};
  otp::scoped_mailbox me{rt};
  std::shared_ptr<tcp_client::io_thread> io =
      std::make_shared<tcp_client::io_thread>(rt);

  pid start(std::uint16_t port) {
    tcp_client::options opts{
        .port = port,
        .backoff = {.initial = 5ms, .max = 100ms, .seed = 7},
        .observer = events.self()};
    auto started = otp::connection::start<tcp_client::client>(rt, {}, io, opts);
    EXPECT_TRUE(started) << to_string(started.to_term());
    return started ? *started : pid{};
  }

  /// The client's next transition report: `connected`,
  /// `{disconnected, Reason}` or `{backoff, Ms, Attempt}`.
  term next_event() {
    auto m = events.receive(guard);
    if (!m) {
      ADD_FAILURE() << "no event from the client";
      return "no_event"_a;
    }
    return (*m)[1];
  }

  /// Reports up to the next `connected`: backoffs may come first.
  void await_connected() {
    term e;
    do {
      e = next_event();
    } while (e.is_tuple(3) && e[0] == term{"backoff"_a});
    EXPECT_EQ(e, term{"connected"_a});
  }

  term send_line(const pid& c, const std::string& line) {
    auto r = otp::connection::call(me, c, term{"send"_a, line}, guard);
    return r ? *r : term{"call_failed"_a, r.error()};
  }
};

term ok(const char* line) {
  return term{"ok"_a, line};
}

term closed() {
  return term{"error"_a, "closed"_a};
}

TEST(TcpClient, ReconnectsEachTimeTheServerComesBack) {
  fixture f;
  auto server = std::make_unique<line_server>();
  const auto port = server->port();
  const pid c = f.start(port);
  f.await_connected();
  EXPECT_EQ(f.send_line(c, "hello"), ok("hello"));

  for (int round = 1; round <= 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    server->stop();
    term e = f.next_event();
    ASSERT_TRUE(e.is_tuple(2)) << to_string(e);
    EXPECT_EQ(e[0], term{"disconnected"_a});
    // While the server is away, calls are answered at once.
    EXPECT_EQ(f.send_line(c, "anyone?"), closed());
    // Attempts fail and back off, with jitter under the cap.
    for (std::int64_t attempt = 1; attempt <= 3; ++attempt) {
      term b = f.next_event();
      ASSERT_TRUE(b.is_tuple(3)) << to_string(b);
      EXPECT_EQ(b[0], term{"backoff"_a});
      EXPECT_GE(b[1].as_int(), 0);
      EXPECT_LE(b[1].as_int(), 100);
      EXPECT_EQ(b[2].as_int(), attempt);
    }
    server = std::make_unique<line_server>(port);
    f.await_connected();
    const std::string line = "round " + std::to_string(round);
    EXPECT_EQ(f.send_line(c, line), ok(line.c_str()));
  }
  EXPECT_TRUE(otp::connection::stop(f.me, c).has_value());
}

TEST(TcpClient, StartsWhileTheServerIsDownAndConnectsWhenItComesUp) {
  fixture f;
  std::uint16_t port = 0;
  {
    line_server probe; // a port that is free once it has gone
    port = probe.port();
  }
  const pid c = f.start(port);
  EXPECT_EQ(f.send_line(c, "early"), closed());
  term b = f.next_event();
  ASSERT_TRUE(b.is_tuple(3)) << to_string(b);
  EXPECT_EQ(b[0], term{"backoff"_a});
  line_server server{port};
  f.await_connected();
  EXPECT_EQ(f.send_line(c, "late"), ok("late"));
  EXPECT_TRUE(otp::connection::stop(f.me, c).has_value());
}

TEST(TcpClient, ACallInFlightWhenTheConnectionDropsGetsClosed) {
  fixture f;
  line_server server{0, /*silent=*/true};
  const pid c = f.start(server.port());
  f.await_connected();
  // The call waits for a reply the server never sends...
  auto pending = std::async(std::launch::async, [&f, c] {
    otp::scoped_mailbox caller{f.rt};
    auto r = otp::connection::call(caller, c, term{"send"_a, "lost"}, guard);
    return r ? *r : term{"call_failed"_a, r.error()};
  });
  ASSERT_EQ(server.first_line().wait_for(guard), std::future_status::ready);
  // ...and the connection drops under it.
  server.stop();
  ASSERT_EQ(pending.wait_for(guard), std::future_status::ready);
  EXPECT_EQ(pending.get(), closed());
  EXPECT_EQ(f.next_event()[0], term{"disconnected"_a});
  EXPECT_TRUE(otp::connection::stop(f.me, c).has_value());
}

TEST(TcpClient, StoppingTheClientClosesItsConnection) {
  fixture f;
  line_server server;
  const pid c = f.start(server.port());
  f.await_connected();
  EXPECT_EQ(f.send_line(c, "bye"), ok("bye"));
  auto mon = f.me.monitor(c);
  EXPECT_TRUE(otp::connection::stop(f.me, c).has_value());
  auto down = f.me.receive(
      [&mon](const term& m) {
        return m.is_tuple(5) && m[1].is_ref() && m[1].as_ref() == mon;
      },
      guard);
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ((*down)[4], term{otp::atoms::normal});
  EXPECT_FALSE(f.rt.is_alive(c));
}

} // namespace tcp_client_test
