#pragma once
/// `kv::fault_injector`: a process that crashes the service's table owner
/// and request workers at random, to show that no acknowledged write is
/// lost and that the supervisors bring everything back.
///
/// Faults arrive as a Poisson process at `owner_per_second +
/// workers_per_second`; each hits the owner or a random worker (by their
/// registered names) in proportion, with one of two kinds of crash:
/// - `exit(Pid, kill)`: an untrappable kill, no terminate;
/// - the cast `inject_crash`: the process throws from its handle_cast (an
///   exception inside a callback, with a crash report).
/// The first four faults are one of each (owner and worker, kill and
/// exception), so a short run sees every kind.
///
/// `{stop, From}` stops it: it replies `{fault_counts, OwnerKills,
/// OwnerExceptions, WorkerKills, WorkerExceptions, Missed}` to `From`
/// (`Missed`: the target was not registered at that moment, restarting)
/// and ends.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <otp/pid.hpp>
#include <otp/process.hpp>
#include <otp/task.hpp>

namespace otp {
class scoped_mailbox;
} // namespace otp

namespace kv {

struct fault_options {
  double owner_per_second = 2.0;
  double workers_per_second = 6.0;
  /// The pool's size (workers are `kv_worker_0` .. `kv_worker_<n-1>`).
  std::size_t workers = 8;
  std::uint64_t seed = 1;
};

struct fault_counts {
  std::uint64_t owner_kills = 0;
  std::uint64_t owner_exceptions = 0;
  std::uint64_t worker_kills = 0;
  std::uint64_t worker_exceptions = 0;
  std::uint64_t missed = 0;

  [[nodiscard]] std::uint64_t owner() const noexcept {
    return owner_kills + owner_exceptions;
  }
  [[nodiscard]] std::uint64_t workers() const noexcept {
    return worker_kills + worker_exceptions;
  }
};

/// The injector's body: `rt.spawn(fault_injector, options)`.
otp::task<> fault_injector(otp::process& self, fault_options options);

/// Stops the injector from outside the runtime; its counts, or nullopt if
/// it did not answer within `timeout`.
std::optional<fault_counts>
stop_fault_injector(otp::scoped_mailbox& me, const otp::pid& injector,
                    std::chrono::milliseconds timeout);

} // namespace kv
