#pragma once
/// The runtime's one timer service: send_after, start_timer and receive
/// timeouts. A timer is a signal delivered at a deadline. In real time a
/// thread sleeps until the earliest deadline (no CPU while timers wait); in
/// the testkit, virtual time advances only when the test says so.

#include "otp/atom.hpp"
#include "otp/detail/signal.hpp"
#include "otp/detail/small_map.hpp"
#include "otp/pid.hpp"
#include "otp/term.hpp"
#include "timer_wheel.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace otp::detail {
class runtime_core;
}

namespace otp::internal {

/// What a timer delivers.
struct timer_payload {
  pid target; ///< the destination, or null when `name` is used
  atom name;  ///< a registered name, looked up when the timer fires
  detail::signal_kind kind = detail::signal_kind::timer;
  std::uint64_t key = 0; ///< the timer's ref counter (its `seq`)
  term msg;
};

class timer_service {
public:
  /// `manual`: virtual time, advanced by `advance` (the testkit).
  timer_service(detail::runtime_core& rt, bool manual);
  ~timer_service();
  timer_service(const timer_service&) = delete;
  timer_service& operator=(const timer_service&) = delete;

  /// Starts a timer known by `p.key`. Thread-safe.
  void start(std::chrono::milliseconds delay, timer_payload p) {
    start_at(now_ms() + static_cast<std::uint64_t>(
                            delay.count() < 0 ? 0 : delay.count()),
             std::move(p));
  }
  /// The same, for a delay that ends at `deadline` (a now_ms() reading plus
  /// the delay: callers that have read the clock need not read it again).
  void start_at(std::uint64_t deadline, timer_payload p);
  /// Cancels a timer; returns the time left, or nullopt if it is gone.
  /// Thread-safe.
  std::optional<std::chrono::milliseconds> cancel(std::uint64_t key);
  /// The current time in milliseconds since the service started.
  [[nodiscard]] std::uint64_t now_ms() const;
  /// now_ms() as of the kernel's last tick (a few ms behind), at a third
  /// of the cost: for bookkeeping in seconds, such as a supervisor's
  /// restart intensity, read once per restart. Never below an earlier
  /// reading of its own.
  [[nodiscard]] std::uint64_t coarse_now_ms() const;
  /// Virtual time only: moves the clock and fires what is due. Returns how
  /// many timers fired.
  std::size_t advance(std::chrono::milliseconds by);
  /// The number of pending timers. Thread-safe.
  [[nodiscard]] std::size_t pending() const;
  /// Stops the thread and drops pending timers.
  void stop();

private:
  void run_thread();
  std::size_t fire_due(std::unique_lock<std::mutex>& lock);

  detail::runtime_core& rt_;
  const bool manual_;
  std::chrono::steady_clock::time_point origin_;
  std::uint64_t virtual_now_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  timer_wheel<timer_payload> wheel_;
  /// Timer ref counter → wheel id: an open-addressing table from the pool
  /// (a node allocation per timer showed in the timers benchmark).
  detail::flat_table<std::uint64_t, timer_id, detail::counter_hash> by_key_;
  std::vector<timer_payload> due_; ///< the firing thread's batch
  bool stopping_ = false;
  std::uint64_t sleeping_until_ = 0; ///< the deadline the thread waits for
  std::thread thread_;
};

} // namespace otp::internal
