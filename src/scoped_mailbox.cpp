#include "otp/scoped_mailbox.hpp"

#include "otp/runtime.hpp"
#include "runtime_core.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace otp::detail {

/// A process driven by a foreign thread instead of the scheduler: it is
/// never queued; its owner thread takes signals when it receives, and a
/// push that finds it waiting notifies the thread.
class foreign_process final : public process_base {
public:
  explicit foreign_process(runtime_core& rt)
      : process_base(rt, rt.next_number()) {
    set_trap_exit(true);
  }

  std::optional<term> receive(bool (*match)(const void*, const term&),
                              const void* pred,
                              std::chrono::milliseconds timeout) {
    return receive(match, pred, timeout, nullptr).message;
  }

  /// A gen call's receive (`call`'s tag and `[alias | Tag]`): the reply
  /// sent unboxed is taken without building its `{Tag, Reply}` term, and
  /// the call's monitor is dropped under the same lock as the take.
  mailbox_reply receive_call(bool (*match)(const void*, const term&),
                             const void* pred,
                             std::chrono::milliseconds timeout,
                             const call_tags& call) {
    return receive(match, pred, timeout, &call);
  }

  mailbox_reply receive(bool (*match)(const void*, const term&),
                        const void* pred, std::chrono::milliseconds timeout,
                        const call_tags* call) {
    std::unique_lock lock{mutex_};
    if (ended_)
      return {};
    reset_save_point();
    // Read the clock only once the message is not there yet: a reply the
    // caller's own turn of the server put there (see send_gen_call) is
    // taken without it.
    std::optional<std::chrono::steady_clock::time_point> until;
    auto deadline = [&] {
      if (!until)
        until = std::chrono::steady_clock::now() + timeout;
      return *until;
    };
    for (;;) {
      if (ended_)
        return {};
      drain();
      if (exit_pending()) {
        end_locked();
        return {};
      }
      if (signal* s = take(match, pred, call))
        return taken(s, call);
      // A reply often comes within microseconds (a call to a process):
      // look for it a little while before sleeping, since being woken
      // costs a futex round trip and a context switch. Pushes meanwhile
      // only link their signal (the inbox is not blocked): the hand-off is
      // lock-free. The lock is let go so that end() need not wait.
      lock.unlock();
      bool arrived = spin_until_pending(deadline());
      lock.lock();
      if (arrived || ended_)
        continue;
      if (!inbox_.try_block())
        continue;
      // Blocked: exactly one pusher will call wake() for this wait.
      ++wakes_owed_;
      sleeping_.store(true, std::memory_order_seq_cst);
      bool woke = wake_cv_.wait_until(lock, deadline(), [this] {
        return ended_ || wakes_.load(std::memory_order_seq_cst) >= wakes_owed_;
      });
      sleeping_.store(false, std::memory_order_relaxed);
      if (!woke) {
        // Timed out. If a pusher got in first, its wake() is still owed
        // and will come: count it, so that it cannot end a later wait.
        if (inbox_.unblock())
          --wakes_owed_;
        drain();
        if (signal* s = take(match, pred, call))
          return taken(s, call);
        reset_save_point();
        return {};
      }
    }
  }

  signal* take(bool (*match)(const void*, const term&), const void* pred,
               const call_tags* call) {
    return take_matching(match, pred, call ? &call->alias_tag : nullptr);
  }

  /// The message of `s`, taken under mutex_; ends a call's monitor (after
  /// its reply; after its DOWN there is nothing left to end).
  mailbox_reply taken(signal* s, const call_tags* call) {
    mailbox_reply out{std::move(s->payload),
                      s->kind == signal_kind::call_reply};
    delete s;
    reset_save_point();
    if (call)
      process_base::demonitor(call->tag, true);
    return out;
  }

  /// Spins up to a few microseconds (never past `deadline`) for a signal.
  bool spin_until_pending(std::chrono::steady_clock::time_point deadline) {
    constexpr auto spin_for = std::chrono::microseconds{20};
    auto until =
        std::min(deadline, std::chrono::steady_clock::now() + spin_for);
    do {
      for (int i = 0; i < 64; ++i) {
        if (inbox_.has_pending())
          return true;
        cpu_pause();
      }
    } while (std::chrono::steady_clock::now() < until);
    return false;
  }

  static void cpu_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  ref monitor(const pid& target) {
    std::lock_guard lock{mutex_};
    return process_base::monitor(target, term{target});
  }

  bool demonitor(const ref& tag) {
    std::lock_guard lock{mutex_};
    return process_base::demonitor(tag, true);
  }

  ref monitor_with_alias(const pid& target) {
    std::lock_guard lock{mutex_};
    return process_base::monitor_with_alias(target);
  }

  ref make_alias() {
    std::lock_guard lock{mutex_};
    return process_base::make_alias();
  }

  /// Sends a gen call's request and, when that wakes the server ("caller
  /// runs"), runs the server's turn on this thread, which would only wait
  /// for the answer meanwhile. Queued for a worker instead, the request
  /// would cross to the worker's core and the reply cross back: two
  /// hand-offs of hundreds of ns each on this machine (see
  /// shared/PERFORMANCE.md), where here the request, the server's state and
  /// the reply stay in this core's cache. It is safe because only the
  /// pusher that finds an inbox blocked schedules its owner: no worker can
  /// hold the server while this thread runs it, and the inbox's CAS orders
  /// the previous turn's writes before this one. The turn is short (see
  /// caller_turn_budget): a server busy with others yields to a worker.
  void send_gen_call(const pid& target, const ref& tag, term alias_tag,
                     atom label, term request) {
    auto& sched = runtime().scheduler();
    sched.begin_hold();
    try {
      std::lock_guard lock{mutex_};
      process_base::send_gen_call(target, tag, std::move(alias_tag), label,
                                  std::move(request));
    } catch (...) {
      if (auto* p = sched.end_hold())
        sched.wake(p); // not run here: queue it as usual
      throw;
    }
    // Outside mutex_: the server's code may send to this mailbox, and end()
    // (a shutdown from another thread) must not wait for its turn.
    if (auto* p = sched.end_hold())
      p->run(caller_turn_budget);
  }

  bool remove_alias(const ref& alias) {
    std::lock_guard lock{mutex_};
    return process_base::remove_alias(alias);
  }

  void end(term reason) {
    {
      std::lock_guard lock{mutex_};
      if (ended_)
        return;
      set_exit(std::move(reason));
      end_locked(); // a thread waiting in receive returns nullopt
    }
    wake_cv_.notify_all();
  }

  void request_shutdown() noexcept override {
    end(atoms::shutdown);
  }

  [[nodiscard]] std::size_t pending() const {
    std::lock_guard lock{mutex_};
    std::size_t n = 0;
    for (auto& m : peek_messages()) {
      (void)m;
      ++n;
    }
    return n;
  }

protected:
  step_result step(int&) noexcept override {
    return step_result::waiting;
  }
  void release_user_state() noexcept override {}
  [[nodiscard]] std::string initial_call() const override {
    return "otp::scoped_mailbox";
  }
  [[nodiscard]] std::size_t user_memory() const noexcept override {
    return 0;
  }
  /// The pusher that found the inbox blocked. The owner announces that it
  /// sleeps (sleeping_) before its last look at wakes_, and this bumps
  /// wakes_ before looking at sleeping_ (a Dekker handshake, seq_cst): either
  /// the owner sees the bump and does not sleep, or this sees it asleep and
  /// notifies it. The mutex orders the notify after the owner's wait began.
  /// So a worker replying to a thread that is about to sleep neither takes
  /// its lock nor makes a syscall.
  void wake() noexcept override {
    wakes_.fetch_add(1, std::memory_order_seq_cst);
    if (!sleeping_.load(std::memory_order_seq_cst))
      return;
    { std::lock_guard lock{mutex_}; }
    wake_cv_.notify_one();
  }

private:
  /// The messages a server run by its caller may take in that turn: enough
  /// for a call and what came with it, while a server that others keep
  /// busy yields to a worker rather than hold the caller beyond its reply.
  static constexpr int caller_turn_budget = 64;

  void end_locked() noexcept {
    ended_ = true;
    exit_now();
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_cv_;
  /// wake() calls so far (pushers), and the number the owner has waited for
  /// (owner, under mutex_): a wait ends when the first reaches the second.
  std::atomic<std::uint64_t> wakes_{0};
  std::uint64_t wakes_owed_ = 0;
  std::atomic<bool> sleeping_{false}; ///< the owner is in (or entering) wait
  bool ended_ = false;
};

} // namespace otp::detail

namespace otp {

scoped_mailbox::scoped_mailbox(runtime& rt)
    : proc_(new detail::foreign_process(rt.core())), self_(proc_->self()) {
  rt.core().add(proc_);
  if (rt.core().shutting_down())
    proc_->end(atoms::shutdown);
}

void detail::mailbox_access::send_gen_call(scoped_mailbox& me,
                                           const pid& target, const ref& tag,
                                           term alias_tag, atom label,
                                           term request) {
  me.proc_->send_gen_call(target, tag, std::move(alias_tag), label,
                          std::move(request));
}

detail::mailbox_reply detail::mailbox_access::receive_call(
    scoped_mailbox& me, bool (*match)(const void*, const term&),
    const void* pred, std::chrono::milliseconds timeout,
    const call_tags& call) {
  return me.proc_->receive_call(match, pred, timeout, call);
}

detail::runtime_core& scoped_mailbox::core() const noexcept {
  return proc_->runtime();
}

scoped_mailbox::~scoped_mailbox() {
  proc_->end(atoms::normal);
}

void scoped_mailbox::send(const pid& to, term msg) const {
  detail::send_message(to, std::move(msg));
}

expected<void, error> scoped_mailbox::send(atom name, term msg) const {
  return proc_->runtime().send_to_name(name, std::move(msg));
}

void scoped_mailbox::exit(const pid& to, term reason) const {
  detail::send_exit(to, self_, std::move(reason));
}

std::optional<term> scoped_mailbox::receive(std::chrono::milliseconds timeout) {
  return receive_matching(nullptr, nullptr, timeout);
}

std::optional<term>
scoped_mailbox::receive_matching(bool (*match)(const void*, const term&),
                                 const void* pred,
                                 std::chrono::milliseconds timeout) {
  return proc_->receive(match, pred, timeout);
}

ref scoped_mailbox::monitor(const pid& target) {
  return proc_->monitor(target);
}

ref scoped_mailbox::monitor(const pid& target, alias_demonitor_t) {
  return proc_->monitor_with_alias(target);
}

ref scoped_mailbox::alias() {
  return proc_->make_alias();
}

bool scoped_mailbox::unalias(const ref& alias) {
  return proc_->remove_alias(alias);
}

bool scoped_mailbox::demonitor(const ref& tag, flush_t) {
  return proc_->demonitor(tag);
}

std::optional<term> scoped_mailbox::wait(const pid& p,
                                         std::chrono::milliseconds timeout) {
  auto tag = monitor(p);
  auto down = receive(
      [&](const term& m) {
        return m.is_tuple() && m.size() == 5 && m[0] == term{atoms::DOWN} &&
               m[1].is_ref() && m[1].as_ref() == tag;
      },
      timeout);
  if (!down) {
    demonitor(tag, flush);
    return std::nullopt;
  }
  return (*down)[4];
}

std::size_t scoped_mailbox::pending() const {
  return proc_->pending();
}

} // namespace otp
