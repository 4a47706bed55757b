#pragma once
/// The KV service: its supervision tree, started by one function.
///
/// ```text
/// kv_sup (rest_for_one)
///  ├─ kv_table_heir     keeps the table alive while its owner is down
///  ├─ kv_table_owner    the only reader and writer of the table
///  ├─ kv_worker_sup     simple_one_for_one: kv_worker_0 .. kv_worker_N-1
///  ├─ kv_worker_pool    fills kv_worker_sup with the N workers
///  └─ kv_listener       TCP on 127.0.0.1, one process per connection
/// ```
///
/// rest_for_one because each child depends on those before it: a new heir
/// means a new (empty) table, so everything after it starts again; a
/// restarted worker supervisor comes back empty and the pool process after
/// it refills it; and restarting the front end after the owner drops the
/// connections whose requests were in flight on the dead owner, so their
/// clients hear of it at once and retry. A crashed worker is restarted by
/// kv_worker_sup alone, and a crashed owner takes only the children after
/// it: the heir, and so the data, stays.
///
/// Restart intensity: the supervisors are there to absorb crashes that
/// come in bursts, and to give up (and take the service down) on a crash
/// loop. The defaults allow 30 restarts in 5 s at the top (6 owner crashes
/// a second, sustained) and 100 in 5 s in the pool; the demo's fault
/// injector runs well below both (2 owner and 6 worker crashes a second by
/// default), so its crashes never trip them, while a child that crashes at
/// once on every restart still exhausts them within a fraction of a
/// second.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <otp/application.hpp>
#include <otp/atom.hpp>
#include <otp/expected.hpp>
#include <otp/pid.hpp>
#include <otp/term.hpp>

namespace otp {
class runtime;
} // namespace otp

namespace kv {

struct config {
  /// 0: a free port, chosen once so that restarts of the listener rebind
  /// the same one.
  std::uint16_t port = 0;
  /// Request workers in the pool.
  std::size_t workers = 8;
  /// The top supervisor's restart intensity.
  int max_restarts = 30;
  /// The worker supervisor's.
  int max_worker_restarts = 100;
  std::chrono::seconds restart_period{5};
};

/// A running service.
struct service {
  otp::pid supervisor; ///< kv_sup
  std::uint16_t port = 0;
};

/// The service as the OTP application `kv`. Its environment configures
/// the tree: `port` (0: a free port, which the start then stores back in
/// `port`), `workers`, `max_restarts`, `max_worker_restarts` and
/// `restart_period` (seconds), with `config`'s defaults. Its start function
/// builds the tree and links kv_sup to the application's master.
[[nodiscard]] otp::application::spec application_spec(otp::runtime& rt);

/// The application's name, `kv`.
[[nodiscard]] otp::atom application_name();

/// Loads the `kv` application into `rt` (if it is not loaded yet), sets its
/// environment from `cfg` and starts it, temporary (at most one service per
/// runtime, as its processes have fixed names). Returns once the port
/// accepts connections, or the start's error.
[[nodiscard]] otp::expected<service, otp::term> start_service(otp::runtime& rt,
                                                              config cfg);

/// Stops the `kv` application: prep_stop, then its supervisor stops every
/// child in reverse start order (connections included), then stop. Blocks
/// the calling thread.
otp::expected<void, otp::term> stop_service(otp::runtime& rt);

/// A free port below the kernel's ephemeral range (32768 and up), so no
/// client socket can take it as its own port while the listener is being
/// restarted. The port is free when returned; nothing holds it.
[[nodiscard]] std::uint16_t pick_free_port();

} // namespace kv
