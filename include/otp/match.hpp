#pragma once
/// Patterns: Erlang-style matching of terms, with typed captures.
///
/// ## Usage
///
/// ```cpp
/// using namespace otp::literals; // "add"_a
/// using namespace otp::patterns; // _, _int, capture<T>, tuple(...), ...
///
/// // Test only: `match` returns bool when nothing is captured.
/// if (match(msg, tuple("ping"_a, _pid))) ...
///
/// // Capture: `match` returns std::optional<std::tuple<...>>, one element
/// // per capture<T>, in the order they appear in the pattern.
/// auto add = tuple("add"_a, capture<std::int64_t>, capture<pid>);
/// if (auto m = match(msg, add)) {
///   auto [n, from] = *m;
/// }
///
/// // Patterns are predicates, so a selective receive takes them as they
/// // are. An otp::ref (or pid, atom, number, string, term) in a pattern is
/// // a literal compared with `=:=`:
/// auto reply = receive(tuple("reply"_a, my_ref, _));
/// ```
///
/// ## Building blocks
///
/// - `_` matches anything.
/// - `_int` (bignums too), `_float`, `_number`, `_atom`, `_binary`, `_list`
///   (`[]` or a cons), `_nil`, `_cons`, `_tuple`, `_map`, `_pid`, `_ref`,
///   `_any_value` (a `term::any` of any type): a term of that kind.
/// - `capture<T>` matches what `t.is<T>()` accepts and captures what
///   `t.get<T>()` reads: `T` for integers (range checked), floating point,
///   bool, atom, pid, ref, bignum, std::string, std::string_view and
///   `term`; `const T*` for a C++ value stored with `term::any`.
/// - A value (`"ok"_a`, `42`, `true`, `2.5`, a pid, a ref, a term) matches
///   exactly that value (`=:=`: `1` does not match `1.0`).
/// - `"text"`, a std::string or a std::string_view matches the binary with
///   those bytes (strings build binaries, see term.hpp).
/// - `tuple(p...)`: a tuple of exactly that arity.
/// - `list(p...)`: a proper list of exactly that length.
/// - `cons(h, t)`: `[H | T]`, a non-empty list.
/// - `map(entry(k, p)...)`: a map holding each key `k` (compared exactly)
///   with a value matching `p`; other keys may be present, as with Erlang's
///   `#{k := P}`.
/// - `one_of(p...)`: any of the alternatives (which cannot capture).
/// - Any callable `bool(const term&)`: what it accepts.
///
/// Patterns nest freely. Matching never allocates (except to fill a
/// `capture<std::string>`); building a pattern allocates only for
/// std::string literals and literals that need a box (bignums, remote
/// refs). String-literal and string_view patterns keep a view: the text
/// must outlive the pattern (string literals always do).
///
/// Captured `std::string_view`s and `any` pointers point into the matched
/// term, so they are valid while the term is.
///
/// A pattern type of your own: derive from `otp::detail::pattern_tag`,
/// define `captures` (a std::tuple of what it captures) and
/// `template <std::size_t I, class Out> bool match_into(const term&, Out&)
/// const`, writing its captures at `std::get<I + k>(out)` unless `Out` is
/// `detail::no_captures`.

#include "otp/term.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace otp {

namespace detail {

/// Base of every pattern type (how `as_pattern` tells patterns apart from
/// literal values).
struct pattern_tag {};

/// The capture sink used when a pattern runs as a plain predicate.
struct no_captures {};

template <class P>
concept pattern = std::derived_from<P, pattern_tag>;

template <class... Tuples>
using tuple_cat_t = decltype(std::tuple_cat(std::declval<Tuples>()...));

template <class P>
inline constexpr std::size_t capture_count =
    std::tuple_size_v<typename P::captures>;

/// Offsets of each sub-pattern's captures in the combined tuple.
template <class... Ps>
constexpr std::array<std::size_t, sizeof...(Ps) + 1> capture_offsets() {
  std::array<std::size_t, sizeof...(Ps) + 1> out{};
  std::size_t counts[] = {capture_count<Ps>..., 0};
  for (std::size_t k = 0; k < sizeof...(Ps); ++k)
    out[k + 1] = out[k] + counts[k];
  return out;
}

/// `_`, `_int`, ...: tests without capturing.
template <class Test>
struct test_pattern : pattern_tag {
  using captures = std::tuple<>;
  bool operator()(const term& t) const noexcept { return Test{}(t); }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out&) const noexcept {
    return Test{}(t);
  }
};

/// An exact value, compared with `=:=`.
struct literal_pattern : pattern_tag {
  using captures = std::tuple<>;
  explicit literal_pattern(term v) noexcept : value(std::move(v)) {}
  bool operator()(const term& t) const noexcept { return t == value; }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out&) const noexcept {
    return t == value;
  }
  term value;
};

/// A binary with the given bytes; `Text` is std::string_view (a view the
/// caller keeps alive) or std::string (owned).
template <class Text>
struct binary_pattern : pattern_tag {
  using captures = std::tuple<>;
  explicit binary_pattern(Text t) : text(std::move(t)) {}
  bool operator()(const term& t) const noexcept {
    return t.is_binary() && t.as_binary() == std::string_view{text};
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out&) const noexcept {
    return (*this)(t);
  }
  Text text;
};

/// A user predicate.
template <class F>
struct predicate_pattern : pattern_tag {
  using captures = std::tuple<>;
  explicit predicate_pattern(F f) : fn(std::move(f)) {}
  bool operator()(const term& t) const { return static_cast<bool>(fn(t)); }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out&) const {
    return (*this)(t);
  }
  F fn;
};

template <class T>
inline constexpr bool always_false = false;

struct anything {
  bool operator()(const term&) const noexcept { return true; }
};

template <bool (term::*Test)() const noexcept>
struct kind_test {
  bool operator()(const term& t) const noexcept { return (t.*Test)(); }
};

/// Turns a pattern argument into a pattern: patterns stay as they are,
/// strings become binary patterns, callables predicates, and anything a
/// term can be built from a literal.
template <class T>
auto as_pattern(T&& x) {
  using D = std::remove_cvref_t<T>;
  if constexpr (pattern<D>) {
    return D(std::forward<T>(x));
  } else if constexpr (std::is_same_v<D, std::string>) {
    return binary_pattern<std::string>{std::forward<T>(x)};
  } else if constexpr (std::is_convertible_v<T, std::string_view>) {
    return binary_pattern<std::string_view>{std::string_view{x}};
  } else if constexpr (std::is_same_v<D, term>) {
    return literal_pattern{std::forward<T>(x)};
  } else if constexpr (std::predicate<const D&, const term&>) {
    return predicate_pattern<D>{std::forward<T>(x)};
  } else if constexpr (std::is_constructible_v<term, T>) {
    return literal_pattern{term(std::forward<T>(x))};
  } else {
    static_assert(always_false<T>, "otp::match: not a pattern or a value");
  }
}

template <class T>
using pattern_t = decltype(as_pattern(std::declval<T>()));

/// Runs `p` element by element over `elems` (already size-checked).
template <std::size_t I, class Out, class... Ps, std::size_t... K>
bool match_each(const std::tuple<Ps...>& ps, const term* elems, Out& out,
                std::index_sequence<K...>) {
  constexpr auto offsets = capture_offsets<Ps...>();
  return (std::get<K>(ps).template match_into<I + offsets[K]>(elems[K], out) &&
          ...);
}

} // namespace detail

inline namespace patterns {

// -- wildcards and kind tests
// ---------------------------------------------------

/// Matches anything.
inline constexpr detail::test_pattern<detail::anything> _{};
/// Any integer (bignums too).
inline constexpr detail::test_pattern<detail::kind_test<&term::is_integer>>
    _int{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_float>>
    _float{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_number>>
    _number{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_atom>>
    _atom{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_binary>>
    _binary{};
/// `[]` or a non-empty list.
inline constexpr detail::test_pattern<detail::kind_test<&term::is_list>>
    _list{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_nil>> _nil{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_cons>>
    _cons{};
/// A tuple of any arity.
inline constexpr detail::test_pattern<detail::kind_test<&term::is_tuple>>
    _tuple{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_map>> _map{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_pid>> _pid{};
inline constexpr detail::test_pattern<detail::kind_test<&term::is_ref>> _ref{};
/// A `term::any` value (of any C++ type; use `capture<T>` to check T).
inline constexpr detail::test_pattern<detail::kind_test<&term::is_any>>
    _any_value{};

// -- captures
// ---------------------------------------------------------------------

/// Matches what `t.is<T>()` accepts and captures it as `t.get<T>()` would
/// (`const T*` for `any` values).
template <class T>
struct capture_pattern : detail::pattern_tag {
  using convert = otp::detail::term_convert<T>;
  using captures = std::tuple<typename convert::capture_type>;
  bool operator()(const term& t) const noexcept { return convert::check(t); }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out& out) const {
    if constexpr (std::is_same_v<Out, detail::no_captures>)
      return convert::check(t);
    else
      return convert::capture(t, std::get<I>(out));
  }
};

template <class T>
inline constexpr capture_pattern<T> capture{};

// -- structures
// -------------------------------------------------------------------

template <class... Ps>
struct tuple_pattern : detail::pattern_tag {
  using captures = detail::tuple_cat_t<typename Ps::captures...>;
  explicit tuple_pattern(Ps... ps) : elems(std::move(ps)...) {}

  bool operator()(const term& t) const {
    detail::no_captures none;
    return match_into<0>(t, none);
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out& out) const {
    if (!t.is_tuple(sizeof...(Ps)))
      return false;
    if constexpr (sizeof...(Ps) == 0)
      return true;
    else
      return detail::match_each<I>(elems, t.elements().data(), out,
                                   std::index_sequence_for<Ps...>{});
  }

  std::tuple<Ps...> elems;
};

/// `{p1, p2, ...}`: a tuple of exactly this arity.
template <class... Ps>
[[nodiscard]] auto tuple(Ps&&... ps) {
  return tuple_pattern<detail::pattern_t<Ps>...>{
      detail::as_pattern(std::forward<Ps>(ps))...};
}

template <class... Ps>
struct list_pattern : detail::pattern_tag {
  using captures = detail::tuple_cat_t<typename Ps::captures...>;
  explicit list_pattern(Ps... ps) : elems(std::move(ps)...) {}

  bool operator()(const term& t) const {
    detail::no_captures none;
    return match_into<0>(t, none);
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out& out) const {
    return step<I, 0>(t, out);
  }

  std::tuple<Ps...> elems;

private:
  template <std::size_t I, std::size_t K, class Out>
  bool step(const term& t, Out& out) const {
    if constexpr (K == sizeof...(Ps)) {
      return t.is_nil();
    } else {
      constexpr auto offsets = detail::capture_offsets<Ps...>();
      return t.is_cons() &&
             std::get<K>(elems).template match_into<I + offsets[K]>(t.head(),
                                                                    out) &&
             step<I, K + 1>(t.tail(), out);
    }
  }
};

/// `[p1, p2, ...]`: a proper list of exactly this length.
template <class... Ps>
[[nodiscard]] auto list(Ps&&... ps) {
  return list_pattern<detail::pattern_t<Ps>...>{
      detail::as_pattern(std::forward<Ps>(ps))...};
}

template <class H, class T>
struct cons_pattern : detail::pattern_tag {
  using captures =
      detail::tuple_cat_t<typename H::captures, typename T::captures>;
  cons_pattern(H h, T t) : head(std::move(h)), tail(std::move(t)) {}

  bool operator()(const term& t) const {
    detail::no_captures none;
    return match_into<0>(t, none);
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out& out) const {
    return t.is_cons() && head.template match_into<I>(t.head(), out) &&
           tail.template match_into<I + detail::capture_count<H>>(t.tail(),
                                                                  out);
  }

  H head;
  T tail;
};

/// `[H | T]`.
template <class H, class T>
[[nodiscard]] auto cons(H&& h, T&& t) {
  return cons_pattern<detail::pattern_t<H>, detail::pattern_t<T>>{
      detail::as_pattern(std::forward<H>(h)),
      detail::as_pattern(std::forward<T>(t))};
}

/// One `key := pattern` of a map pattern.
template <class P>
struct entry_pattern {
  term key;
  P value;
};

/// `key := value` inside `map(...)`; the key is an exact value.
template <class K, class P>
[[nodiscard]] auto entry(K&& key, P&& value) {
  return entry_pattern<detail::pattern_t<P>>{
      term(std::forward<K>(key)), detail::as_pattern(std::forward<P>(value))};
}

template <class... Ps>
struct map_pattern : detail::pattern_tag {
  using captures = detail::tuple_cat_t<typename Ps::captures...>;
  explicit map_pattern(entry_pattern<Ps>... es) : entries(std::move(es)...) {}

  bool operator()(const term& t) const {
    detail::no_captures none;
    return match_into<0>(t, none);
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out& out) const {
    if (!t.is_map())
      return false;
    return each<I>(t, out, std::index_sequence_for<Ps...>{});
  }

  std::tuple<entry_pattern<Ps>...> entries;

private:
  template <std::size_t I, class Out, std::size_t... K>
  bool each(const term& t, Out& out, std::index_sequence<K...>) const {
    [[maybe_unused]] constexpr auto offsets = detail::capture_offsets<Ps...>();
    return (one<I + offsets[K]>(std::get<K>(entries), t, out) && ...);
  }
  template <std::size_t I, class P, class Out>
  static bool one(const entry_pattern<P>& e, const term& t, Out& out) {
    const term* v = t.find(e.key);
    return v && e.value.template match_into<I>(*v, out);
  }
};

/// `#{k1 := p1, ...}`: a map with at least these keys.
template <class... Ps>
[[nodiscard]] auto map(entry_pattern<Ps>... entries) {
  return map_pattern<Ps...>{std::move(entries)...};
}

template <class... Ps>
struct one_of_pattern : detail::pattern_tag {
  static_assert((detail::capture_count<Ps> + ... + 0) == 0,
                "otp::one_of: alternatives cannot capture");
  using captures = std::tuple<>;
  explicit one_of_pattern(Ps... ps) : alternatives(std::move(ps)...) {}

  bool operator()(const term& t) const {
    return std::apply([&](const auto&... p) { return (p(t) || ...); },
                      alternatives);
  }
  template <std::size_t I, class Out>
  bool match_into(const term& t, Out&) const {
    return (*this)(t);
  }

  std::tuple<Ps...> alternatives;
};

/// Any of the alternatives (which cannot capture).
template <class... Ps>
[[nodiscard]] auto one_of(Ps&&... ps) {
  return one_of_pattern<detail::pattern_t<Ps>...>{
      detail::as_pattern(std::forward<Ps>(ps))...};
}

} // namespace patterns

/// Matches `t` against `pat` (a pattern or a plain value). Without
/// captures: a bool. With captures: `std::optional<std::tuple<...>>` holding
/// them in pattern order, empty when `t` does not match.
template <class P>
[[nodiscard]] auto match(const term& t, P&& pat) {
  using pattern_type = detail::pattern_t<P>;
  using captures = typename pattern_type::captures;
  decltype(auto) p = [&]() -> decltype(auto) {
    if constexpr (detail::pattern<std::remove_cvref_t<P>>)
      return static_cast<const std::remove_cvref_t<P>&>(pat);
    else
      return detail::as_pattern(std::forward<P>(pat));
  }();
  if constexpr (std::tuple_size_v<captures> == 0) {
    detail::no_captures none;
    return p.template match_into<0>(t, none);
  } else {
    std::optional<captures> out{std::in_place};
    if (!p.template match_into<0>(t, *out))
      out.reset();
    return out;
  }
}

} // namespace otp
