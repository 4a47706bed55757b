#pragma once
/// The runtime's shared state: scheduler, timers, names, the process table.
/// `otp::runtime` (public) owns one; every process points back to it.

#include "otp/detail/process_base.hpp"
#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/registry.hpp"
#include "process_table.hpp"
#include "scheduler.hpp"
#include "timer_service.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace otp::detail {

class application_registry;

class runtime_core {
public:
  /// `manual_time`: the testkit's virtual clock.
  runtime_core(std::unique_ptr<internal::scheduler> sched, bool manual_time);
  ~runtime_core();
  runtime_core(const runtime_core&) = delete;
  runtime_core& operator=(const runtime_core&) = delete;

  [[nodiscard]] internal::scheduler& scheduler() noexcept { return *sched_; }
  [[nodiscard]] internal::timer_service& timers() noexcept { return timers_; }

  // -- processes (thread-safe) ------------------------------------------------

  /// A number for a new process, unique in this runtime. Each thread takes
  /// them in blocks: a spawn then costs no locked instruction, nor a cache
  /// line shared by every worker that spawns. Numbers increase in the order
  /// one thread spawns, not across threads (nor do erl's across schedulers
  /// in any order a program could rely on).
  [[nodiscard]] std::uint64_t next_number() noexcept;
  void add(process_base* p) noexcept;
  /// A process stopped being alive (before its links and monitors fire,
  /// so a partner told of its end never counts it). Shutdown waits for the
  /// count to reach zero; the workers still finish their turn before they
  /// are joined.
  void count_exit() noexcept;
  /// The process has exited: drops it from the table and releases the
  /// runtime's reference. Called once per process, by itself.
  void remove(process_base* p, const term& reason) noexcept;
  [[nodiscard]] std::vector<pid> processes() const;
  [[nodiscard]] std::size_t live() const noexcept;
  [[nodiscard]] bool shutting_down() const noexcept {
    return shutting_down_.load(std::memory_order_acquire);
  }

  // -- registered names (thread-safe) -----------------------------------------

  [[nodiscard]] expected<void, error> register_name(atom name, const pid& p);
  [[nodiscard]] expected<void, error> unregister(atom name);
  [[nodiscard]] pid whereis(atom name) const;
  [[nodiscard]] std::vector<atom> registered() const;
  /// Sends to a registered name: `badarg` if nobody has it (Erlang's
  /// `Name ! Msg`).
  [[nodiscard]] expected<void, error> send_to_name(atom name, term msg);
  /// The `badarg` of a send to a name nobody has.
  [[nodiscard]] static error not_registered(atom name);
  /// A dying process drops its name. Returns the name it had (or '').
  atom drop_name(process_base& p) noexcept;

  // -- shutdown ---------------------------------------------------------------

  /// Every live process exits with `shutdown`; waits until all are gone,
  /// then stops workers and timers. Idempotent. Not from a worker thread.
  void shutdown() noexcept;
  /// Blocks until no process is left (used by shutdown; the testkit runs
  /// processes itself instead).
  void wait_all_exited() noexcept;

  /// Observes every exit (the testkit records reasons). Set before use.
  std::function<void(const pid&, const term&)> exit_observer;

  /// `{global, Name}` names (node-wide until the distribution makes them
  /// cluster-wide).
  local_registry global_names;

  /// Loaded applications, their environment, the running list.
  [[nodiscard]] application_registry& applications() noexcept {
    return *applications_;
  }

private:
  std::unique_ptr<internal::scheduler> sched_;
  internal::timer_service timers_;
  std::atomic<std::uint64_t> next_number_{1};
  /// Tells runtimes apart in the threads' blocks of numbers.
  const std::uint64_t id_;
  internal::process_table table_;
  /// Live processes, counted in shards: a spawn on one worker and the exit
  /// on another would otherwise move one cache line between the cores per
  /// process. Each worker thread has a shard of its own, which it alone
  /// writes, with plain stores (no locked instruction); other threads share
  /// `live_`, by thread, with atomic adds. The sum is the count.
  struct alignas(64) live_shard {
    std::atomic<std::int64_t> count{0};
  };
  static constexpr std::size_t live_shards = 8;
  std::array<live_shard, live_shards> live_;
  std::unique_ptr<live_shard[]> worker_live_;
  /// Adds `by` to the calling thread's shard of the live count.
  void count_live(std::int64_t by) noexcept;
  std::mutex exited_mutex_;
  std::condition_variable all_exited_;
  std::atomic<bool> shutting_down_{false};
  bool stopped_ = false;
  mutable std::shared_mutex names_mutex_;
  std::unordered_map<std::uint32_t, pid> names_;
  /// Last: destroyed first, while the process table still exists.
  std::unique_ptr<application_registry> applications_;
};

} // namespace otp::detail
