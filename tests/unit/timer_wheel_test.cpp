#include "timer_wheel.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

using otp::internal::timer_id;
using otp::internal::timer_wheel;

namespace {

constexpr std::uint64_t hour = 3'600'000;
constexpr std::uint64_t day = 24 * hour;

/// Advances `w` to `now` and returns the payloads fired, in firing order.
std::vector<int> fire_until(timer_wheel<int>& w, std::uint64_t now) {
  std::vector<int> fired;
  w.advance(now, [&](timer_id, int&& v) { fired.push_back(v); });
  return fired;
}

/// A payload that counts live instances, to check the wheel destroys every
/// payload exactly once (on fire, cancel or destruction).
struct counted {
  static inline int live = 0;
  explicit counted(int v) : value(v) { ++live; }
  counted(counted&& other) noexcept : value(other.value) { ++live; }
  counted(const counted&) = delete;
  counted& operator=(const counted&) = delete;
  counted& operator=(counted&&) = delete;
  ~counted() { --live; }
  int value;
};

} // namespace

TEST(TimerWheel, NodeFitsTheMemoryBudget) {
  static_assert(timer_wheel<std::uint64_t>::node_bytes() <= 64);
  static_assert(timer_wheel<std::pair<void*, std::uint64_t>>::node_bytes() <=
                64);
  EXPECT_EQ(timer_wheel<std::uint64_t>::node_bytes(), 32u);
}

TEST(TimerWheel, StartsEmpty) {
  timer_wheel<int> w;
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.next_deadline(), std::nullopt);
  EXPECT_EQ(w.advance(day, [](timer_id, int&&) { FAIL(); }), 0u);
  EXPECT_EQ(w.current_tick(), day);
}

TEST(TimerWheel, FiresInDeadlineOrder) {
  timer_wheel<int> w;
  for (int d : {50, 10, 3000, 7, 64, 63, 4096, 1})
    w.insert(static_cast<std::uint64_t>(d), d);
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(w.next_deadline(), 1u);
  EXPECT_EQ(fire_until(w, 10'000),
            (std::vector<int>{1, 7, 10, 50, 63, 64, 3000, 4096}));
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, FiresOnlyDueTimers) {
  timer_wheel<int> w;
  w.insert(5, 5);
  w.insert(9, 9);
  w.insert(10, 10);
  EXPECT_EQ(fire_until(w, 9), (std::vector<int>{5, 9}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_deadline(), 10u);
  EXPECT_EQ(fire_until(w, 9), std::vector<int>{});
  EXPECT_EQ(fire_until(w, 10), std::vector<int>{10});
}

TEST(TimerWheel, TiesFireInInsertionOrder) {
  timer_wheel<int> w;
  for (int i = 0; i < 5; ++i)
    w.insert(100, i);
  EXPECT_EQ(fire_until(w, 100), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(TimerWheel, TiesKeepInsertionOrderAcrossCascades) {
  // The same deadline inserted from ever closer ticks lands on different
  // levels; cascading must keep the first inserted first.
  timer_wheel<int> w;
  const std::uint64_t deadline = 3 * 4096 + 5;
  w.insert(deadline, 0);
  fire_until(w, 4096);
  w.insert(deadline, 1);
  fire_until(w, 3 * 4096 - 1);
  w.insert(deadline, 2);
  fire_until(w, 3 * 4096 + 1);
  w.insert(deadline, 3);
  fire_until(w, deadline - 1);
  w.insert(deadline, 4);
  EXPECT_EQ(fire_until(w, deadline), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(TimerWheel, PastDeadlinesFireAtNextAdvanceInDeadlineOrder) {
  timer_wheel<int> w;
  w.insert(0, 0); // "now" before any advance
  EXPECT_EQ(fire_until(w, 0), std::vector<int>{0});
  fire_until(w, 1000);
  w.insert(2000, 2000);
  w.insert(500, 500);
  w.insert(20, 20);
  w.insert(1000, 1000);
  w.insert(20, 21);
  EXPECT_EQ(w.next_deadline(), 20u);
  EXPECT_EQ(fire_until(w, 1000), (std::vector<int>{20, 21, 500, 1000}));
  EXPECT_EQ(fire_until(w, 2000), std::vector<int>{2000});
}

TEST(TimerWheel, CancelBeforeFireReturnsDeadline) {
  timer_wheel<int> w;
  timer_id a = w.insert(70, 1);
  timer_id b = w.insert(5 * day, 2);
  timer_id c = w.insert(70, 3);
  EXPECT_EQ(w.cancel(a), 70u);
  EXPECT_EQ(w.cancel(b), 5 * day);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_deadline(), 70u);
  EXPECT_EQ(fire_until(w, 10 * day), std::vector<int>{3});
  EXPECT_EQ(w.cancel(c), std::nullopt);
}

TEST(TimerWheel, CancelAfterFireOrTwiceOrUnknownIsNullopt) {
  timer_wheel<int> w;
  timer_id a = w.insert(10, 1);
  timer_id b = w.insert(20, 2);
  fire_until(w, 10);
  EXPECT_EQ(w.cancel(a), std::nullopt);
  EXPECT_EQ(w.cancel(b), 20u);
  EXPECT_EQ(w.cancel(b), std::nullopt);
  EXPECT_EQ(w.cancel(timer_id{}), std::nullopt);
  EXPECT_EQ(w.cancel(timer_id{0xdeadbeefcafeULL}), std::nullopt);
  EXPECT_EQ(w.cancel(timer_id{~0ULL}), std::nullopt);
}

TEST(TimerWheel, CancelledOverdueTimerDoesNotFire) {
  timer_wheel<int> w;
  fire_until(w, 100);
  timer_id a = w.insert(50, 1);
  w.insert(40, 2);
  EXPECT_EQ(w.cancel(a), 50u);
  EXPECT_EQ(fire_until(w, 100), std::vector<int>{2});
}

TEST(TimerWheel, IdsAreNeverReused) {
  timer_wheel<int> w;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    timer_id cancelled = w.insert(100, i);
    timer_id fired = w.insert(w.current_tick() + 1, i);
    EXPECT_NE(static_cast<std::uint64_t>(cancelled), 0u);
    EXPECT_TRUE(seen.insert(static_cast<std::uint64_t>(cancelled)).second);
    EXPECT_TRUE(seen.insert(static_cast<std::uint64_t>(fired)).second);
    EXPECT_EQ(w.cancel(cancelled), 100u);
    EXPECT_EQ(w.advance(w.current_tick() + 1, [](timer_id, int&&) {}), 1u);
  }
  // Stale ids of reused nodes stay dead.
  for (std::uint64_t id : seen)
    EXPECT_EQ(w.cancel(timer_id{id}), std::nullopt);
}

TEST(TimerWheel, LongDeadlines) {
  timer_wheel<int> w;
  const std::uint64_t max = ~std::uint64_t{0};
  w.insert(365 * day, 365);
  w.insert(3 * day, 3);
  w.insert(max, -1);
  w.insert(1 * day, 1);
  EXPECT_EQ(w.next_deadline(), 1 * day);
  EXPECT_EQ(fire_until(w, 2 * day), std::vector<int>{1});
  EXPECT_EQ(w.next_deadline(), 3 * day);
  EXPECT_EQ(fire_until(w, 3 * day - 1), std::vector<int>{});
  EXPECT_EQ(fire_until(w, 3 * day), std::vector<int>{3});
  EXPECT_EQ(w.next_deadline(), 365 * day);
  EXPECT_EQ(fire_until(w, max - 1), std::vector<int>{365});
  EXPECT_EQ(w.next_deadline(), max);
  EXPECT_EQ(fire_until(w, max), std::vector<int>{-1});
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, AdvancesOverHugeIdleGapsWithoutWalkingTicks) {
  // Walking every tick of 2^50 ms would never finish; the wheel jumps from
  // occupied slot to occupied slot.
  timer_wheel<int> w;
  const std::uint64_t far = std::uint64_t{1} << 50;
  EXPECT_EQ(fire_until(w, far), std::vector<int>{});
  w.insert(far + 3 * hour, 2);
  w.insert(far + hour + 17, 1);
  w.insert(far + (far >> 1), 3);
  EXPECT_EQ(fire_until(w, far + 2 * hour), std::vector<int>{1});
  EXPECT_EQ(fire_until(w, 4 * far), (std::vector<int>{2, 3}));
}

TEST(TimerWheel, CallbackInsertsFireInThisCallOnlyIfDue) {
  timer_wheel<int> w;
  fire_until(w, 1);
  w.insert(10, 10);
  w.insert(10, 11);
  w.insert(60, 60);
  std::vector<int> fired;
  auto on_expired = [&](timer_id, int&& v) {
    fired.push_back(v);
    if (v == 10) {
      w.insert(50, 50);   // due later in this call: fires before 60
      w.insert(60, 61);   // tie with 60: after it
      w.insert(5, 5);     // earlier than the firing tick: fires next
      w.insert(10, 12);   // same tick: after the timers already due at 10
      w.insert(101, 101); // after now_tick: waits
    }
  };
  EXPECT_EQ(w.advance(100, on_expired), 7u);
  EXPECT_EQ(fired, (std::vector<int>{10, 5, 11, 12, 50, 60, 61}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_deadline(), 101u);
}

TEST(TimerWheel, CallbackMayCancelOtherTimers) {
  timer_wheel<int> w;
  w.insert(10, 10);
  timer_id same_tick = w.insert(10, 11);
  timer_id later = w.insert(5000, 5000);
  std::vector<int> fired;
  std::optional<std::uint64_t> cancel_self;
  auto on_expired = [&](timer_id id, int&& v) {
    fired.push_back(v);
    EXPECT_EQ(w.cancel(same_tick), 10u);
    EXPECT_EQ(w.cancel(later), 5000u);
    cancel_self = w.cancel(id);
  };
  EXPECT_EQ(w.advance(10'000, on_expired), 1u);
  EXPECT_EQ(fired, std::vector<int>{10});
  EXPECT_EQ(cancel_self, std::nullopt);
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, ThrowingCallbackLeavesOtherTimersPending) {
  timer_wheel<int> w;
  w.insert(10, 1);
  w.insert(10, 2);
  w.insert(20, 3);
  auto throw_on_one = [](timer_id, int&& v) {
    if (v == 1)
      throw std::runtime_error("boom");
  };
  EXPECT_THROW(w.advance(100, throw_on_one), std::runtime_error);
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(fire_until(w, 100), (std::vector<int>{2, 3}));
}

TEST(TimerWheel, DestroysEveryPayloadExactlyOnce) {
  counted::live = 0;
  {
    timer_wheel<counted> w;
    std::vector<timer_id> ids;
    for (int i = 0; i < 1000; ++i)
      ids.push_back(w.insert(static_cast<std::uint64_t>(i * 37), counted{i}));
    EXPECT_EQ(counted::live, 1000);
    for (int i = 0; i < 1000; i += 4)
      w.cancel(ids[static_cast<std::size_t>(i)]);
    EXPECT_EQ(counted::live, 750);
    int sum_fired = 0;
    w.advance(18'500, [&](timer_id, counted&& c) {
      EXPECT_EQ(counted::live, static_cast<int>(w.size()) + 1);
      sum_fired += 1;
      counted consumed(std::move(c));
    });
    EXPECT_EQ(counted::live, static_cast<int>(w.size()));
    EXPECT_GT(w.size(), 0u);
    EXPECT_GT(sum_fired, 0);
  }
  EXPECT_EQ(counted::live, 0); // pending ones die with the wheel
}

TEST(TimerWheel, MillionTimersInsertCancelHalfAdvanceAll) {
  timer_wheel<std::uint64_t> w;
  constexpr std::size_t n = 1'000'000;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> deadline(1, 10 * day);
  std::vector<timer_id> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t d = deadline(rng);
    ids.push_back(w.insert(d, d));
  }
  EXPECT_EQ(w.size(), n);
  EXPECT_LE(w.pool_bytes(), (n + 4096) * w.node_bytes());
  for (std::size_t i = 0; i < n; i += 2)
    EXPECT_TRUE(w.cancel(ids[i]).has_value());
  EXPECT_EQ(w.size(), n / 2);

  std::uint64_t last = 0;
  bool ordered = true;
  std::size_t fired = w.advance(10 * day, [&](timer_id, std::uint64_t&& d) {
    ordered = ordered && d >= last && d <= 10 * day;
    last = d;
  });
  EXPECT_EQ(fired, n / 2);
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.next_deadline(), std::nullopt);
}

namespace {

/// A reference model: pending timers keyed by (deadline, insertion number).
class model_checker {
public:
  explicit model_checker(std::uint64_t seed) : rng_(seed) {}

  void insert() {
    std::uint64_t d = random_deadline();
    timer_id id = wheel_.insert(d, seq_);
    key k{d, seq_++};
    model_.emplace(k, id);
    keys_.emplace(static_cast<std::uint64_t>(id), k);
    ids_.push_back(id);
  }

  void cancel() {
    if (ids_.empty())
      return;
    timer_id id = ids_[pick(ids_.size())]; // maybe already gone
    auto it = keys_.find(static_cast<std::uint64_t>(id));
    std::optional<std::uint64_t> expected;
    if (it != keys_.end()) {
      expected = it->second.first;
      model_.erase(it->second);
      keys_.erase(it);
    }
    EXPECT_EQ(wheel_.cancel(id), expected);
  }

  void advance_to(std::uint64_t now) {
    now = std::max(now, wheel_.current_tick());
    std::vector<std::uint64_t> expected;
    while (!model_.empty() && model_.begin()->first.first <= now) {
      expected.push_back(model_.begin()->first.second);
      keys_.erase(static_cast<std::uint64_t>(model_.begin()->second));
      model_.erase(model_.begin());
    }
    std::vector<std::uint64_t> fired;
    wheel_.advance(now,
                   [&](timer_id, std::uint64_t&& s) { fired.push_back(s); });
    ASSERT_EQ(fired, expected);
    ASSERT_EQ(wheel_.size(), model_.size());
  }

  void advance() { advance_to(wheel_.current_tick() + random_jump()); }

  /// next_deadline is never late; when early (a cancelled earliest timer
  /// left a stale bound), advancing to it refines it within two steps.
  /// Returns whether the first answer was exact.
  bool check_next_deadline() {
    for (int refinements = 0;; ++refinements) {
      std::optional<std::uint64_t> truth;
      if (!model_.empty())
        truth = model_.begin()->first.first;
      std::optional<std::uint64_t> got = wheel_.next_deadline();
      if (got == truth)
        return refinements == 0;
      EXPECT_TRUE(got && truth && *got < *truth);
      EXPECT_LT(refinements, 2);
      if (!got || !truth || refinements >= 2)
        return false;
      advance_to(*got);
    }
  }

private:
  using key = std::pair<std::uint64_t, std::uint64_t>;

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  std::uint64_t random_deadline() {
    std::uint64_t now = wheel_.current_tick();
    switch (pick(6)) {
    case 0:
      return now - std::min<std::uint64_t>(now, pick(100)); // past
    case 1:
      return now + pick(64);
    case 2:
      return now + pick(5000);
    case 3:
      return now + pick(300'000);
    case 4:
      return now + pick(3 * day);
    default:
      return now + 1 + pick(3); // many ties
    }
  }
  std::uint64_t random_jump() {
    switch (pick(5)) {
    case 0:
      return 0;
    case 1:
      return pick(10);
    case 2:
      return pick(4000);
    case 3:
      return pick(200'000);
    default:
      return pick(2 * day);
    }
  }

  std::mt19937_64 rng_;
  timer_wheel<std::uint64_t> wheel_;
  std::map<key, timer_id> model_;
  std::unordered_map<std::uint64_t, key> keys_;
  std::vector<timer_id> ids_;
  std::uint64_t seq_ = 0;
};

} // namespace

TEST(TimerWheel, NextDeadlineIsExactWithoutCancelsAgainstModel) {
  model_checker m(7);
  std::mt19937 rng(11);
  for (int step = 0; step < 20'000; ++step) {
    if (rng() % 3 == 0)
      m.advance();
    else
      m.insert();
    ASSERT_TRUE(m.check_next_deadline()) << "step " << step;
  }
}

TEST(TimerWheel, RandomizedOperationsMatchModel) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    model_checker m(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    int exact = 0;
    for (int step = 0; step < 20'000; ++step) {
      switch (rng() % 4) {
      case 0:
        m.advance();
        break;
      case 1:
        m.cancel();
        break;
      default:
        m.insert();
        break;
      }
      exact += m.check_next_deadline() ? 1 : 0;
      if (::testing::Test::HasFatalFailure() || ::testing::Test::HasFailure())
        FAIL() << "seed " << seed << " step " << step;
    }
    EXPECT_GT(exact, 15'000); // stale bounds are the exception
    m.advance_to(~std::uint64_t{0});
    m.check_next_deadline();
  }
}
