// The runtime's small maps: flat_table (open addressing) and small_map
// (a vector while small, a flat_table once large).

#include "otp/detail/small_map.hpp"

#include <cstdint>
#include <gtest/gtest.h>

namespace {

using otp::detail::counter_hash;
using otp::detail::flat_table;
using otp::detail::small_map;

/// Every key in one probe run: erases must shift the run back.
struct one_slot_hash {
  std::size_t operator()(std::uint64_t) const noexcept { return 0; }
};

TEST(FlatTable, InsertKeepsTheFirstValueOfAKey) {
  flat_table<std::uint64_t, int, counter_hash> t{8};
  EXPECT_TRUE(t.insert(7, 1));
  EXPECT_FALSE(t.insert(7, 2));
  EXPECT_EQ(t.size(), 1U);
  EXPECT_EQ(t.extract(7), 1);
}

TEST(FlatTable, InsertOrAssignReplacesTheValueOfAKeyThatIsThere) {
  flat_table<std::uint64_t, int, counter_hash> t{8};
  t.insert_or_assign(7, 1);
  t.insert_or_assign(7, 2);
  t.insert_or_assign(8, 3);
  EXPECT_EQ(t.size(), 2U);
  EXPECT_EQ(t.extract(7), 2);
  EXPECT_EQ(t.extract(8), 3);
  EXPECT_EQ(t.size(), 0U);
}

TEST(FlatTable, ExtractKeepsTheRestOfAProbeRunReachable) {
  flat_table<std::uint64_t, int, one_slot_hash> t{8};
  for (std::uint64_t k = 1; k <= 3; ++k)
    t.insert(k, static_cast<int>(k));
  EXPECT_EQ(t.extract(1), 1);
  EXPECT_TRUE(t.contains(2));
  EXPECT_TRUE(t.contains(3));
  EXPECT_FALSE(t.extract(1).has_value());
  t.insert_or_assign(3, 30); // found past the shifted hole, not added again
  EXPECT_EQ(t.size(), 2U);
  EXPECT_EQ(t.extract(3), 30);
  EXPECT_EQ(t.extract(2), 2);
}

TEST(FlatTable, GrowsKeepingEveryEntry) {
  flat_table<std::uint64_t, std::uint64_t, counter_hash> t{8};
  for (std::uint64_t k = 1; k <= 1000; ++k)
    t.insert_or_assign(k, k * 2);
  EXPECT_EQ(t.size(), 1000U);
  for (std::uint64_t k = 1; k <= 1000; ++k)
    ASSERT_EQ(t.extract(k), k * 2) << k;
}

TEST(SmallMap, MovesToATableWhenLargeAndKeepsEveryEntry) {
  small_map<std::uint64_t, int, counter_hash> m;
  const auto n = small_map<std::uint64_t, int>::linear_limit * 3;
  for (std::uint64_t k = 0; k < n; ++k)
    EXPECT_TRUE(m.insert(k, static_cast<int>(k)));
  EXPECT_FALSE(m.insert(0, -1));
  EXPECT_EQ(m.size(), n);
  for (std::uint64_t k = 0; k < n; ++k)
    ASSERT_EQ(m.extract(k), static_cast<int>(k)) << k;
  EXPECT_TRUE(m.empty());
}

} // namespace
