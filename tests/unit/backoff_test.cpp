// backoff: exponential delays with a cap, full and decorrelated jitter,
// reproducible with a seed, reset after a success.

#include "otp/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace backoff_test {

std::vector<milliseconds> take(otp::backoff& b, int n) {
  std::vector<milliseconds> out;
  for (int i = 0; i < n; ++i)
    out.push_back(b.next());
  return out;
}

otp::backoff::options opts(otp::backoff::jitter kind,
                           std::optional<std::uint64_t> seed = 42) {
  return {.initial = 100ms,
          .max = 2s,
          .multiplier = 2.0,
          .kind = kind,
          .seed = seed};
}

TEST(Backoff, WithoutJitterGrowsExponentiallyUpToTheCap) {
  otp::backoff b{opts(otp::backoff::jitter::none)};
  EXPECT_EQ(take(b, 7), (std::vector<milliseconds>{100ms, 200ms, 400ms, 800ms,
                                                   1600ms, 2s, 2s}));
  EXPECT_EQ(b.attempts(), 7u);
}

TEST(Backoff, ResetStartsOverAfterASuccess) {
  for (auto kind : {otp::backoff::jitter::none, otp::backoff::jitter::full,
                    otp::backoff::jitter::decorrelated}) {
    otp::backoff b{opts(kind)};
    (void)take(b, 10);
    b.reset();
    EXPECT_EQ(b.attempts(), 0u);
    if (kind == otp::backoff::jitter::none)
      EXPECT_EQ(b.next(), 100ms);
    else
      EXPECT_LE(b.next(), 200ms); // within the first step's range again
  }
}

TEST(Backoff, FullJitterStaysUnderTheExponentialCeiling) {
  otp::backoff b{opts(otp::backoff::jitter::full)};
  std::set<milliseconds::rep> seen;
  for (int n = 0; n < 200; ++n) {
    const double ceiling = std::min(100.0 * std::pow(2.0, n), 2000.0);
    auto d = b.next();
    EXPECT_GE(d, 0ms);
    EXPECT_LE(static_cast<double>(d.count()), ceiling) << "attempt " << n;
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 50u); // jittered, not a fixed sequence
}

TEST(Backoff, DecorrelatedJitterStaysBetweenInitialAndCap) {
  otp::backoff b{opts(otp::backoff::jitter::decorrelated)};
  auto previous = 100ms;
  std::set<milliseconds::rep> seen;
  for (int n = 0; n < 200; ++n) {
    auto d = b.next();
    EXPECT_GE(d, 100ms);
    EXPECT_LE(d, 2s);
    EXPECT_LE(d, std::max(100ms, previous * 2)); // grows at most ×multiplier
    previous = d;
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 50u);
}

TEST(Backoff, TheSameSeedGivesTheSameDelays) {
  for (auto kind :
       {otp::backoff::jitter::full, otp::backoff::jitter::decorrelated}) {
    otp::backoff a{opts(kind, 7)};
    otp::backoff b{opts(kind, 7)};
    otp::backoff c{opts(kind, 8)};
    auto da = take(a, 30);
    EXPECT_EQ(da, take(b, 30));
    EXPECT_NE(da, take(c, 30));
  }
}

TEST(Backoff, ManyAttemptsSaturateAtTheCap) {
  otp::backoff b{{.initial = 1ms,
                  .max = 1h,
                  .multiplier = 10.0,
                  .kind = otp::backoff::jitter::none}};
  milliseconds last{};
  for (int n = 0; n < 10'000; ++n)
    last = b.next();
  EXPECT_EQ(last, 1h);
}

TEST(Backoff, ZeroInitialDecorrelatedStillGrows) {
  otp::backoff b{{.initial = 0ms,
                  .max = 1s,
                  .multiplier = 3.0,
                  .kind = otp::backoff::jitter::decorrelated,
                  .seed = 1}};
  auto d = take(b, 100);
  EXPECT_GT(*std::max_element(d.begin(), d.end()), 100ms);
}

TEST(Backoff, DefaultsAreFullJitterFrom100msTo30s) {
  otp::backoff b;
  EXPECT_EQ(b.config().initial, 100ms);
  EXPECT_EQ(b.config().max, 30s);
  EXPECT_EQ(b.config().kind, otp::backoff::jitter::full);
  EXPECT_LE(b.next(), 100ms);
}

TEST(Backoff, RejectsOptionsOutOfRange) {
  using o = otp::backoff::options;
  EXPECT_THROW(otp::backoff(o{.initial = -1ms}), std::invalid_argument);
  EXPECT_THROW(otp::backoff(o{.initial = 2s, .max = 1s}),
               std::invalid_argument);
  EXPECT_THROW(otp::backoff(o{.multiplier = 0.5}), std::invalid_argument);
}

} // namespace backoff_test
