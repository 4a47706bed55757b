#pragma once
/// `kv::io_thread`: the one thread that owns every socket of the service,
/// and the handles processes hold their sockets through.
///
/// No IO ever runs on a scheduler thread (as in examples/tcp_client): an
/// asio io_context runs on its own std::thread, processes ask it for work
/// through the handles below (posted: they return at once), and it
/// answers with ordinary messages, sent with the thread-safe
/// `otp::runtime::send`:
///
/// - to a listener: `{kv_listening, Id}` or `{kv_listen_failed, Id,
///   Reason}`, then `{kv_accepted, Id, Connection}` for each connection
///   (wrap `Connection` in a `connection_handle` at once);
/// - to a connection's reader: `{kv_line, Id, Line}` (a binary, without its
///   line end), then `{kv_closed, Id, Reason}` once: `closed` (the peer
///   closed), `line_too_long`, or the socket error's text.
///
/// Handles are RAII on purpose: a process killed with `exit(Pid, kill)`
/// runs no terminate, but its state is destroyed before its links and
/// monitors fire. So a killed listener has freed its port before its
/// supervisor restarts it (the close and the new listen reach the io
/// thread in that order), and a killed connection process closes its
/// socket, which its client sees as the connection dropping.
///
/// Lifetime: every handle keeps the io_thread alive; the io_thread's
/// destructor closes what is still open and joins the thread. The io
/// thread itself never holds a handle, so that destructor never runs on
/// it.

#include <cstdint>
#include <memory>
#include <otp/pid.hpp>
#include <otp/ref.hpp>
#include <otp/term.hpp>
#include <string>

namespace otp {
class runtime;
} // namespace otp

namespace kv {

namespace io_detail {
struct acceptor_state;
struct connection_state;
} // namespace io_detail

class io_thread {
public:
  explicit io_thread(otp::runtime& rt);
  /// Closes every socket still open and joins the thread. Not from the io
  /// thread (it holds no handle, so it cannot happen).
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  // Posted to the io thread (thread-safe); the handles below call them.
  [[nodiscard]] std::shared_ptr<io_detail::acceptor_state>
  listen(const otp::pid& owner, const otp::ref& id, std::uint16_t port);
  void close(std::shared_ptr<io_detail::acceptor_state> a);
  void start_reading(std::shared_ptr<io_detail::connection_state> c,
                     const otp::pid& reader);
  void write(std::shared_ptr<io_detail::connection_state> c, std::string line);
  void close(std::shared_ptr<io_detail::connection_state> c);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A listening socket on 127.0.0.1, closed when the handle goes. Owner
/// process only (it is the process the io thread reports to).
class listen_handle {
public:
  listen_handle() = default;
  /// Starts listening on `port` (SO_REUSEADDR, so a restarted listener
  /// binds it again at once) and accepting; reports go to `owner`.
  listen_handle(std::shared_ptr<io_thread> io, const otp::pid& owner,
                std::uint16_t port);
  listen_handle(listen_handle&&) noexcept = default;
  listen_handle& operator=(listen_handle&& other) noexcept;
  ~listen_handle() { close(); }

  /// The `Id` of this listener's messages.
  [[nodiscard]] const otp::ref& id() const noexcept { return id_; }
  void close() noexcept;

private:
  std::shared_ptr<io_thread> io_;
  std::shared_ptr<io_detail::acceptor_state> state_;
  otp::ref id_;
};

/// One client connection, closed (after its pending replies are written)
/// when the handle goes. Used by one process at a time.
class connection_handle {
public:
  connection_handle() = default;
  /// Takes the connection of a `{kv_accepted, Id, Connection}` message.
  /// Empty if `accepted` is not one.
  connection_handle(std::shared_ptr<io_thread> io, const otp::term& accepted);
  connection_handle(connection_handle&&) noexcept = default;
  connection_handle& operator=(connection_handle&& other) noexcept;
  ~connection_handle() { close(); }

  [[nodiscard]] explicit operator bool() const noexcept {
    return state_ != nullptr;
  }
  /// The `Id` of this connection's messages.
  [[nodiscard]] const otp::ref& id() const noexcept { return id_; }

  /// Starts reading lines; they go to `reader`.
  void start_reading(const otp::pid& reader);
  /// Sends `line` and a `\n`.
  void write(std::string line);
  /// Closes once the pending writes are out; nothing more is reported.
  void close() noexcept;

private:
  std::shared_ptr<io_thread> io_;
  std::shared_ptr<io_detail::connection_state> state_;
  otp::ref id_;
};

} // namespace kv
