#pragma once
/// `kv::line_client`: a blocking client of the line protocol, for threads
/// outside the runtime (the load generator, tests). Each call waits at
/// most its timeout, so a client never hangs on a broken service: a
/// request that times out counts as a dropped connection (the socket is
/// closed, the caller reconnects).
///
/// Not thread-safe: one thread at a time.

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

class line_client {
public:
  explicit line_client(std::uint16_t port, std::chrono::milliseconds timeout =
                                               std::chrono::seconds{10})
      : port_(port), timeout_(timeout) {}

  [[nodiscard]] bool connected() const noexcept { return socket_.is_open(); }
  /// Connects to 127.0.0.1:port; false if refused or timed out.
  bool connect();
  /// Sends `line` (a `\n` is added) and returns the reply line, or nullopt
  /// if the connection failed, closed or timed out (then it is closed).
  std::optional<std::string> request(std::string_view line);
  /// Sends raw bytes as they are (tests: partial or oversized lines).
  bool send_raw(std::string_view bytes);
  /// Reads the next reply line; nullopt as for `request`.
  std::optional<std::string> read_line();
  void close();

private:
  /// Runs the io_context until the operation started before it completes
  /// (`done`) or the timeout passes (then the socket is closed, which
  /// completes it with an error).
  void run(const bool& done);

  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  // Behind a pointer so that the client can move: the socket refers to it.
  std::unique_ptr<asio::io_context> io_ = std::make_unique<asio::io_context>();
  asio::ip::tcp::socket socket_{*io_};
  std::string input_;
};

} // namespace kv
