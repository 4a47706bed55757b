#pragma once
/// `otp::backoff`: exponential backoff with jitter and a cap, the usual
/// policy for the delays of `otp::connection`'s `backoff(Ms)` results.
///
/// ```cpp
/// otp::backoff policy{{.initial = 100ms, .max = 30s}}; // full jitter
/// connect_result connect(const term&) {
///   if (try_connect()) { policy.reset(); return ok(); }
///   return backoff(policy.next());
/// }
/// ```
///
/// With `n` failed attempts so far (`n` = 0 for the first delay) and
/// `ceiling(n) = min(max, initial * multiplier^n)`, `next()` gives (the
/// AWS Architecture Blog's "Exponential Backoff and Jitter" policies):
///
/// - `none`: `ceiling(n)`, no randomness.
/// - `full`: uniform in `[0, ceiling(n)]`.
/// - `decorrelated`: uniform in `[initial, previous * multiplier]`, at most
///   `max`, where `previous` is the last delay (`initial` at first). AWS
///   uses a multiplier of 3 for it.
///
/// Jitter spreads the attempts of many clients of one peer so they do not
/// all retry together. With `seed` set the sequence is the same on every
/// run (for tests); without, it is seeded from std::random_device.
/// Not thread-safe: one per connection, used by its process.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace otp {

class backoff {
public:
  enum class jitter : std::uint8_t { none, full, decorrelated };

  struct options {
    /// The first delay (and, decorrelated, the smallest); at least 0.
    std::chrono::milliseconds initial{100};
    /// The cap; at least `initial`.
    std::chrono::milliseconds max{30'000};
    /// Growth per attempt; at least 1.
    double multiplier = 2.0;
    jitter kind = jitter::full;
    /// A fixed seed makes the delays reproducible.
    std::optional<std::uint64_t> seed{};
  };

  /// Full jitter from 100 ms, doubling, up to 30 s.
  backoff() : backoff(options{}) {}
  /// Throws std::invalid_argument for options out of range.
  explicit backoff(options opts);

  /// The delay before the next attempt; each call counts one more failed
  /// attempt.
  std::chrono::milliseconds next();
  /// After a success: the next delay is the first one again.
  void reset() noexcept;

  /// Failed attempts since the start or the last reset.
  [[nodiscard]] std::uint32_t attempts() const noexcept { return attempts_; }
  [[nodiscard]] const options& config() const noexcept { return opts_; }

private:
  [[nodiscard]] std::int64_t ceiling() const noexcept;
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);

  options opts_;
  std::mt19937_64 rng_;
  std::uint32_t attempts_ = 0;
  std::int64_t previous_; ///< decorrelated: the last delay (ms)
};

} // namespace otp
