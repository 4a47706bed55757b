#pragma once
/// The process control block every kind of process shares: identity, inbox,
/// message queue, links, monitors and the exit protocol. Kinds (coroutine,
/// actor, foreign thread) add only how user code runs. See
/// docs/design/signals.md for the signal rules it implements.

#include "otp/detail/inbox.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"
#include "otp/term.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <memory>
#include <optional>
#include <vector>

namespace otp {
class context;
struct process_info;
} // namespace otp

namespace otp::detail {

class runtime_core;

/// A monitor this process holds on another.
struct monitor_out {
  ref tag;
  pid target;
};

/// A monitor another process holds on this one.
struct monitor_in {
  ref tag;
  pid watcher;
  term object; ///< what the DOWN message names: our pid or the name used
};

/// Rarely used per-process state, allocated on first use so that an idle
/// process stays small.
struct process_extras {
  std::vector<pid> links;
  std::vector<monitor_out> monitors;
  std::vector<monitor_in> monitored_by;
};

/// A tiny test-and-set lock guarding what other threads read for
/// `process_info` (links, monitors). The owner is its only writer.
class spin_lock {
public:
  void lock() noexcept {
    while (flag_.test_and_set(std::memory_order_acquire))
      while (flag_.test(std::memory_order_relaxed))
        ;
  }
  void unlock() noexcept { flag_.clear(std::memory_order_release); }

private:
  std::atomic_flag flag_;
};

/// Why a turn ended.
enum class step_result { waiting, yielded, exited };

class process_base : public pid_block {
public:
  process_base(runtime_core& rt, std::uint64_t number) noexcept;

  // -- sending (any thread) ---------------------------------------------------

  /// Pushes `s` into the inbox, scheduling the process if it was waiting; a
  /// closed inbox answers as a dead process would (see `bounce`). Takes `s`.
  void deliver(signal* s) noexcept;

  // -- running (the scheduler, on one worker at a time) -----------------------

  /// Runs one turn: takes signals, runs user code within a budget, and
  /// ends waiting, requeued, or exited (then the block may be freed).
  void run() noexcept;

  /// The runtime is shutting down: end with `shutdown`, untrappably.
  /// Thread-safe. Foreign-thread processes end at once.
  virtual void request_shutdown() noexcept;

  // -- owner process only -----------------------------------------------------

  [[nodiscard]] runtime_core& runtime() const noexcept { return rt_; }
  [[nodiscard]] pid self() noexcept {
    add_ref();
    return pid{intrusive_ptr<pid_block>{this, false}};
  }
  [[nodiscard]] bool trap_exit() const noexcept {
    return trap_exit_.load(std::memory_order_relaxed);
  }
  void set_trap_exit(bool on) noexcept {
    trap_exit_.store(on, std::memory_order_relaxed);
  }

  void link(const pid& to);
  void unlink(const pid& to) noexcept;
  [[nodiscard]] ref monitor(const pid& target, term object);
  bool demonitor(const ref& tag, bool flush) noexcept;

  /// For spawn_link and spawn_monitor, before the child runs (so the link or
  /// monitor is atomic with the spawn). Parent side: owner only.
  void adopt_link(process_base& child);
  [[nodiscard]] ref adopt_monitor(process_base& child);

  // -- any thread -------------------------------------------------------------

  [[nodiscard]] bool is_alive() const noexcept {
    // seq_cst (a plain load on x86): the registry pairs it with `name`
    // (see runtime_core::register_name).
    return alive_.load(std::memory_order_seq_cst);
  }
  /// The registered name's atom index, or 0 for none. Registry only writes.
  std::atomic<std::uint32_t> name{0};
  /// Set once a timer message to this process was kept (timer service
  /// only): then its end cancels them, else it skips the timer service.
  std::atomic<bool> timer_target{false};
  void fill_info(process_info& out) const;

  // -- testkit ----------------------------------------------------------------

  /// The messages waiting, oldest first, without taking them. Only when no
  /// other thread can touch the process (the deterministic testkit).
  [[nodiscard]] std::vector<term> peek_messages() const;

  /// Intrusive hooks for the runtime's process table.
  process_base* table_prev = nullptr;
  process_base* table_next = nullptr;

protected:
  ~process_base() override;
  void destroy() noexcept override;

  /// Runs user code until it waits, yields (budget spent) or ends.
  virtual step_result step(int& budget) noexcept = 0;
  /// Frees user state (coroutine frame, actor object) as the process ends;
  /// user destructors may still send.
  virtual void release_user_state() noexcept = 0;
  /// For process_info: what kind of code runs and the memory it holds.
  [[nodiscard]] virtual std::string initial_call() const = 0;
  [[nodiscard]] virtual std::size_t user_memory() const noexcept = 0;
  /// A push found the process waiting: make it run. Default: schedule it.
  virtual void wake() noexcept;

  // -- the message queue (owner only) -----------------------------------------

  /// Removes and returns the first message at or after the save point that
  /// `match` accepts, advancing the save point past those it rejects.
  /// With a null `match` any message is taken.
  signal* take_matching(bool (*match)(const void*, const term&),
                        const void* pred);
  /// Restarts selective scanning at the first message (after a receive).
  void reset_save_point() noexcept { save_ = nullptr; }
  [[nodiscard]] bool has_messages() const noexcept { return queue_head_; }
  signal* pop_message() noexcept;

  /// Takes every queued signal, applying control signals as they come. May
  /// decide the process must exit (then `exit_pending()`).
  void drain() noexcept;
  [[nodiscard]] bool exit_pending() const noexcept { return exiting_; }
  /// Marks the process to exit with `reason` (a self exit, a crash).
  void set_exit(term reason) noexcept;
  /// Ends the process now with the reason set (foreign-thread processes,
  /// which are never run by the scheduler). May free the block.
  void exit_now() noexcept { terminate(); }
  /// A receive timeout signal with this sequence number fired.
  [[nodiscard]] bool timeout_fired(std::uint64_t seq) const noexcept {
    return timeout_fired_ == seq;
  }

  inbox inbox_;

private:
  void handle_signal(signal* s) noexcept;
  void handle_exit_signal(signal* s, bool linked) noexcept;
  void append_message(signal* s) noexcept;
  void terminate() noexcept;
  void bounce_leftovers(signal* s, const term& reason) noexcept;
  process_extras& extras();

  runtime_core& rt_;
  signal* queue_head_ = nullptr;
  signal* queue_tail_ = nullptr;
  signal* save_ = nullptr;     ///< last message rejected by selective receive
  signal* leftover_ = nullptr; ///< signals taken after the exit was decided
  std::unique_ptr<process_extras> extras_;
  mutable spin_lock lock_;     ///< guards extras_ contents for readers
  std::atomic<bool> alive_{true};
  /// Index into the status atoms. Starts runnable: a spawned process is
  /// queued to run (erl: a process not yet run is `runnable`).
  std::atomic<std::uint8_t> status_{1};
  std::atomic<std::uint32_t> queue_len_{0};
  std::atomic<bool> trap_exit_{false}; ///< owner writes; process_info reads
  bool exiting_ = false;
  term exit_reason_;
  std::uint64_t timeout_fired_ = 0;
};

/// Sends `s` to `to` as `deliver` does; a dead or remote target answers as
/// Erlang's would. Takes `s`.
void send_signal(const pid& to, signal* s) noexcept;

/// The process running on this thread, if any.
[[nodiscard]] process_base* current_process() noexcept;
void set_current_process(process_base* p) noexcept;

} // namespace otp::detail
