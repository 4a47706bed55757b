#pragma once
/// How `term::get<T>`, `try_get<T>`, `is<T>` and `capture<T>` patterns read
/// a C++ type out of a term. Each converter has:
///
/// - `check(t)`: whether the read would succeed (never allocates);
/// - `try_get(t)`: `std::optional<T>`, or a pointer for values kept inside
///   the term (`any` values, `term`);
/// - `get(t)`: the value, or bad_term_access;
/// - `capture_type` and `capture(t, out)`: what a match pattern stores.
///
/// Included by `otp/detail/term_impl.hpp`.

#include "otp/term.hpp"

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

namespace otp::detail {

/// Values stored with `term::any`: checked by exact type.
template <class T>
struct term_convert {
  static constexpr bool stores_any = true;
  using capture_type = const T*;

  [[nodiscard]] static const T* try_get(const term& t) noexcept {
    if (term_access::tag_of(t) != tag::any)
      return nullptr;
    auto* b = static_cast<const any_box*>(term_access::box_of(t));
    if (*b->type != typeid(T))
      return nullptr;
    return &static_cast<const any_box_of<T>*>(b)->value;
  }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return try_get(t) != nullptr;
  }
  [[nodiscard]] static const T& get(const term& t) {
    if (auto* p = try_get(t))
      return *p;
    throw_bad_any(t, typeid(T));
  }
  static bool capture(const term& t, capture_type& out) noexcept {
    out = try_get(t);
    return out != nullptr;
  }
};

/// Converters that produce a value: `try_get` is `check` then `convert`.
template <class T, class Self>
struct value_convert {
  static constexpr bool stores_any = false;
  using capture_type = T;

  [[nodiscard]] static std::optional<T> try_get(const term& t) {
    if (!Self::check(t))
      return std::nullopt;
    return Self::convert(t);
  }
  [[nodiscard]] static T get(const term& t) {
    if (!Self::check(t))
      throw bad_term_access(Self::expected(), t.kind());
    return Self::convert(t);
  }
  static bool capture(const term& t, capture_type& out) {
    if (!Self::check(t))
      return false;
    out = Self::convert(t);
    return true;
  }
};

template <>
struct term_convert<term> {
  static constexpr bool stores_any = false;
  using capture_type = term;

  [[nodiscard]] static bool check(const term&) noexcept { return true; }
  [[nodiscard]] static const term* try_get(const term& t) noexcept {
    return &t;
  }
  [[nodiscard]] static const term& get(const term& t) noexcept { return t; }
  static bool capture(const term& t, capture_type& out) noexcept {
    out = t;
    return true;
  }
};

/// Integrals: integers in range (a uint64 beyond int64 is a bignum).
template <integer I>
struct term_convert<I> : value_convert<I, term_convert<I>> {
  [[nodiscard]] static std::string_view expected() noexcept {
    return "integer in range";
  }
  [[nodiscard]] static bool check(const term& t) noexcept {
    if (term_access::tag_of(t) == tag::small_int)
      return std::in_range<I>(small(t));
    if constexpr (std::is_unsigned_v<I> && sizeof(I) == 8)
      return term_access::tag_of(t) == tag::big_int &&
             t.as_bignum().to_uint64().has_value();
    return false;
  }
  [[nodiscard]] static I convert(const term& t) noexcept {
    if (term_access::tag_of(t) == tag::small_int)
      return static_cast<I>(small(t));
    return static_cast<I>(*t.as_bignum().to_uint64());
  }
  /// Names the range and the value: "expected integer in [0, 255], got 300".
  [[nodiscard]] static I get(const term& t) {
    if (!check(t))
      throw_bad_integer(t, std::numeric_limits<I>::min(),
                        std::numeric_limits<I>::max());
    return convert(t);
  }

private:
  static std::int64_t small(const term& t) noexcept {
    return static_cast<std::int64_t>(term_access::word_of(t));
  }
};

/// bool: the atoms `true` and `false`.
template <>
struct term_convert<bool> : value_convert<bool, term_convert<bool>> {
  [[nodiscard]] static std::string_view expected() noexcept {
    return "boolean";
  }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_atom(atoms::true_) || t.is_atom(atoms::false_);
  }
  [[nodiscard]] static bool convert(const term& t) noexcept {
    return t.is_atom(atoms::true_);
  }
};

/// Floating point: floats only (as Erlang's `is_float`).
template <std::floating_point F>
struct term_convert<F> : value_convert<F, term_convert<F>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "float"; }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_float();
  }
  [[nodiscard]] static F convert(const term& t) noexcept {
    return static_cast<F>(t.as_double());
  }
};

template <>
struct term_convert<atom> : value_convert<atom, term_convert<atom>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "atom"; }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_atom();
  }
  [[nodiscard]] static atom convert(const term& t) noexcept {
    return t.as_atom();
  }
};

template <>
struct term_convert<pid> : value_convert<pid, term_convert<pid>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "pid"; }
  [[nodiscard]] static bool check(const term& t) noexcept { return t.is_pid(); }
  [[nodiscard]] static const pid& convert(const term& t) noexcept {
    return t.as_pid();
  }
  /// No refcount traffic for a plain read.
  [[nodiscard]] static const pid& get(const term& t) { return t.as_pid(); }
};

template <>
struct term_convert<ref> : value_convert<ref, term_convert<ref>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "ref"; }
  [[nodiscard]] static bool check(const term& t) noexcept { return t.is_ref(); }
  [[nodiscard]] static ref convert(const term& t) { return t.as_ref(); }
};

template <>
struct term_convert<bignum> : value_convert<bignum, term_convert<bignum>> {
  [[nodiscard]] static std::string_view expected() noexcept {
    return "integer";
  }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_integer();
  }
  [[nodiscard]] static bignum convert(const term& t) { return t.as_bignum(); }
};

/// Binaries as text (bytes, no encoding check).
template <>
struct term_convert<std::string_view>
    : value_convert<std::string_view, term_convert<std::string_view>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "binary"; }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_binary();
  }
  [[nodiscard]] static std::string_view convert(const term& t) noexcept {
    return t.as_binary();
  }
};

template <>
struct term_convert<std::string>
    : value_convert<std::string, term_convert<std::string>> {
  [[nodiscard]] static std::string_view expected() noexcept { return "binary"; }
  [[nodiscard]] static bool check(const term& t) noexcept {
    return t.is_binary();
  }
  [[nodiscard]] static std::string convert(const term& t) {
    return std::string{t.as_binary()};
  }
};

} // namespace otp::detail
