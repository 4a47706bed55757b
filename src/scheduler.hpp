#pragma once
/// The scheduler interface: where runnable processes go. Two
/// implementations: the work-stealing M:N one (work_stealing_scheduler.cpp)
/// and the deterministic single-threaded one the testkit drives.
/// See docs/design/scheduler.md.

#include <cstddef>
#include <memory>

namespace otp::detail {
class process_base;
}

namespace otp::internal {

class scheduler {
public:
  virtual ~scheduler() = default;

  /// Starts worker threads (if any). Called once.
  virtual void start() = 0;
  /// A signal woke `p`. Thread-safe. A worker thread keeps `p` local (it
  /// runs next there, as the BEAM does with a woken process).
  virtual void wake(detail::process_base* p) noexcept = 0;
  /// A signal was pushed to `p`, which was runnable already (queued, in a
  /// `next` slot, or running): no wake-up was needed. Thread-safe; lets a
  /// worker notice a sender that keeps feeding the process waiting behind
  /// it (see docs/design/scheduler.md, "A sender that runs ahead").
  virtual void pushed_to_runnable(detail::process_base* /*p*/) noexcept {}
  /// A new process. Thread-safe.
  virtual void spawn(detail::process_base* p) noexcept = 0;
  /// `p` used its budget: requeue it behind the others. A worker, or a
  /// foreign thread that ran `p` (see begin_hold).
  virtual void yield(detail::process_base* p) noexcept = 0;
  /// Between these, processes woken by this (non-worker) thread are queued
  /// together at `end_batch`, with one lock and one round of wake-ups (the
  /// timer thread firing many timers at once).
  virtual void begin_batch() noexcept {}
  virtual void end_batch() noexcept {}
  /// "Caller runs": between these, the first process this (non-worker)
  /// thread wakes is handed back by `end_hold` instead of being queued, so
  /// that the thread, about to wait for that process's answer, can run its
  /// turn itself. Others are queued as usual. Default: nothing is held.
  virtual void begin_hold() noexcept {}
  [[nodiscard]] virtual detail::process_base* end_hold() noexcept {
    return nullptr;
  }
  /// Runs what is runnable until nothing is (the deterministic scheduler;
  /// worker threads do this by themselves).
  virtual void run_until_idle() noexcept {}
  /// Stops and joins worker threads; every process has exited already.
  virtual void stop() noexcept = 0;
  /// The number of worker threads (1 for the deterministic one).
  [[nodiscard]] virtual std::size_t workers() const noexcept = 0;
  /// The calling thread's number among this scheduler's worker threads
  /// (below workers()), or -1 for any other thread.
  [[nodiscard]] virtual int worker_index() const noexcept { return -1; }
};

/// Runs processes one turn at a time on the caller's thread.
class deterministic_scheduler;

/// `caller_runs`: begin_hold/end_hold hand woken processes back (see
/// runtime_options::foreign_callers_run_servers).
std::unique_ptr<scheduler>
make_work_stealing_scheduler(std::size_t workers, bool caller_runs = true);

} // namespace otp::internal
