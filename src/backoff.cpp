#include "otp/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace otp {

namespace {

std::mt19937_64 make_rng(const std::optional<std::uint64_t>& seed) {
  if (seed)
    return std::mt19937_64{*seed};
  std::random_device device;
  std::seed_seq seq{device(), device(), device(), device()};
  return std::mt19937_64{seq};
}

} // namespace

backoff::backoff(options opts)
    : opts_(opts), rng_(make_rng(opts.seed)), previous_(opts.initial.count()) {
  if (opts_.initial.count() < 0)
    throw std::invalid_argument("otp::backoff: initial < 0");
  if (opts_.max < opts_.initial)
    throw std::invalid_argument("otp::backoff: max < initial");
  if (!(opts_.multiplier >= 1.0) || !std::isfinite(opts_.multiplier))
    throw std::invalid_argument("otp::backoff: multiplier < 1");
}

std::int64_t backoff::ceiling() const noexcept {
  // In floating point, so a long run of attempts saturates at the cap
  // instead of overflowing.
  const double max = static_cast<double>(opts_.max.count());
  const double grown = static_cast<double>(opts_.initial.count()) *
                       std::pow(opts_.multiplier, attempts_);
  return static_cast<std::int64_t>(std::min(grown, max));
}

std::int64_t backoff::uniform(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>{lo, hi}(rng_);
}

std::chrono::milliseconds backoff::next() {
  std::int64_t delay = 0;
  switch (opts_.kind) {
  case jitter::none:
    delay = ceiling();
    break;
  case jitter::full:
    delay = uniform(0, ceiling());
    break;
  case jitter::decorrelated: {
    const double max = static_cast<double>(opts_.max.count());
    const double grown = std::min(
        // At least 1 ms to grow from, so an initial of 0 still grows.
        static_cast<double>(std::max<std::int64_t>(previous_, 1)) *
            opts_.multiplier,
        max);
    const auto hi =
        std::max(opts_.initial.count(), static_cast<std::int64_t>(grown));
    delay = uniform(opts_.initial.count(), hi);
    previous_ = delay;
    break;
  }
  }
  if (attempts_ < UINT32_MAX)
    ++attempts_;
  return std::chrono::milliseconds{delay};
}

void backoff::reset() noexcept {
  attempts_ = 0;
  previous_ = opts_.initial.count();
}

} // namespace otp
