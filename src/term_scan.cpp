// Scanning Erlang term text into tokens, as erl_scan does: names, numbers,
// quoted atoms and strings with their escapes, punctuation.

#include "term_scan.hpp"

#include "utf8.hpp"

#include <charconv>
#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace otp::term_parse_impl {

using internal::next_code_point;
using internal::put_utf8;

// -- characters ---------------------------------------------------------------

// erl_scan's character classes, which cover Latin-1 only: `ünï` is an atom,
// `Ünï` a variable, and other non-ASCII letters need quotes.
bool atom_start(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
bool variable_start(char32_t c) noexcept {
  return (c >= 'A' && c <= 'Z') || c == '_' ||
         (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
bool name_char(char32_t c) noexcept {
  return atom_start(c) || variable_start(c) || (c >= '0' && c <= '9') ||
         c == '@';
}
bool blank(char c) noexcept {
  // erl_scan treats every control character as white space.
  return static_cast<unsigned char>(c) <= ' ';
}

/// The value of `c` as a digit, or 36 for a non-digit (above every base).
unsigned digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'z')
    return static_cast<unsigned>(c - 'a') + 10;
  if (c >= 'A' && c <= 'Z')
    return static_cast<unsigned>(c - 'A') + 10;
  return 36;
}

/// A non-negative integer from digits in `base`, through 32-bit limbs so any
/// size works. Digits are taken in chunks that fit a limb, so long numbers
/// cost one pass over the limbs per chunk rather than per digit.
term integer_from_digits(std::string_view digits, unsigned base) {
  std::vector<std::uint32_t> magnitude;
  std::size_t i = 0;
  while (i < digits.size()) {
    std::uint64_t chunk = 0;
    std::uint64_t scale = 1;
    for (; i < digits.size() &&
           scale * base <= std::numeric_limits<std::uint32_t>::max();
         ++i) {
      chunk = chunk * base + digit_value(digits[i]);
      scale *= base;
    }
    std::uint64_t carry = chunk;
    for (auto& limb : magnitude) {
      std::uint64_t v = std::uint64_t{limb} * scale + carry;
      limb = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0)
      magnitude.push_back(static_cast<std::uint32_t>(carry));
  }
  return term{bignum::from_magnitude(false, magnitude)};
}

/// The scanning state of one `lexer::next` call: the text and a position.
class scanner {
public:
  scanner(std::string_view text, std::size_t pos) noexcept
      : text_(text), pos_(pos) {}

  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }

  /// Reads the next token into `t` (reusing its storage); at the end of the
  /// text, `end` tokens forever.
  void next(token& t) {
    skip_blanks();
    t.begin = pos_;
    t.value = term{};
    t.chars.clear();
    auto made = read(t);
    if (!made) {
      t.kind = token_kind::error;
      t.error = std::move(made).error();
      pos_ = text_.size(); // nothing after an error is worth reading
    }
    t.end = pos_;
  }

private:
  [[nodiscard]] char peek(std::size_t ahead = 0) const noexcept {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  [[nodiscard]] bool at_end(std::size_t ahead = 0) const noexcept {
    return pos_ + ahead >= text_.size();
  }

  void skip_blanks() noexcept {
    while (!at_end()) {
      if (blank(peek())) {
        ++pos_;
      } else if (peek() == '%') {
        while (!at_end() && peek() != '\n')
          ++pos_;
      } else {
        return;
      }
    }
  }

  static expected<void, failure> fail(std::size_t offset, std::string why) {
    return unexpected(failure{offset, std::move(why)});
  }

  /// Fills in `t` (begun at `pos_`, which is not blank).
  expected<void, failure> read(token& t) {
    if (at_end()) {
      t.kind = token_kind::end;
      return {};
    }
    char c = peek();
    if (c >= '0' && c <= '9')
      return number(t);
    switch (c) {
    case '\'': {
      auto chars = quoted('\'', "atom");
      if (!chars)
        return unexpected(std::move(chars).error());
      return make_atom(t, *chars);
    }
    case '"': {
      auto chars = quoted('"', "string");
      if (!chars)
        return unexpected(std::move(chars).error());
      t.kind = token_kind::string;
      t.chars = std::move(*chars);
      return {};
    }
    case '$':
      return character(t);
    case '.':
      // A dot ends a term only before white space, a comment or the end;
      // otherwise it is a stray `.` (as in `a.b`).
      ++pos_;
      t.kind = at_end() || blank(peek()) || peek() == '%' ? token_kind::dot
                                                          : token_kind::other;
      return {};
    case '<':
      return punct(t, peek(1) == '<' ? token_kind::bin_open : token_kind::other,
                   peek(1) == '<' ? 2 : 1);
    case '>':
      return punct(t,
                   peek(1) == '>' ? token_kind::bin_close : token_kind::other,
                   peek(1) == '>' ? 2 : 1);
    case '=':
      return punct(t, peek(1) == '>' ? token_kind::arrow : token_kind::other,
                   peek(1) == '>' ? 2 : 1);
    case '{':
      return punct(t, token_kind::lbrace, 1);
    case '}':
      return punct(t, token_kind::rbrace, 1);
    case '[':
      return punct(t, token_kind::lbracket, 1);
    case ']':
      return punct(t, token_kind::rbracket, 1);
    case '|':
      // `||` is one token in Erlang (list comprehensions): stray here.
      return punct(t, peek(1) == '|' ? token_kind::other : token_kind::bar,
                   peek(1) == '|' ? 2 : 1);
    case ',':
      return punct(t, token_kind::comma, 1);
    case '#':
      return punct(t, token_kind::hash, 1);
    case '-':
      return punct(t, token_kind::minus, 1);
    case '+':
      return punct(t, token_kind::plus, 1);
    default:
      break;
    }
    std::size_t after = pos_;
    char32_t cp = next_code_point(text_, after);
    if (atom_start(cp) || variable_start(cp))
      return name(t);
    t.kind = token_kind::other;
    pos_ = after;
    return {};
  }

  expected<void, failure> punct(token& t, token_kind kind, std::size_t len) {
    t.kind = kind;
    pos_ += len;
    return {};
  }

  /// An unquoted atom or a variable.
  expected<void, failure> name(token& t) {
    std::u32string chars;
    while (!at_end()) {
      std::size_t after = pos_;
      char32_t cp = next_code_point(text_, after);
      if (!name_char(cp))
        break;
      chars += cp;
      pos_ = after;
    }
    if (variable_start(chars.front())) {
      t.kind = token_kind::variable;
      return {};
    }
    return make_atom(t, chars);
  }

  expected<void, failure> make_atom(token& t, const std::u32string& chars) {
    // Erlang's limit; the atom table would throw past it.
    if (chars.size() > 255)
      return fail(t.begin, "atom too long (more than 255 characters)");
    std::string utf8;
    for (char32_t c : chars)
      put_utf8(utf8, c);
    try {
      t.value = term{atom{utf8}};
    } catch (const std::length_error&) {
      // The atom table is full: Erlang's system_limit. Hostile input must
      // not crash the reader, so it is an error like any other.
      return fail(t.begin, "system limit: the atom table is full");
    }
    t.kind = token_kind::atom;
    return {};
  }

  /// Digits valid in `base`, with `_` allowed between two digits (Erlang 23's
  /// digit separators); returns them without the separators.
  std::string digits(unsigned base) {
    std::string out;
    while (!at_end()) {
      if (digit_value(peek()) < base) {
        out += peek();
        ++pos_;
      } else if (peek() == '_' && !out.empty() && digit_value(peek(1)) < base) {
        ++pos_;
      } else {
        break;
      }
    }
    return out;
  }

  /// `42`, `1_000`, `16#ff`, `1.5`, `2.0e-3`.
  expected<void, failure> number(token& t) {
    std::string whole = digits(10);
    if (peek() == '#') {
      // At most two digits: longer radix text could overflow, and no base
      // beyond 36 exists anyway.
      unsigned base = 0;
      if (whole.size() <= 2)
        for (char d : whole)
          base = base * 10 + digit_value(d);
      if (base < 2 || base > 36)
        return fail(t.begin,
                    fmt::format("bad radix {} (must be 2..36)", whole));
      ++pos_;
      std::string value = digits(base);
      if (value.empty())
        return fail(pos_, fmt::format("expected base {} digits after '{}#'",
                                      base, whole));
      t.kind = token_kind::integer;
      t.value = integer_from_digits(value, base);
      return {};
    }
    // A fraction needs a digit after the dot: `1.` is the integer 1 ending a
    // term.
    if (peek() != '.' || digit_value(peek(1)) >= 10) {
      t.kind = token_kind::integer;
      t.value = integer_from_digits(whole, 10);
      return {};
    }
    ++pos_;
    std::string text = whole + '.' + digits(10);
    // The exponent belongs to the float only if digits follow `e`, `e+` or
    // `e-`; otherwise the `e` starts the next token.
    std::size_t sign = peek(1) == '+' || peek(1) == '-' ? 1 : 0;
    if ((peek() == 'e' || peek() == 'E') && digit_value(peek(1 + sign)) < 10) {
      text += 'e';
      if (sign != 0)
        text += peek(1);
      pos_ += 1 + sign;
      text += digits(10);
    }
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range)
      return fail(t.begin, fmt::format("float out of range: {}", text));
    if (ec != std::errc{} || end != text.data() + text.size())
      return fail(t.begin, fmt::format("bad float: {}", text)); // unreachable
    t.kind = token_kind::float_;
    t.value = term{d};
    return {};
  }

  /// `$a`, `$\n`, `$\x{263A}`: the character's code point.
  expected<void, failure> character(token& t) {
    ++pos_;
    if (at_end())
      return fail(t.begin, "expected a character after '$'");
    char32_t c = 0;
    if (peek() == '\\') {
      auto e = escape(t.begin, "character literal");
      if (!e)
        return unexpected(std::move(e).error());
      c = *e;
    } else {
      c = next_code_point(text_, pos_);
    }
    t.kind = token_kind::integer;
    t.value = term{static_cast<std::int64_t>(c)};
    return {};
  }

  /// The characters between `quote`s, escapes decoded.
  result<std::u32string> quoted(char quote, std::string_view what) {
    std::size_t open = pos_++;
    std::u32string out;
    for (;;) {
      if (at_end())
        return unexpected(failure{open, fmt::format("unterminated {}", what)});
      if (peek() == quote) {
        ++pos_;
        return out;
      }
      if (peek() == '\\') {
        auto e = escape(open, what);
        if (!e)
          return unexpected(std::move(e).error());
        out += *e;
      } else {
        out += next_code_point(text_, pos_);
      }
    }
  }

  /// One escape sequence at `pos_` (the backslash), as erl_scan reads them.
  /// `open` and `what` name the literal, for a backslash at the very end.
  result<char32_t> escape(std::size_t open, std::string_view what) {
    std::size_t backslash = pos_++;
    if (at_end())
      return unexpected(failure{open, fmt::format("unterminated {}", what)});
    auto bad = [&](std::string why) {
      return unexpected(failure{backslash, "bad escape: " + std::move(why)});
    };
    char c = peek();
    if (c >= '0' && c <= '7') {
      // One to three octal digits: `\0`, `\12`, `\101`.
      char32_t v = 0;
      for (int k = 0; k < 3 && peek() >= '0' && peek() <= '7'; ++k, ++pos_)
        v = v * 8 + static_cast<char32_t>(peek() - '0');
      return v;
    }
    if (c == 'x') {
      ++pos_;
      if (peek() == '{') {
        ++pos_;
        char32_t v = 0;
        std::size_t n = 0;
        for (; digit_value(peek()) < 16; ++pos_, ++n)
          if (v <= 0x10FFFF) // stop growing once out of range: no overflow
            v = v * 16 + digit_value(peek());
        if (n == 0 || peek() != '}')
          return bad("expected hex digits and '}' after '\\x{'");
        ++pos_;
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
          return bad("not a Unicode code point");
        return v;
      }
      if (digit_value(peek()) < 16 && digit_value(peek(1)) < 16) {
        char32_t v = digit_value(peek()) * 16 + digit_value(peek(1));
        pos_ += 2;
        return v;
      }
      return bad("expected two hex digits or '{' after '\\x'");
    }
    if (c == '^') {
      // `\^a` is Ctrl-A: the character's low five bits.
      ++pos_;
      if (at_end())
        return unexpected(failure{open, fmt::format("unterminated {}", what)});
      return static_cast<char32_t>(next_code_point(text_, pos_) & 31);
    }
    char32_t named = 0;
    switch (c) {
    case 'n':
      named = '\n';
      break;
    case 'r':
      named = '\r';
      break;
    case 't':
      named = '\t';
      break;
    case 'v':
      named = '\v';
      break;
    case 'b':
      named = '\b';
      break;
    case 'f':
      named = '\f';
      break;
    case 'e':
      named = 27;
      break;
    case 's':
      named = ' ';
      break;
    case 'd':
      named = 127;
      break;
    default:
      // Any other escaped character is itself (`\\`, `\'`, `\"`, `\z`).
      return next_code_point(text_, pos_);
    }
    ++pos_;
    return named;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void lexer::next(token& t) {
  scanner s{text_, pos_};
  s.next(t);
  pos_ = s.pos();
}

} // namespace otp::term_parse_impl
