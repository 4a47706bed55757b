/// The M:N work-stealing scheduler. See docs/design/scheduler.md for the
/// invariants; in short:
/// - each worker has a bounded run queue (owner pushes at the tail; the
///   owner and thieves take from the head) and a `next` slot;
/// - a process woken by a worker goes to that worker's `next` slot and runs
///   there next (message partners stay on one core, as on the BEAM);
/// - an idle worker spins briefly stealing, then parks on a futex; a worker
///   that makes work wakes a parked one only when nobody is spinning;
/// - fresh work (a new process, a process pushed out of `next` by another
///   wake-up) is not stolen until it has waited `fresh_delay` (a parked
///   worker sets a timer for it): the worker that made it runs it, with its
///   memory warm in its cache, unless it turns into a backlog.
#include "otp/detail/process_base.hpp"
#include "scheduler.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <linux/futex.h>
#include <mutex>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace otp::internal {
namespace {

using detail::process_base;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

using steady = std::chrono::steady_clock;

/// How long fresh work (a newly spawned process, or one a wake-up pushed
/// out of `next`) waits in its worker's queue before other workers may
/// steal it. Such work is mostly short, and this core has its memory warm:
/// a thief that takes it pulls its control block, frame and messages
/// across, and the partners it answers pull them back, which costs more
/// than running it here (spawn_exit ran twice as slow on two workers as on
/// one; a supervisor's restart cycle bounced its three processes between
/// the cores). Work queued that long is a backlog, which is then shared.
/// About a BEAM time slice: a process that makes fresh work and then
/// computes without yielding delays it at most this long.
constexpr steady::duration fresh_delay = std::chrono::milliseconds{1};

/// `steal_after` of fresh work that no thief has seen yet. The delay runs
/// from the first thief's look rather than from the push: a spawn or a
/// wake-up, on the hot path, then costs no clock read (a third of a
/// supervisor's restart cycle's clock reads), and an idle thief reads the
/// clock anyway.
constexpr std::int64_t unstamped = -1;

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             steady::now().time_since_epoch())
      .count();
}

/// Sleeps while `word` holds `expected`, at most until `deadline_ns`
/// (steady clock; 0: no limit). Spurious returns are the caller's to loop
/// on. A raw futex: std::atomic::wait has no timeout.
void park_futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                     std::int64_t deadline_ns) noexcept {
  timespec rel{};
  timespec* timeout = nullptr;
  if (deadline_ns != 0) {
    auto left = deadline_ns - steady_now_ns();
    if (left <= 0)
      return;
    rel.tv_sec = static_cast<time_t>(left / 1'000'000'000);
    rel.tv_nsec = static_cast<long>(left % 1'000'000'000);
    timeout = &rel;
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): the futex interface
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
          FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

void park_futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): the futex interface
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
          FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
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
  /// Thieves leave `queue` alone until then (steady_now_ns; 0: at once;
  /// `unstamped`: when the first thief to see it says): it holds only
  /// fresh work, queued since less than fresh_delay. The owner writes 0 or
  /// `unstamped`, before the queue push that publishes it; the first thief
  /// to see `unstamped` stamps it, so the owner never reads the clock.
  std::atomic<std::int64_t> steal_after{0};
  alignas(64) std::atomic<std::uint32_t> wake_flag{0};
  /// Parked with a timer (see park): it will look at the queues by itself.
  /// Cleared under park_mutex_ as it parks, set once it knows.
  std::atomic<bool> timed_park{false};
  std::uint32_t next_streak = 0;
  /// Signals this turn's process pushed to the process in `next` (which
  /// cannot run before this turn ends), or, while the queue holds only
  /// fresh work, to any runnable process (see pushed_to_runnable). Owner
  /// only.
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
      // process it displaces is fresh work: it runs here soon, unless the
      // queue turns into a backlog (see fresh_delay).
      // An empty `next` takes a plain store: thieves take only a `next`
      // that holds a process, so none can race with it (an exchange is a
      // locked instruction).
      if (!w->next.load(std::memory_order_relaxed)) {
        w->next.store(p, std::memory_order_release);
        return;
      }
      if (auto* old = w->next.exchange(p, std::memory_order_acq_rel))
        if (push_fresh(*w, old))
          notify_if_idle(true);
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
    if (!w)
      return;
    if (w->next.load(std::memory_order_relaxed) != p) {
      // The same for fresh work queued here (the sender spawned or woke
      // its receiver and went on sending), which thieves leave alone for a
      // while: share the queue now.
      if (w->steal_after.load(std::memory_order_relaxed) != 0 &&
          ++w->sends_to_next >= sends_before_release) {
        w->sends_to_next = 0;
        w->steal_after.store(0, std::memory_order_relaxed);
        notify_if_idle();
      }
      return;
    }
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
    auto* w = local_worker();
    if (!w) {
      push_global(p);
      notify_if_idle();
      return;
    }
    // Only a queue that was empty needs a parked worker told: one that
    // parked since it filled has set its timer for it (see park).
    if (push_fresh(*w, p))
      notify_if_idle(true);
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
      park_futex_wake(w.wake_flag);
    }
    for (auto& w : workers_)
      if (w.thread.joinable())
        w.thread.join();
  }

  [[nodiscard]] std::size_t workers() const noexcept override {
    return workers_.size();
  }

  [[nodiscard]] int worker_index() const noexcept override {
    const worker* w = local_worker();
    return w ? static_cast<int>(w->index) : -1;
  }

private:
  /// Sends in one turn to the process in `next` before it is released to
  /// other workers (see pushed_to_runnable).
  static constexpr std::uint32_t sends_before_release = 64;

  worker* local_worker() const noexcept {
    return this_scheduler == this ? this_worker : nullptr;
  }

  /// Queues `p` (a process that yields, or is released: see
  /// pushed_to_runnable) for this worker or any thief.
  void push_local(worker& w, process_base* p) noexcept {
    // Everything queued here is fair game now, fresh work included: there
    // is more than one to run.
    if (w.steal_after.load(std::memory_order_relaxed) != 0)
      w.steal_after.store(0, std::memory_order_relaxed);
    push_queue(w, p);
  }

  /// Queues fresh work `p` for this worker (see fresh_delay); true when the
  /// queue was empty.
  bool push_fresh(worker& w, process_base* p) noexcept {
    if (!w.queue.empty()) {
      push_queue(w, p);
      return false;
    }
    // Published with p by the queue's release store.
    w.steal_after.store(unstamped, std::memory_order_relaxed);
    push_queue(w, p);
    return true;
  }

  void push_queue(worker& w, process_base* p) noexcept {
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
  /// `saw_young`: set when a queue held fresh work not to be taken yet.
  process_base* steal(worker& w, const std::vector<std::uint64_t>* stale_turns,
                      bool& saw_young) noexcept {
    auto n = workers_.size();
    auto start = (w.rng = w.rng * 1664525U + 1013904223U) % n;
    std::int64_t now = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto& victim = workers_[(start + i) % n];
      if (&victim == &w)
        continue;
      bool may_take = !victim.queue.empty();
      if (may_take && young(victim, now)) {
        saw_young = true;
        may_take = false;
      }
      if (may_take && victim.queue.grab_half(w.batch) > 0) {
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

  /// Whether `v`'s queue holds only fresh work, not to be stolen yet
  /// (stamping it if this is the first look). Read after seeing the queue
  /// non-empty (its acquire orders this load). `now`: the clock, read here
  /// if 0.
  static bool young(worker& v, std::int64_t& now) noexcept {
    auto after = v.steal_after.load(std::memory_order_relaxed);
    if (after == 0)
      return false;
    if (now == 0)
      now = steady_now_ns();
    const std::int64_t stamp =
        now + std::chrono::duration_cast<std::chrono::nanoseconds>(fresh_delay)
                  .count();
    // A failed exchange leaves in `after` what the owner (0, or unstamped
    // again) or another thief (a stamp) wrote meanwhile.
    while (after == unstamped)
      if (v.steal_after.compare_exchange_weak(after, stamp,
                                              std::memory_order_relaxed))
        after = stamp;
    if (after == 0)
      return false;
    return now < after;
  }

  process_base* find_local(worker& w) noexcept {
    // Now and then look at the global queue first, so it cannot starve.
    if (w.turns.load(std::memory_order_relaxed) % 61 == 0)
      if (auto* p = take_global(w))
        return p;
    // A look first: the exchange is a locked instruction, and `next` is
    // often empty (a thief takes `next` only when it is not).
    if (auto* p = w.next.load(std::memory_order_relaxed)
                      ? w.next.exchange(nullptr, std::memory_order_acq_rel)
                      : nullptr) {
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

  /// A cheap look (relaxed loads) for anything to take. Queues of fresh
  /// work do not count, even those old enough by now: steal's look finds
  /// them a pause later.
  bool work_visible() const noexcept {
    if (global_size_.load(std::memory_order_relaxed) != 0 ||
        inject_.load(std::memory_order_relaxed))
      return true;
    for (const auto& v : workers_)
      if ((!v.queue.empty() &&
           v.steal_after.load(std::memory_order_relaxed) == 0) ||
          v.next.load(std::memory_order_relaxed))
        return true;
    return false;
  }

  /// Anything to take now. Otherwise `wake_at` is when the first queue of
  /// fresh work may be stolen (0: none waits).
  bool any_work(const worker& w, std::int64_t& wake_at) noexcept {
    wake_at = 0;
    if (global_size_.load(std::memory_order_acquire) != 0 ||
        inject_.load(std::memory_order_acquire))
      return true;
    std::int64_t now = 0;
    for (auto& v : workers_) {
      if (v.next.load(std::memory_order_acquire))
        return true;
      if (v.queue.empty())
        continue;
      if (&v == &w || !young(v, now))
        return true;
      // Stamped by young; if the owner has shared its queue since (0), or
      // emptied it and queued new fresh work (unstamped): look again now.
      auto after = v.steal_after.load(std::memory_order_relaxed);
      if (after == 0 || after == unstamped)
        return true;
      if (wake_at == 0 || after < wake_at)
        wake_at = after;
    }
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
      bool saw_young = false;
      if (!found)
        found = steal(w, round >= rounds / 2 ? &turns : nullptr, saw_young);
      // Fresh work only, which its worker runs: spinning on its queue
      // until it may be stolen would slow that worker down (the lines it
      // writes would bounce to this core). Park until then instead.
      if (!found && saw_young && !work_visible())
        break;
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

  /// Leaves parked_ unless a waker has taken `w` out already (then its
  /// wake-up is on the way: false).
  bool unpark_self(worker& w) noexcept {
    std::lock_guard lock{park_mutex_};
    auto it = std::find(parked_.begin(), parked_.end(), &w);
    if (it == parked_.end())
      return false;
    parked_.erase(it);
    if (!w.timed_park.load(std::memory_order_relaxed))
      untimed_parked_.fetch_sub(1, std::memory_order_relaxed);
    idle_.fetch_sub(1, std::memory_order_acq_rel);
    return true;
  }

  void park(worker& w) noexcept {
    {
      std::lock_guard lock{park_mutex_};
      parked_.push_back(&w);
      w.timed_park.store(false, std::memory_order_relaxed);
      // Before idle_'s RMW, which a waker's RMW reads: so a waker that sees
      // this worker idle sees it counted here too (see notify_if_idle).
      untimed_parked_.fetch_add(1, std::memory_order_relaxed);
      // An RMW: it reads the waker's last RMW on idle_ (see notify_if_idle),
      // so any work published before that is visible to any_work below.
      idle_.fetch_add(1, std::memory_order_acq_rel);
    }
    // Fresh work that may not be stolen yet: sleep until it may, as nobody
    // wakes us for it (its worker told the parked workers once, when its
    // queue filled, and this may be that wake-up).
    std::int64_t wake_at = 0;
    if ((any_work(w, wake_at) || stopping_.load(std::memory_order_acquire)) &&
        unpark_self(w))
      return;
    if (wake_at != 0) {
      std::lock_guard lock{park_mutex_};
      // Unless a waker has taken us out meanwhile (it counted us untimed).
      if (std::find(parked_.begin(), parked_.end(), &w) != parked_.end()) {
        w.timed_park.store(true, std::memory_order_relaxed);
        untimed_parked_.fetch_sub(1, std::memory_order_relaxed);
      } else {
        wake_at = 0; // its flag is on the way
      }
    }
    while (w.wake_flag.load(std::memory_order_acquire) == 0) {
      park_futex_wait(w.wake_flag, 0, wake_at);
      if (wake_at != 0 && w.wake_flag.load(std::memory_order_acquire) == 0 &&
          steady_now_ns() >= wake_at) {
        if (unpark_self(w))
          return;
        wake_at = 0; // a waker has us: wait for its flag
      }
    }
    w.wake_flag.store(0, std::memory_order_relaxed);
  }

  /// `fresh`: the work is fresh (see fresh_delay), which a worker parked
  /// with a timer will find when its timer fires (it cannot take it
  /// sooner): only one parked without a timer is woken, and the futex wake
  /// is saved when there is none (a supervisor's restart cycle paid one
  /// per restart otherwise).
  void notify_if_idle(bool fresh = false) noexcept {
    // The Dekker handshake with park(), without fences (which TSan cannot
    // check): both sides do an RMW on idle_, so one of them sees the other:
    // either this reads the parker's increment, or the parker's increment
    // reads this and sees the work published before it.
    if (idle_.fetch_add(0, std::memory_order_acq_rel) == 0 ||
        spinning_.load(std::memory_order_seq_cst) != 0)
      return;
    // Fresh work wakes only a worker parked without a timer: with none (the
    // usual case, as the others wait for their timers), skip the mutex. A
    // worker counts itself before its RMW on idle_, which ours reads.
    if (fresh && untimed_parked_.load(std::memory_order_acquire) == 0)
      return;
    worker* w = nullptr;
    {
      std::lock_guard lock{park_mutex_};
      auto it = parked_.end();
      if (fresh)
        it = std::find_if(parked_.begin(), parked_.end(), [](worker* v) {
          return !v->timed_park.load(std::memory_order_relaxed);
        });
      else if (!parked_.empty())
        it = std::prev(parked_.end());
      if (it == parked_.end())
        return;
      w = *it;
      parked_.erase(it);
      if (!w->timed_park.load(std::memory_order_relaxed))
        untimed_parked_.fetch_sub(1, std::memory_order_relaxed);
      idle_.fetch_sub(1, std::memory_order_seq_cst);
    }
    w->wake_flag.store(1, std::memory_order_release);
    park_futex_wake(w->wake_flag);
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
  /// Parked workers without a timer (written under park_mutex_).
  std::atomic<int> untimed_parked_{0};
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
