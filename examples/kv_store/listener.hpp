#pragma once
/// `kv::listener`: the TCP front end (registered as `kv_listener`).
///
/// Its init listens on 127.0.0.1:`port` and returns once the port is
/// bound (or fails the start with `{listen_failed, Reason}`), so the
/// service is reachable as soon as the supervisor's start returns. Each
/// accepted connection gets its own connection process (connection.hpp),
/// linked to the listener: when the listener goes (a restart of the front
/// end, or the service stopping), its connections go with it. The listener
/// traps exits so that a connection's death is only an `'EXIT'` message to
/// it; its own parent's exit still ends it, as for any gen_server.
///
/// | request (call)  | reply                                   |
/// |-----------------|-----------------------------------------|
/// | `connections`   | the connection processes' pids (a list) |

#include "io_thread.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <otp/gen_server.hpp>
#include <otp/supervisor.hpp>
#include <unordered_set>

namespace kv {

struct listener_options {
  std::uint16_t port = 0;
  /// The pool's size: connections spread their requests over
  /// `kv_worker_0` .. `kv_worker_<workers-1>`.
  std::size_t workers = 1;
};

class listener : public otp::gen_server::server<listener> {
public:
  listener(std::shared_ptr<io_thread> io, listener_options options)
      : io_(std::move(io)), options_(options) {}

  otp::task<init_result> init();
  call_result handle_call(const otp::term& request, const from& caller);
  info_result handle_info(const otp::term& msg);
  [[nodiscard]] otp::term state() const override;

private:
  std::shared_ptr<io_thread> io_;
  listener_options options_;
  listen_handle socket_;
  std::unordered_set<otp::pid> connections_;
};

/// The listener's child spec (registered as `kv_listener`).
[[nodiscard]] otp::supervisor::child_spec
listener_spec(std::shared_ptr<io_thread> io, listener_options options);

} // namespace kv
