#include "otp/bignum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <vector>

namespace otp {

namespace detail {

bignum_box* make_bignum_box(bool negative, std::uint32_t n) {
  void* mem = ::operator new(box_payload_offset + n * sizeof(std::uint32_t));
  return new (mem) bignum_box{negative, n};
}

} // namespace detail

namespace {

using limb_vector = std::vector<std::uint32_t>;

/// Shares the limbs with a new box, dropping leading zeros; zero is the null
/// box so every value has one representation.
detail::intrusive_ptr<detail::bignum_box>
box_from(bool negative, std::span<const std::uint32_t> limbs) {
  auto n = limbs.size();
  while (n > 0 && limbs[n - 1] == 0)
    --n;
  if (n == 0)
    return {};
  auto* b = detail::make_bignum_box(negative, static_cast<std::uint32_t>(n));
  std::copy_n(limbs.begin(), n, b->limbs());
  return detail::intrusive_ptr<detail::bignum_box>{b, false};
}

std::uint64_t low_u64(std::span<const std::uint32_t> m) noexcept {
  std::uint64_t v = 0;
  if (!m.empty())
    v = m[0];
  if (m.size() > 1)
    v |= std::uint64_t{m[1]} << 32;
  return v;
}

/// m = m * mul + add, in place (mul, add < 2^32).
void multiply_add(limb_vector& m, std::uint32_t mul, std::uint32_t add) {
  std::uint64_t carry = add;
  for (auto& limb : m) {
    std::uint64_t x = std::uint64_t{limb} * mul + carry;
    limb = static_cast<std::uint32_t>(x);
    carry = x >> 32;
  }
  if (carry != 0)
    m.push_back(static_cast<std::uint32_t>(carry));
}

/// m = m / div in place, returning the remainder.
std::uint32_t divide(limb_vector& m, std::uint32_t div) {
  std::uint64_t rem = 0;
  for (auto i = m.size(); i-- > 0;) {
    std::uint64_t x = (rem << 32) | m[i];
    m[i] = static_cast<std::uint32_t>(x / div);
    rem = x % div;
  }
  while (!m.empty() && m.back() == 0)
    m.pop_back();
  return static_cast<std::uint32_t>(rem);
}

} // namespace

bignum bignum::from_int(std::int64_t v) {
  if (v >= 0)
    return from_int(static_cast<std::uint64_t>(v));
  // Negate in unsigned arithmetic: -INT64_MIN does not fit int64.
  auto mag = std::uint64_t{0} - static_cast<std::uint64_t>(v);
  const std::uint32_t limbs[2] = {static_cast<std::uint32_t>(mag),
                                  static_cast<std::uint32_t>(mag >> 32)};
  return bignum{box_from(true, limbs)};
}

bignum bignum::from_int(std::uint64_t v) {
  const std::uint32_t limbs[2] = {static_cast<std::uint32_t>(v),
                                  static_cast<std::uint32_t>(v >> 32)};
  return bignum{box_from(false, limbs)};
}

std::optional<bignum> bignum::parse(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty())
    return std::nullopt;
  limb_vector mag;
  // Nine decimal digits at a time: 10^9 < 2^32.
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint32_t chunk = 0;
    std::uint32_t scale = 1;
    for (int k = 0; k < 9 && i < text.size(); ++k, ++i) {
      char c = text[i];
      if (c < '0' || c > '9')
        return std::nullopt;
      chunk = chunk * 10 + static_cast<std::uint32_t>(c - '0');
      scale *= 10;
    }
    multiply_add(mag, scale, chunk);
  }
  return bignum{box_from(negative, mag)};
}

bignum bignum::from_magnitude(bool negative,
                              std::span<const std::uint32_t> limbs) {
  return bignum{box_from(negative, limbs)};
}

std::optional<std::int64_t> bignum::to_int64() const noexcept {
  auto m = magnitude();
  if (m.size() > 2)
    return std::nullopt;
  auto mag = low_u64(m);
  constexpr auto max =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!is_negative())
    return mag <= max ? std::optional{static_cast<std::int64_t>(mag)}
                      : std::nullopt;
  if (mag > max + 1)
    return std::nullopt;
  // Two's complement negation in unsigned arithmetic, then a value-preserving
  // conversion (C++20 defines it modulo 2^64).
  return static_cast<std::int64_t>(std::uint64_t{0} - mag);
}

std::optional<std::uint64_t> bignum::to_uint64() const noexcept {
  auto m = magnitude();
  if (m.size() > 2 || (is_negative() && !m.empty()))
    return std::nullopt;
  return low_u64(m);
}

std::optional<double> bignum::to_double() const noexcept {
  // Erlang's big_to_double: 64-bit digits from the most significant one,
  // d = d * 2^64 + digit, each step rounded. Copying it (rather than rounding
  // once) keeps float(N) identical on both sides of a connection.
  auto m = magnitude();
  constexpr double base = 18446744073709551616.0; // 2^64
  double d = 0.0;
  auto digits = (m.size() + 1) / 2;
  for (auto k = digits; k-- > 0;) {
    std::uint64_t digit = m[2 * k];
    if (2 * k + 1 < m.size())
      digit |= std::uint64_t{m[2 * k + 1]} << 32;
    d = d * base + static_cast<double>(digit);
    if (std::isinf(d))
      return std::nullopt;
  }
  return is_negative() ? -d : d;
}

std::string bignum::to_string() const {
  auto m = magnitude();
  if (m.empty())
    return "0";
  limb_vector work(m.begin(), m.end());
  std::string digits; // least significant first
  while (!work.empty()) {
    auto rem = divide(work, 1'000'000'000);
    for (int k = 0; k < 9; ++k) {
      digits.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
      if (work.empty() && rem == 0)
        break;
    }
  }
  if (is_negative())
    digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

bool operator==(const bignum& a, const bignum& b) noexcept {
  if (a.box_ == b.box_)
    return true;
  return a.is_negative() == b.is_negative() &&
         std::ranges::equal(a.magnitude(), b.magnitude());
}

std::strong_ordering operator<=>(const bignum& a, const bignum& b) noexcept {
  auto sign = [](const bignum& x) {
    return x.is_zero() ? 0 : (x.is_negative() ? -1 : 1);
  };
  if (auto c = sign(a) <=> sign(b); c != 0)
    return c;
  auto ma = a.magnitude();
  auto mb = b.magnitude();
  auto mag = ma.size() <=> mb.size();
  for (auto i = ma.size(); mag == 0 && i-- > 0;)
    mag = ma[i] <=> mb[i];
  // Same sign: a larger magnitude is larger only for positive numbers.
  return a.is_negative() ? 0 <=> mag : mag;
}

std::size_t bignum::hash() const noexcept {
  std::size_t h = is_negative() ? 0x9e3779b97f4a7c15ULL : 0;
  for (auto limb : magnitude())
    h = (h ^ limb) * 0x100000001b3ULL;
  return h;
}

} // namespace otp
