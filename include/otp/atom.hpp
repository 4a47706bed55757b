#pragma once
/// Atoms: interned names, compared as integers.
///
/// The atom table is shared by the whole OS process (one node per process is
/// the expected deployment) and never shrinks, as in the BEAM. Interning takes
/// a lock; reading an atom's text does not. `"name"_a` interns once per
/// literal and costs a guard check afterwards.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace otp {

class atom {
public:
  /// The empty atom `''`.
  constexpr atom() noexcept = default;

  /// Interns `text` (at most 255 bytes of UTF-8, as in Erlang). Thread-safe.
  /// Throws std::length_error for longer text.
  explicit atom(std::string_view text);

  /// Whether `text` is already an atom (never interns). Thread-safe.
  [[nodiscard]] static bool exists(std::string_view text) noexcept;

  /// The atom's text. Thread-safe; the view lives as long as the program.
  [[nodiscard]] std::string_view text() const noexcept;

  /// The atom's index in the table: stable for the life of the program.
  [[nodiscard]] constexpr std::uint32_t index() const noexcept {
    return index_;
  }
  [[nodiscard]] static constexpr atom from_index(std::uint32_t i) noexcept {
    atom a;
    a.index_ = i;
    return a;
  }

  friend constexpr bool operator==(atom, atom) noexcept = default;

private:
  std::uint32_t index_ = 0;
};

/// Erlang's term order for atoms: by text, not by index.
[[nodiscard]] std::strong_ordering compare_text(atom a, atom b) noexcept;

/// Atoms every part of the runtime uses, at fixed indices so they are
/// constants. The table is seeded with them in this order.
namespace atoms {
// clang-format off
inline constexpr atom empty          = atom::from_index(0);  // ''
inline constexpr atom false_         = atom::from_index(1);
inline constexpr atom true_          = atom::from_index(2);
inline constexpr atom undefined      = atom::from_index(3);
inline constexpr atom ok             = atom::from_index(4);
inline constexpr atom error          = atom::from_index(5);
inline constexpr atom normal         = atom::from_index(6);
inline constexpr atom kill           = atom::from_index(7);
inline constexpr atom killed         = atom::from_index(8);
inline constexpr atom shutdown       = atom::from_index(9);
inline constexpr atom noproc         = atom::from_index(10);
inline constexpr atom noconnection   = atom::from_index(11);
inline constexpr atom EXIT           = atom::from_index(12);
inline constexpr atom DOWN           = atom::from_index(13);
inline constexpr atom process        = atom::from_index(14);
inline constexpr atom timeout        = atom::from_index(15);
inline constexpr atom infinity       = atom::from_index(16);
inline constexpr atom badarg         = atom::from_index(17);
inline constexpr atom nonode         = atom::from_index(18);  // nonode@nohost
inline constexpr atom exception      = atom::from_index(19);
inline constexpr atom nil            = atom::from_index(20);
inline constexpr atom already_registered = atom::from_index(21);
inline constexpr atom not_alive      = atom::from_index(22);
inline constexpr atom running        = atom::from_index(23);
inline constexpr atom runnable       = atom::from_index(24);
inline constexpr atom waiting        = atom::from_index(25);
inline constexpr atom exiting        = atom::from_index(26);
inline constexpr atom flush          = atom::from_index(27);
inline constexpr atom gen_call       = atom::from_index(28);  // '$gen_call'
inline constexpr atom gen_cast       = atom::from_index(29);  // '$gen_cast'
inline constexpr atom alias          = atom::from_index(30);
inline constexpr atom system         = atom::from_index(31);
inline constexpr atom ack            = atom::from_index(32);
inline constexpr atom reply          = atom::from_index(33);
inline constexpr atom noreply        = atom::from_index(34);
inline constexpr atom stop           = atom::from_index(35);
inline constexpr atom continue_      = atom::from_index(36);  // 'continue'
inline constexpr atom hibernate      = atom::from_index(37);
inline constexpr atom bad_return_value = atom::from_index(38);
inline constexpr atom calling_self   = atom::from_index(39);
inline constexpr atom gen_server     = atom::from_index(40);
inline constexpr atom call           = atom::from_index(41);
inline constexpr atom suspended      = atom::from_index(42);
// clang-format on
inline constexpr std::uint32_t seeded_count = 43;
} // namespace atoms

namespace detail {
/// A string literal usable as a template argument, for `_a`.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i)
      chars[i] = s[i];
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept {
    return {chars, N - 1};
  }
};
} // namespace detail

inline namespace literals {
/// `"add"_a` is the atom `add`, interned once per distinct literal.
/// Always inline: after the first use it is a guard check and a load,
/// where a call would cost handler code more than the match it serves.
template <detail::fixed_string S>
[[nodiscard, gnu::always_inline]] inline atom operator""_a() {
  static const atom interned{S.view()};
  return interned;
}
} // namespace literals

} // namespace otp

template <>
struct std::hash<otp::atom> {
  std::size_t operator()(otp::atom a) const noexcept { return a.index(); }
};
