#pragma once
/// `otp::internal::timer_wheel`: the data structure behind every runtime
/// timer (send_after, start_timer, receive timeouts).
///
/// A hierarchical timing wheel: 11 levels of 64 slots, level `L` slot `s`
/// holding the timers whose deadline lies in the `s`-th block of 64^L ticks
/// of the current 64^(L+1) block. Each slot is an intrusive doubly linked
/// FIFO list of nodes that live in a chunked pool, so inserting or cancelling
/// a timer is O(1) and touches no allocator once the pool has grown.
/// A pending timer costs nothing until its slot comes up.
///
/// Invariants (with `now_` the last tick processed):
/// - every timer in the wheel has `deadline > now_`, except while
///   `advance` fires the level-0 slot of tick `now_`;
/// - a timer sits at the level of the highest 6-bit digit in which its
///   deadline differs from `now_`, so all timers of level `L` are due before
///   every timer of level `L+1`, and their slot index is above `now_`'s digit;
/// - `advance` stops `now_` at every non-empty slot's first tick and
///   re-files ("cascades") that slot's timers one level down, so each timer
///   moves at most 10 times and idle stretches are skipped in O(levels);
/// - timers due at or before `now_` (inserted late) wait in the `overdue_`
///   list and fire first at the next `advance`;
/// - every list is in insertion order, which gives ties in insertion order.
///
/// Not thread-safe: the timer service owns one wheel and locks around it.

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace otp::internal {

/// Names one inserted timer for `cancel`. Opaque: the low 32 bits are a pool
/// index and the high 32 bits the node's generation (never 0), so ids are
/// unique for the life of a wheel and `timer_id{}` is never valid.
enum class timer_id : std::uint64_t {};

template <class Payload>
class timer_wheel {
  static_assert(std::is_move_constructible_v<Payload>);

public:
  timer_wheel() {
    heads_.fill(nil);
    tails_.fill(nil);
  }
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;
  ~timer_wheel() { destroy_all(); }

  /// Schedules `p` for `deadline_tick`. A deadline at or before the last
  /// tick passed to `advance` fires at the next `advance`. O(1); allocates
  /// only when the node pool grows. Strong exception guarantee.
  timer_id insert(std::uint64_t deadline_tick, Payload p);

  /// Cancels a pending timer and destroys its payload. Returns its deadline
  /// (so the caller can compute the time left), or nullopt if `id` already
  /// fired, was cancelled or never existed. O(1).
  std::optional<std::uint64_t> cancel(timer_id id);

  /// Fires every timer with deadline <= `now_tick`, calling
  /// `on_expired(timer_id, Payload&&)` for each, and returns how many fired.
  ///
  /// Order: each step fires the pending timer with the smallest deadline,
  /// ties broken by insertion order, as long as that deadline <= `now_tick`.
  /// So timers the callback inserts with a deadline <= `now_tick` fire in this
  /// same call (one earlier than the timer being fired fires right after it);
  /// later ones wait. The callback may also cancel any timer; it must not
  /// call `advance`. A timer's node is freed before its callback runs, so
  /// cancelling the firing id returns nullopt. If the callback throws, the
  /// exception propagates; that timer is consumed and all others stay
  /// pending. A `now_tick` below the last one passed is treated as the last.
  ///
  /// Cost: O((fired + cascaded timers + 1) * levels), independent of how many
  /// ticks elapsed.
  template <class F>
  std::size_t advance(std::uint64_t now_tick, F&& on_expired);

  /// The earliest pending deadline, or nullopt if none. Never later than the
  /// true earliest deadline; exact unless the earliest timer of a coarse slot
  /// was cancelled, in which case it may be early (one spurious wake-up, after
  /// which `advance` has refined it). A value at or below the last `advance`
  /// tick means "fire now". O(levels).
  [[nodiscard]] std::optional<std::uint64_t> next_deadline() const noexcept;

  /// The last tick passed to `advance` (0 before the first call).
  [[nodiscard]] std::uint64_t current_tick() const noexcept { return now_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// Bytes the node pool holds (it grows to the high-water mark and is kept
  /// for reuse), excluding the fixed ~12 KiB of slot heads.
  [[nodiscard]] std::size_t pool_bytes() const noexcept {
    return chunks_.size() * chunk_size * sizeof(node);
  }

  /// Bytes one timer costs in the pool, payload included.
  static constexpr std::size_t node_bytes() noexcept { return sizeof(node); }

private:
  // -- layout -----------------------------------------------------------------

  static constexpr unsigned bits_per_level = 6;
  static constexpr unsigned slots_per_level = 1u << bits_per_level;
  static constexpr unsigned levels = 11; // 11 * 6 >= 64 bits of ticks
  static constexpr unsigned wheel_lists = levels * slots_per_level;
  static constexpr std::uint16_t overdue_list = wheel_lists;
  static constexpr std::uint16_t free_list = 0xffff;
  static constexpr std::uint32_t nil =
      std::numeric_limits<std::uint32_t>::max();
  static constexpr unsigned chunk_bits = 12;
  static constexpr std::uint32_t chunk_size = 1u << chunk_bits;

  struct node {
    node() noexcept {} // the payload is constructed only while the node is live
    ~node() {}
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    std::uint64_t deadline = 0;
    std::uint32_t prev = nil;
    std::uint32_t next = nil;
    std::uint32_t generation = 0; // 0: retired, never handed out again
    std::uint16_t list = free_list;
    union {
      Payload payload;
    };
  };

  // -- pool -------------------------------------------------------------------

  node& at(std::uint32_t i) noexcept {
    return chunks_[i >> chunk_bits][i & (chunk_size - 1)];
  }
  const node& at(std::uint32_t i) const noexcept {
    return chunks_[i >> chunk_bits][i & (chunk_size - 1)];
  }
  std::uint32_t acquire();
  void release(std::uint32_t i) noexcept;
  void destroy_all() noexcept;
  static timer_id make_id(std::uint32_t i, std::uint32_t generation) noexcept {
    return timer_id{(std::uint64_t{generation} << 32) | i};
  }

  // -- lists ------------------------------------------------------------------

  void push_back(std::uint16_t list, std::uint32_t i) noexcept;
  void unlink(std::uint32_t i) noexcept;
  void place(std::uint32_t i) noexcept; // puts a detached node in its list
  void sort_overdue();

  // -- advancing --------------------------------------------------------------

  struct slot_ref {
    unsigned level;
    unsigned slot;
    std::uint64_t start; // first tick the slot covers
  };
  [[nodiscard]] std::optional<slot_ref> next_slot() const noexcept;
  [[nodiscard]] std::uint32_t next_to_fire() noexcept;
  void cascade(const slot_ref& s) noexcept;
  template <class F>
  void fire(std::uint32_t i, F& on_expired);

  static unsigned level_for(std::uint64_t now,
                            std::uint64_t deadline) noexcept {
    auto bit = static_cast<unsigned>(std::bit_width((now ^ deadline) | 1u)) - 1;
    return bit / bits_per_level;
  }
  static unsigned digit(std::uint64_t tick, unsigned level) noexcept {
    return static_cast<unsigned>(tick >> (level * bits_per_level)) &
           (slots_per_level - 1);
  }

  std::vector<std::unique_ptr<node[]>> chunks_;
  std::uint32_t used_ = 0;        // nodes ever handed out from chunks_
  std::uint32_t free_head_ = nil; // singly linked through node::next
  std::size_t size_ = 0;
  std::uint64_t now_ = 0;
  std::array<std::uint32_t, wheel_lists + 1> heads_;
  std::array<std::uint32_t, wheel_lists + 1> tails_;
  // Lower bound of each list's earliest deadline: the minimum ever filed
  // since it was last empty (a cancel can leave it early, never late).
  std::array<std::uint64_t, wheel_lists + 1> min_deadline_{};
  std::array<std::uint64_t, levels> occupied_{}; // bit s: slot s non-empty
  bool overdue_sorted_ = true;
  std::vector<std::uint32_t> scratch_; // reused by sort_overdue
};

// -- pool ---------------------------------------------------------------------

template <class Payload>
std::uint32_t timer_wheel<Payload>::acquire() {
  if (free_head_ != nil) {
    std::uint32_t i = free_head_;
    free_head_ = at(i).next;
    return i;
  }
  if (used_ == nil)
    throw std::length_error("otp: timer_wheel pool exhausted");
  if ((used_ & (chunk_size - 1)) == 0)
    chunks_.push_back(std::make_unique<node[]>(chunk_size));
  at(used_).generation = 1;
  return used_++;
}

template <class Payload>
void timer_wheel<Payload>::release(std::uint32_t i) noexcept {
  node& n = at(i);
  n.payload.~Payload();
  n.list = free_list;
  // A node whose generation wraps is retired, so no id is ever reused.
  if (++n.generation == 0)
    return;
  n.next = free_head_;
  free_head_ = i;
}

template <class Payload>
void timer_wheel<Payload>::destroy_all() noexcept {
  for (std::uint32_t i = 0; i < used_; ++i)
    if (at(i).list != free_list)
      at(i).payload.~Payload();
}

// -- lists --------------------------------------------------------------------

template <class Payload>
void timer_wheel<Payload>::push_back(std::uint16_t list,
                                     std::uint32_t i) noexcept {
  node& n = at(i);
  n.list = list;
  n.next = nil;
  n.prev = tails_[list];
  if (tails_[list] == nil) {
    heads_[list] = i;
    min_deadline_[list] = n.deadline;
    if (list != overdue_list)
      occupied_[list / slots_per_level] |= std::uint64_t{1}
                                           << (list % slots_per_level);
  } else {
    at(tails_[list]).next = i;
    min_deadline_[list] = std::min(min_deadline_[list], n.deadline);
  }
  tails_[list] = i;
}

template <class Payload>
void timer_wheel<Payload>::unlink(std::uint32_t i) noexcept {
  node& n = at(i);
  std::uint16_t list = n.list;
  (n.prev == nil ? heads_[list] : at(n.prev).next) = n.next;
  (n.next == nil ? tails_[list] : at(n.next).prev) = n.prev;
  if (heads_[list] == nil && list != overdue_list)
    occupied_[list / slots_per_level] &=
        ~(std::uint64_t{1} << (list % slots_per_level));
  if (heads_[list] == nil && list == overdue_list)
    overdue_sorted_ = true;
}

template <class Payload>
void timer_wheel<Payload>::place(std::uint32_t i) noexcept {
  std::uint64_t d = at(i).deadline;
  if (d <= now_) {
    std::uint32_t tail = tails_[overdue_list];
    if (tail != nil && at(tail).deadline > d)
      overdue_sorted_ = false;
    push_back(overdue_list, i);
    return;
  }
  unsigned level = level_for(now_, d);
  push_back(
      static_cast<std::uint16_t>(level * slots_per_level + digit(d, level)), i);
}

/// Stable sort of the overdue list by deadline. Only needed when timers were
/// inserted with past deadlines out of order, which is rare.
template <class Payload>
void timer_wheel<Payload>::sort_overdue() {
  scratch_.clear();
  for (std::uint32_t i = heads_[overdue_list]; i != nil; i = at(i).next)
    scratch_.push_back(i);
  std::stable_sort(scratch_.begin(), scratch_.end(),
                   [this](std::uint32_t a, std::uint32_t b) {
                     return at(a).deadline < at(b).deadline;
                   });
  heads_[overdue_list] = tails_[overdue_list] = nil;
  for (std::uint32_t i : scratch_)
    push_back(overdue_list, i);
  overdue_sorted_ = true;
}

// -- public operations --------------------------------------------------------

template <class Payload>
timer_id timer_wheel<Payload>::insert(std::uint64_t deadline_tick, Payload p) {
  std::uint32_t i = acquire();
  node& n = at(i);
  try {
    ::new (static_cast<void*>(std::addressof(n.payload))) Payload(std::move(p));
  } catch (...) {
    n.next = free_head_;
    free_head_ = i;
    throw;
  }
  n.deadline = deadline_tick;
  place(i);
  ++size_;
  return make_id(i, n.generation);
}

template <class Payload>
std::optional<std::uint64_t> timer_wheel<Payload>::cancel(timer_id id) {
  auto raw = static_cast<std::uint64_t>(id);
  auto i = static_cast<std::uint32_t>(raw);
  auto generation = static_cast<std::uint32_t>(raw >> 32);
  if (i >= used_ || generation == 0)
    return std::nullopt;
  node& n = at(i);
  if (n.list == free_list || n.generation != generation)
    return std::nullopt;
  std::uint64_t deadline = n.deadline;
  unlink(i);
  release(i);
  --size_;
  return deadline;
}

template <class Payload>
std::optional<std::uint64_t>
timer_wheel<Payload>::next_deadline() const noexcept {
  if (heads_[overdue_list] != nil)
    return min_deadline_[overdue_list];
  if (heads_[digit(now_, 0)] != nil) // only while advance fires tick now_
    return now_;
  auto s = next_slot();
  if (!s)
    return std::nullopt;
  std::uint64_t hint = min_deadline_[s->level * slots_per_level + s->slot];
  return std::max(s->start, hint);
}

// -- advancing ----------------------------------------------------------------

/// The first non-empty slot after `now_`: the lowest level with one wins,
/// since every timer of a level is due before any of the next level.
template <class Payload>
auto timer_wheel<Payload>::next_slot() const noexcept
    -> std::optional<slot_ref> {
  for (unsigned level = 0; level < levels; ++level) {
    unsigned cur = digit(now_, level);
    std::uint64_t later =
        cur + 1 < slots_per_level
            ? occupied_[level] & (~std::uint64_t{0} << (cur + 1))
            : 0;
    // Slots at or before now_'s digit are empty (level 0's may hold the
    // timers advance is firing at now_).
    assert((occupied_[level] & ~later &
            ~(level == 0 ? std::uint64_t{1} << cur : 0)) == 0);
    if (later == 0)
      continue;
    auto slot = static_cast<unsigned>(std::countr_zero(later));
    unsigned low_bits = (level + 1) * bits_per_level;
    std::uint64_t block = low_bits >= 64 ? 0 : (now_ >> low_bits) << low_bits;
    return slot_ref{level, slot,
                    block | (std::uint64_t{slot} << (level * bits_per_level))};
  }
  return std::nullopt;
}

/// The node to fire next among the overdue list and the level-0 slot of tick
/// `now_`, or nil. Overdue timers earlier than `now_` go first; the slot's
/// timers were inserted before any overdue timer due at `now_` itself.
template <class Payload>
std::uint32_t timer_wheel<Payload>::next_to_fire() noexcept {
  std::uint32_t current = heads_[digit(now_, 0)];
  if (heads_[overdue_list] == nil)
    return current;
  if (!overdue_sorted_)
    sort_overdue();
  std::uint32_t overdue = heads_[overdue_list];
  if (current == nil || at(overdue).deadline < now_)
    return overdue;
  return current;
}

/// Re-files the timers of a slot that `now_` just reached one level down
/// (or into the overdue list if due at `now_`), keeping their order.
template <class Payload>
void timer_wheel<Payload>::cascade(const slot_ref& s) noexcept {
  auto list = static_cast<std::uint16_t>(s.level * slots_per_level + s.slot);
  while (heads_[list] != nil) {
    std::uint32_t i = heads_[list];
    unlink(i);
    place(i);
  }
}

template <class Payload>
template <class F>
void timer_wheel<Payload>::fire(std::uint32_t i, F& on_expired) {
  node& n = at(i);
  Payload p(std::move(n.payload)); // first: if it throws, nothing changed
  timer_id id = make_id(i, n.generation);
  unlink(i);
  release(i);
  --size_;
  on_expired(id, std::move(p));
}

template <class Payload>
template <class F>
std::size_t timer_wheel<Payload>::advance(std::uint64_t now_tick,
                                          F&& on_expired) {
  now_tick = std::max(now_tick, now_);
  std::size_t fired = 0;
  for (;;) {
    if (std::uint32_t i = next_to_fire(); i != nil) {
      fire(i, on_expired);
      ++fired;
      continue;
    }
    auto s = next_slot();
    if (!s || s->start > now_tick)
      break;
    now_ = s->start;
    if (s->level > 0)
      cascade(*s);
  }
  now_ = now_tick;
  return fired;
}

} // namespace otp::internal
