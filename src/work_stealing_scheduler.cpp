/// The M:N work-stealing scheduler. See docs/design/scheduler.md for the
/// invariants; in short:
/// - each worker has a bounded run queue (owner pushes at the tail; the
///   owner and thieves take from the head) and a `next` slot;
/// - a process woken by a worker goes to that worker's `next` slot and runs
///   there next (message partners stay on one core, as on the BEAM);
/// - an idle worker spins briefly stealing, then parks on a futex; a worker
///   that makes work wakes a parked one only when nobody is spinning.
#include "otp/detail/process_base.hpp"
#include "scheduler.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace otp::internal {
namespace {

using detail::process_base;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// The Go runtime's local run queue: single producer, many consumers.
class local_queue {
public:
  static constexpr std::uint32_t capacity = 256;

  /// Owner only. False when full.
  bool push(process_base* p) noexcept {
    auto h = head_.load(std::memory_order_acquire);
    auto t = tail_.load(std::memory_order_relaxed);
    if (t - h >= capacity)
      return false;
    slots_[t % capacity].store(p, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  /// Owner or thief.
  process_base* pop() noexcept {
    for (;;) {
      auto h = head_.load(std::memory_order_acquire);
      auto t = tail_.load(std::memory_order_acquire);
      if (h == t)
        return nullptr;
      auto* p = slots_[h % capacity].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel))
        return p;
    }
  }

  /// Takes up to half of the queue into `out`. Owner (overflow) or thief.
  std::size_t grab_half(std::vector<process_base*>& out) noexcept {
    out.clear();
    for (;;) {
      auto h = head_.load(std::memory_order_acquire);
      auto t = tail_.load(std::memory_order_acquire);
      auto n = t - h;
      n -= n / 2;
      if (n == 0)
        return 0;
      if (n > capacity / 2 + 1)
        continue; // a torn read of head and tail
      out.clear();
      for (std::uint32_t i = 0; i < n; ++i)
        out.push_back(
            slots_[(h + i) % capacity].load(std::memory_order_relaxed));
      if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel))
        return n;
    }
  }

  [[nodiscard]] bool empty() const noexcept {
    return head_.load(std::memory_order_acquire) ==
           tail_.load(std::memory_order_acquire);
  }

private:
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::array<std::atomic<process_base*>, capacity> slots_{};
};

class work_stealing_scheduler;

struct worker {
  std::size_t index = 0;
  local_queue queue;
  std::atomic<process_base*> next{nullptr};
  std::atomic<std::uint64_t> turns{0};
  alignas(64) std::atomic<std::uint32_t> wake_flag{0};
  std::uint32_t next_streak = 0;
  /// Signals this turn's process pushed to the process in `next` (which
  /// cannot run before this turn ends). Owner only.
  std::uint32_t sends_to_next = 0;
  std::uint32_t rng = 1;
  std::vector<process_base*> batch;
  std::vector<std::uint64_t> seen_turns;
  std::thread thread;
};

thread_local worker* this_worker = nullptr;
/// Processes woken by a non-worker thread inside begin_batch/end_batch.
thread_local std::vector<process_base*>* this_batch = nullptr;
thread_local const work_stealing_scheduler* this_scheduler = nullptr;
/// Inside begin_hold/end_hold (a non-worker thread): the scheduler whose
/// woken process is held (only its own: a call may cross runtimes), and
/// the one held.
thread_local const work_stealing_scheduler* this_holding = nullptr;
thread_local process_base* this_held = nullptr;

class work_stealing_scheduler final : public scheduler {
public:
  work_stealing_scheduler(std::size_t n, bool caller_runs)
      : workers_(n), caller_runs_(caller_runs) {
    for (std::size_t i = 0; i < n; ++i) {
      workers_[i].index = i;
      workers_[i].rng = static_cast<std::uint32_t>(i * 2654435761U + 1);
    }
  }
  ~work_stealing_scheduler() override { stop(); }

  void start() override {
    for (auto& w : workers_)
      w.thread = std::thread{[this, &w] { run(w); }};
  }

  void wake(process_base* p) noexcept override {
    if (auto* w = local_worker()) {
      // `next` runs on this worker as soon as the current process yields:
      // waking another worker for it would only move it across cores. A
      // process it displaces is real parallel work, though.
      if (auto* old = w->next.exchange(p, std::memory_order_acq_rel)) {
        push_local(*w, old);
        notify_if_idle();
      }
      return;
    }
    if (this_batch) {
      this_batch->push_back(p);
      return;
    }
    if (this_holding == this && !this_held) {
      this_held = p;
      return;
    }
    // One word a spinning worker watches, rather than the global queue's
    // mutex, deque and size: a foreign thread's wake-up then moves one
    // cache line to the worker that takes it instead of three or four.
    process_base* none = nullptr;
    if (!inject_.compare_exchange_strong(none, p, std::memory_order_acq_rel,
                                         std::memory_order_relaxed))
      push_global(p);
    notify_if_idle();
  }

  void pushed_to_runnable(process_base* p) noexcept override {
    auto* w = local_worker();
    if (!w || w->next.load(std::memory_order_relaxed) != p)
      return;
    // The running process keeps feeding the one waiting in `next`, which
    // runs here only after it: a sender that never waits (casts) would
    // fill its mailbox before it ran. Make it stealable and get a parked
    // worker, so that it drains on the other core as the sender sends.
    // Partners that alternate (ping-pong, call) send once per turn and
    // stay together.
    if (++w->sends_to_next < sends_before_release)
      return;
    w->sends_to_next = 0;
    if (w->next.compare_exchange_strong(p, nullptr,
                                        std::memory_order_acq_rel)) {
      push_local(*w, p);
      notify_if_idle();
    }
  }

  void begin_batch() noexcept override {
    if (!local_worker())
      this_batch = &batch_;
  }

  void end_batch() noexcept override {
    if (!this_batch)
      return;
    this_batch = nullptr;
    if (batch_.empty())
      return;
    {
      std::lock_guard lock{global_mutex_};
      global_.insert(global_.end(), batch_.begin(), batch_.end());
      global_size_.store(global_.size(), std::memory_order_release);
    }
    auto n = std::min(batch_.size(), workers_.size());
    batch_.clear();
    for (std::size_t i = 0; i < n; ++i)
      notify_if_idle();
  }

  void begin_hold() noexcept override {
    if (caller_runs_ && !local_worker()) {
      this_holding = this;
      this_held = nullptr;
    }
  }

  process_base* end_hold() noexcept override {
    if (this_holding != this)
      return nullptr;
    this_holding = nullptr;
    return std::exchange(this_held, nullptr);
  }

  void spawn(process_base* p) noexcept override {
    if (auto* w = local_worker())
      push_local(*w, p);
    else
      push_global(p);
    notify_if_idle();
  }

  void yield(process_base* p) noexcept override {
    if (auto* w = local_worker())
      push_local(*w, p);
    else
      push_global(p);
    notify_if_idle();
  }

  void stop() noexcept override {
    if (stopping_.exchange(true))
      return;
    for (auto& w : workers_) {
      w.wake_flag.store(1, std::memory_order_release);
      w.wake_flag.notify_one();
    }
    for (auto& w : workers_)
      if (w.thread.joinable())
        w.thread.join();
  }

  [[nodiscard]] std::size_t workers() const noexcept override {
    return workers_.size();
  }

private:
  /// Sends in one turn to the process in `next` before it is released to
  /// other workers (see pushed_to_runnable).
  static constexpr std::uint32_t sends_before_release = 64;

  worker* local_worker() const noexcept {
    return this_scheduler == this ? this_worker : nullptr;
  }

  void push_local(worker& w, process_base* p) noexcept {
    if (w.queue.push(p))
      return;
    // Full: half of it goes to the global queue, as in Go's runqputslow.
    // Thieves may have emptied it meanwhile: then nothing moves (the batch
    // holds a previous steal's processes and must not be queued again).
    auto moved = w.queue.grab_half(w.batch);
    std::lock_guard lock{global_mutex_};
    global_.insert(global_.end(), w.batch.begin(),
                   w.batch.begin() + static_cast<std::ptrdiff_t>(moved));
    global_.push_back(p);
    global_size_.store(global_.size(), std::memory_order_release);
  }

  void push_global(process_base* p) noexcept {
    std::lock_guard lock{global_mutex_};
    global_.push_back(p);
    global_size_.store(global_.size(), std::memory_order_release);
  }

  /// Takes a fair share of the global queue into `w`'s queue; returns one:
  /// the process a foreign thread woke (see wake) first, with the share
  /// still taken, so that a stream of such wake-ups cannot starve the
  /// processes queued here.
  process_base* take_global(worker& w) noexcept {
    process_base* p = nullptr;
    if (inject_.load(std::memory_order_relaxed))
      p = inject_.exchange(nullptr, std::memory_order_acq_rel);
    if (global_size_.load(std::memory_order_acquire) == 0)
      return p;
    std::lock_guard lock{global_mutex_};
    if (global_.empty())
      return p;
    if (!p) {
      p = global_.front();
      global_.pop_front();
    }
    auto share = std::min<std::size_t>(global_.size() / workers_.size() + 1,
                                       local_queue::capacity / 2);
    while (share-- > 0 && !global_.empty() && w.queue.push(global_.front()))
      global_.pop_front();
    global_size_.store(global_.size(), std::memory_order_release);
    return p;
  }

  /// Steals half of another worker's queue. With `stale_turns` (the other
  /// workers' turn counters seen earlier), also takes a `next` process from
  /// a worker that has not finished a turn since: it is stuck in one long
  /// process.
  process_base* steal(worker& w,
                      const std::vector<std::uint64_t>* stale_turns) noexcept {
    auto n = workers_.size();
    auto start = (w.rng = w.rng * 1664525U + 1013904223U) % n;
    for (std::size_t i = 0; i < n; ++i) {
      auto& victim = workers_[(start + i) % n];
      if (&victim == &w)
        continue;
      if (victim.queue.grab_half(w.batch) > 0) {
        auto* first = w.batch.front();
        for (std::size_t k = 1; k < w.batch.size(); ++k)
          w.queue.push(w.batch[k]); // at most half a queue: always fits
        return first;
      }
      // A `next` process waits behind a busy worker's current process: take
      // it only when that worker has not moved on for a while.
      if (stale_turns &&
          (*stale_turns)[victim.index] ==
              victim.turns.load(std::memory_order_relaxed) &&
          victim.next.load(std::memory_order_relaxed))
        if (auto* p = victim.next.exchange(nullptr, std::memory_order_acq_rel))
          return p;
    }
    return nullptr;
  }

  process_base* find_local(worker& w) noexcept {
    // Now and then look at the global queue first, so it cannot starve.
    if (w.turns.load(std::memory_order_relaxed) % 61 == 0)
      if (auto* p = take_global(w))
        return p;
    if (auto* p = w.next.exchange(nullptr, std::memory_order_acq_rel)) {
      // Two processes messaging each other could own `next` forever.
      if (++w.next_streak < 64 || w.queue.empty())
        return p;
      push_local(w, p);
    }
    w.next_streak = 0;
    if (auto* p = w.queue.pop())
      return p;
    return take_global(w);
  }

  /// A cheap look (relaxed loads) for anything to take.
  bool work_visible() const noexcept {
    if (global_size_.load(std::memory_order_relaxed) != 0 ||
        inject_.load(std::memory_order_relaxed))
      return true;
    for (const auto& v : workers_)
      if (!v.queue.empty() || v.next.load(std::memory_order_relaxed))
        return true;
    return false;
  }

  bool any_work() noexcept {
    if (global_size_.load(std::memory_order_acquire) != 0 ||
        inject_.load(std::memory_order_acquire))
      return true;
    for (auto& w : workers_)
      if (!w.queue.empty() || w.next.load(std::memory_order_acquire))
        return true;
    return false;
  }

  /// Spins for a short bounded time looking for work, then parks.
  process_base* search(worker& w) noexcept {
    // Go's rule: spin only while spinners are fewer than half the workers
    // that are not parked. With every worker idle, one spins and the others
    // park: a spinner per core would compete for the cores with threads that
    // have real work, such as a foreign thread waiting for a reply (three
    // spinning threads on two cores are time-sliced by the kernel).
    auto spinners = spinning_.fetch_add(1, std::memory_order_seq_cst);
    auto awake = static_cast<int>(workers_.size()) -
                 idle_.load(std::memory_order_relaxed);
    const int rounds = 2 * spinners < awake ? 64 : 1;
    process_base* found = nullptr;
    auto& turns = w.seen_turns;
    turns.resize(workers_.size());
    for (auto& v : workers_)
      turns[v.index] = v.turns.load(std::memory_order_relaxed);
    for (int round = 0; round < rounds && !found; ++round) {
      if (stopping_.load(std::memory_order_relaxed))
        break;
      found = take_global(w);
      if (!found)
        found = steal(w, round >= rounds / 2 ? &turns : nullptr);
      if (!found && round + 1 < rounds)
        // Pause between attempts, but notice new work at once: a process
        // woken from outside the workers (a foreign thread's call) waits
        // for this loop to see it.
        for (int i = 0; i < 64 && !work_visible(); ++i)
          cpu_relax();
    }
    if (spinning_.fetch_sub(1, std::memory_order_seq_cst) == 1 && found &&
        !w.queue.empty())
      notify_if_idle(); // the last spinner found a batch: get a helper
    return found;
  }

  void park(worker& w) noexcept {
    {
      std::lock_guard lock{park_mutex_};
      parked_.push_back(&w);
      // An RMW: it reads the waker's last RMW on idle_ (see notify_if_idle),
      // so any work published before that is visible to any_work below.
      idle_.fetch_add(1, std::memory_order_acq_rel);
    }
    if (any_work() || stopping_.load(std::memory_order_acquire)) {
      std::lock_guard lock{park_mutex_};
      auto it = std::find(parked_.begin(), parked_.end(), &w);
      if (it != parked_.end()) {
        parked_.erase(it);
        idle_.fetch_sub(1, std::memory_order_acq_rel);
        return;
      }
      // Someone is waking us already: take that wake-up below.
    }
    while (w.wake_flag.load(std::memory_order_acquire) == 0)
      w.wake_flag.wait(0, std::memory_order_acquire);
    w.wake_flag.store(0, std::memory_order_relaxed);
  }

  void notify_if_idle() noexcept {
    // The Dekker handshake with park(), without fences (which TSan cannot
    // check): both sides do an RMW on idle_, so one of them sees the other:
    // either this reads the parker's increment, or the parker's increment
    // reads this and sees the work published before it.
    if (idle_.fetch_add(0, std::memory_order_acq_rel) == 0 ||
        spinning_.load(std::memory_order_seq_cst) != 0)
      return;
    worker* w = nullptr;
    {
      std::lock_guard lock{park_mutex_};
      if (parked_.empty())
        return;
      w = parked_.back();
      parked_.pop_back();
      idle_.fetch_sub(1, std::memory_order_seq_cst);
    }
    w->wake_flag.store(1, std::memory_order_release);
    w->wake_flag.notify_one();
  }

  void run(worker& w) noexcept {
    this_worker = &w;
    this_scheduler = this;
    while (!stopping_.load(std::memory_order_acquire)) {
      process_base* p = find_local(w);
      if (!p)
        p = search(w);
      if (!p) {
        park(w);
        continue;
      }
      // Only this worker writes its counter: no locked instruction needed.
      w.turns.store(w.turns.load(std::memory_order_relaxed) + 1,
                    std::memory_order_relaxed);
      w.sends_to_next = 0;
      p->run();
    }
    this_worker = nullptr;
    this_scheduler = nullptr;
  }

  std::vector<worker> workers_;
  std::vector<process_base*> batch_; ///< only the batching thread's (timers)
  std::mutex global_mutex_;
  std::deque<process_base*> global_;
  std::atomic<std::size_t> global_size_{0};
  /// One process woken by a non-worker thread (see wake), taken as the
  /// global queue's first.
  alignas(64) std::atomic<process_base*> inject_{nullptr};
  std::mutex park_mutex_;
  std::vector<worker*> parked_;
  std::atomic<int> idle_{0};
  std::atomic<int> spinning_{0};
  std::atomic<bool> stopping_{false};
  const bool caller_runs_;
};

} // namespace

std::unique_ptr<scheduler> make_work_stealing_scheduler(std::size_t workers,
                                                        bool caller_runs) {
  if (workers == 0)
    workers = std::max(1U, std::thread::hardware_concurrency());
  return std::make_unique<work_stealing_scheduler>(workers, caller_runs);
}

} // namespace otp::internal
