#pragma once
/// `kv::run_demo`: the demo's whole run, for `kv_demo` and its test.
///
/// It starts the service, a fault injector and the load generator, lets
/// them run, then stops the faults first and the clients next (each
/// finishes its current request), reads every key back, and stops the
/// service. Restarts are counted from the supervisors' own reports (a
/// `supervision_log` the caller installs), not from the faults injected.

#include "fault_injector.hpp"
#include "load_generator.hpp"
#include "supervision_log.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace otp {
class runtime;
} // namespace otp

namespace kv {

struct demo_options {
  std::chrono::milliseconds duration{3000};
  std::size_t clients = 8;
  std::size_t workers = 8;
  double owner_faults_per_second = 2.0;
  double worker_faults_per_second = 6.0;
  std::uint64_t seed = 1;
  /// Run on past `duration` until the supervisors have restarted the
  /// owner and a worker at least once each (the test's guarantee), for
  /// at most this long; zero: do not wait.
  std::chrono::milliseconds wait_for_restarts{0};
};

struct demo_report {
  std::string error; ///< why the run could not happen (empty: it ran)
  std::uint16_t port = 0;
  double seconds = 0; ///< how long the load ran
  load_stats load;
  verify_result verify;
  fault_counts faults;
  supervision_counts restarts;
  bool stopped_cleanly = false; ///< the service stopped on request

  /// No acknowledged write lost, every key read back, no stale read, no
  /// client gave up.
  [[nodiscard]] bool passed() const noexcept {
    return error.empty() && verify.complete && verify.lost == 0 &&
           load.stale_reads == 0 && load.gave_up == 0;
  }
};

/// Runs the demo in `rt`; `log` must be installed (scoped_supervision_log).
[[nodiscard]] demo_report run_demo(otp::runtime& rt,
                                   const demo_options& options,
                                   const supervision_log& log);

} // namespace kv
