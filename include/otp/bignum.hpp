#pragma once
/// `otp::bignum`: an integer of any size, as Erlang has them.
///
/// Terms keep integers that fit int64 inline; anything larger lives in a
/// refcounted bignum box, and `otp::bignum` is a handle to such a box (a copy
/// shares it). It exists so such integers can be carried, compared, printed
/// and encoded exactly. There is deliberately no arithmetic: otp++ moves
/// Erlang values around, it does not compute with them.

#include "otp/detail/intrusive_ptr.hpp"
#include "otp/detail/term_box.hpp"

#include <compare>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace otp {

class term;

namespace detail {
/// Built-in integers other than bool (which terms treat as an atom).
template <class T>
concept integer = std::integral<T> && !std::same_as<T, bool>;
} // namespace detail

class bignum {
public:
  /// Zero.
  bignum() noexcept = default;

  /// Any built-in integer (bool excluded).
  template <detail::integer I>
  explicit bignum(I value) : bignum(from_int(value)) {}

  /// Parses an optional sign and decimal digits (`"-123"`, `"+7"`). Returns
  /// nothing for anything else (empty text, other characters, no digits).
  [[nodiscard]] static std::optional<bignum> parse(std::string_view decimal);

  /// From sign and magnitude (32-bit limbs, least significant first; leading
  /// zero limbs are allowed and dropped). For decoders.
  [[nodiscard]] static bignum
  from_magnitude(bool negative, std::span<const std::uint32_t> limbs);

  [[nodiscard]] bool is_negative() const noexcept {
    return box_ && box_->negative;
  }
  [[nodiscard]] bool is_zero() const noexcept { return !box_; }

  /// The magnitude: 32-bit limbs, least significant first, no leading zero
  /// limbs (empty for zero).
  [[nodiscard]] std::span<const std::uint32_t> magnitude() const noexcept {
    if (!box_)
      return {};
    return {box_->limbs(), box_->size};
  }

  /// The value if it fits.
  [[nodiscard]] std::optional<std::int64_t> to_int64() const noexcept;
  [[nodiscard]] std::optional<std::uint64_t> to_uint64() const noexcept;

  /// The nearest double as Erlang's `float/1` computes it (64 bits at a time
  /// from the most significant end, so a few values round differently from
  /// a correctly rounded conversion, exactly as in Erlang). Nothing if the
  /// value is beyond the range of double (Erlang fails with badarg).
  [[nodiscard]] std::optional<double> to_double() const noexcept;

  /// Decimal text, with a leading `-` when negative.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const bignum& a, const bignum& b) noexcept;
  friend std::strong_ordering operator<=>(const bignum& a,
                                          const bignum& b) noexcept;

  [[nodiscard]] std::size_t hash() const noexcept;

private:
  friend class term;

  explicit bignum(detail::intrusive_ptr<detail::bignum_box> b) noexcept
      : box_(std::move(b)) {}

  static bignum from_int(std::int64_t v);
  static bignum from_int(std::uint64_t v);
  template <std::integral I>
  static bignum from_int(I v) {
    if constexpr (std::is_signed_v<I>)
      return from_int(static_cast<std::int64_t>(v));
    else
      return from_int(static_cast<std::uint64_t>(v));
  }

  detail::intrusive_ptr<detail::bignum_box> box_; // null means zero
};

[[nodiscard]] inline std::string to_string(const bignum& b) {
  return b.to_string();
}

} // namespace otp

template <>
struct std::hash<otp::bignum> {
  std::size_t operator()(const otp::bignum& b) const noexcept {
    return b.hash();
  }
};
