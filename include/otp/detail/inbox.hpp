#pragma once
/// The many-senders, one-receiver signal stack of a process, which also
/// carries its scheduling state (the CAF "lifo inbox" design):
/// - empty: the process is running or queued; senders just push;
/// - blocked: the process waits for signals; the sender that pushes onto
///   `blocked` must schedule it (exactly one sender sees that);
/// - closed: the process has exited; pushes fail and the sender deals with
///   the signal (a link or monitor gets `noproc`, a message is dropped).
///
/// Another thread may look at the process while it runs (process_info,
/// a timer joining it) without a locked instruction on the push, take or
/// close path: it announces itself (`visit`) before it looks at the head,
/// and the owner, after taking the signals or closing, waits for visitors
/// to leave before it touches what it took. Both sides are seq_cst, so
/// either the owner sees the visitor or the visitor sees the head the owner
/// left (see visit).

#include "otp/detail/signal.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace otp::detail {

class inbox {
public:
  enum class push_result { queued, unblocked, closed };

  inbox() = default;
  inbox(const inbox&) = delete;
  inbox& operator=(const inbox&) = delete;

  /// Pushes `s` (taking ownership unless closed). Thread-safe.
  push_result push(signal* s) noexcept {
    signal* head = head_.load(std::memory_order_relaxed);
    for (;;) {
      if (head == closed_tag()) {
        // A failed CAS may have linked `s` to signals the closing owner now
        // holds: the caller gets `s` back alone.
        s->next = nullptr;
        return push_result::closed;
      }
      s->next = head == blocked_tag() ? nullptr : head;
      if (head_.compare_exchange_weak(head, s, std::memory_order_acq_rel,
                                      std::memory_order_relaxed))
        return head == blocked_tag() ? push_result::unblocked
                                     : push_result::queued;
    }
  }

  /// Takes every queued signal, oldest first. Owner only; never blocked.
  [[nodiscard]] signal* take_all() noexcept {
    signal* head = head_.load(std::memory_order_relaxed);
    if (head == nullptr || head == closed_tag() || head == blocked_tag())
      return nullptr;
    head = head_.exchange(nullptr, std::memory_order_seq_cst);
    wait_for_visitors();
    return reverse(head);
  }

  /// Whether signals are queued (a hint: one may arrive just after).
  [[nodiscard]] bool has_pending() const noexcept {
    signal* head = head_.load(std::memory_order_acquire);
    return head && head != closed_tag() && head != blocked_tag();
  }

  /// Whether close() has run. seq_cst, a plain load on x86: callers pair
  /// it with the closing exchange (see process_base::is_alive).
  [[nodiscard]] bool closed() const noexcept {
    return head_.load(std::memory_order_seq_cst) == closed_tag();
  }

  /// Marks the process as waiting if nothing is queued. Owner only.
  /// Returns false when signals arrived (take them first).
  [[nodiscard]] bool try_block() noexcept {
    signal* expected = nullptr;
    return head_.compare_exchange_strong(expected, blocked_tag(),
                                         std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
  }

  /// Undoes try_block when the owner is run without a push (e.g. shutdown).
  /// False if a push came first (that pusher saw `blocked`: it wakes the
  /// owner).
  bool unblock() noexcept {
    signal* expected = blocked_tag();
    return head_.compare_exchange_strong(expected, nullptr,
                                         std::memory_order_acq_rel);
  }

  /// Closes the inbox for good and returns what was still queued, oldest
  /// first. Once it returns, no visit that began before it is still on:
  /// the process's state is the owner's alone. Owner only.
  [[nodiscard]] signal* close() noexcept {
    signal* head = head_.exchange(closed_tag(), std::memory_order_seq_cst);
    wait_for_visitors();
    if (head == blocked_tag() || head == closed_tag())
      return nullptr;
    return reverse(head);
  }

  /// Another thread looking at the process, for as long as it lives: the
  /// owner's take_all and close wait for it before they touch what they
  /// took. It costs the pushes and the owner nothing while none is on.
  class visit {
  public:
    explicit visit(const inbox& in) noexcept : in_(in) {
      // seq_cst, paired with the owner's exchange and its load of
      // visitors_: either the owner sees this visit (and waits), or this
      // sees what the owner left (and walks none of the signals it took,
      // and finds the inbox closed if it was).
      in_.visitors_.fetch_add(1, std::memory_order_seq_cst);
    }
    ~visit() { in_.visitors_.fetch_sub(1, std::memory_order_release); }
    visit(const visit&) = delete;
    visit& operator=(const visit&) = delete;

    /// Whether the process has ended: then nothing else of it may be read.
    [[nodiscard]] bool closed() const noexcept { return in_.closed(); }

    /// Counts the queued signals `pred` accepts.
    template <class Pred>
    [[nodiscard]] std::size_t count_if(Pred pred) const noexcept {
      std::size_t n = 0;
      signal* s = in_.head_.load(std::memory_order_seq_cst);
      if (s != blocked_tag() && s != closed_tag())
        for (; s; s = s->next)
          n += pred(*s) ? 1 : 0;
      return n;
    }

  private:
    const inbox& in_;
  };

  /// Walks queued signals newest first without taking them (testkit only,
  /// when no other thread can push).
  template <class F>
  void peek(F&& f) const {
    signal* s = head_.load(std::memory_order_acquire);
    if (s == blocked_tag() || s == closed_tag())
      return;
    for (; s; s = s->next)
      f(*s);
  }

private:
  /// After an exchange took the signals: no visitor may still walk them.
  /// A plain load when none is on, as is nearly always the case.
  void wait_for_visitors() const noexcept {
    for (int spins = 0; visitors_.load(std::memory_order_seq_cst) != 0; ++spins)
      if (spins > 64)
        std::this_thread::yield(); // the visitor may have been preempted
  }

  static signal* reverse(signal* s) noexcept {
    signal* out = nullptr;
    while (s)
      s = std::exchange(s->next, std::exchange(out, s));
    return out;
  }
  // The two states are two addresses that no signal has, never
  // dereferenced. Constant-initialised statics, not function-local ones: a
  // push compares with an address and checks no guard variable.
  struct alignas(signal) state_tag {
    unsigned char unused;
  };
  static constinit inline state_tag blocked_{};
  static constinit inline state_tag closed_{};
  static signal* blocked_tag() noexcept {
    return reinterpret_cast<signal*>(&blocked_);
  }
  static signal* closed_tag() noexcept {
    return reinterpret_cast<signal*>(&closed_);
  }

  std::atomic<signal*> head_{nullptr};
  /// Threads visiting now (see visit). Beside head_: the owner reads it
  /// right after its exchange, with that cache line in hand.
  mutable std::atomic<std::uint32_t> visitors_{0};
};

} // namespace otp::detail
