// Reading Erlang term text: a lexer that makes one token at a time and a
// recursive-descent parser over it, as erl_scan and erl_parse:parse_term do
// between them.
//
// Errors travel as byte offsets and become line and column only once, at the
// end. A lexer error does not interrupt the parser: it becomes an `error`
// token, which no grammar rule accepts, so the parser reaches its "expected
// X" path and reports the lexer's message there instead. That keeps the
// token stream lazy (an error is reported where the parser meets it) without
// threading a failure through every `advance()`.
//
// The library is unity-built in the sanitizer presets, so internals live in a
// named namespace rather than an anonymous one that would merge with other
// files' anonymous namespaces.

#include "otp/term_parse.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace otp {

std::string term_parse_error::message() const {
  if (line_ == 0)
    return file_.empty() ? reason_ : fmt::format("{}: {}", file_, reason_);
  if (file_.empty())
    return fmt::format("{}:{}: {}", line_, column_, reason_);
  return fmt::format("{}:{}:{}: {}", file_, line_, column_, reason_);
}

namespace term_parse_impl {

/// An error at a byte offset of the text.
struct failure {
  std::size_t offset;
  std::string reason;
};

template <class T>
using result = expected<T, failure>;

// -- characters ---------------------------------------------------------------

/// Decodes one UTF-8 sequence at `s[i]` and advances `i`; a byte that does
/// not start a valid sequence is taken as a Latin-1 character (as
/// `term::charlist` does).
char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t extra = c >= 0xF0 && c <= 0xF4   ? 3
                      : c >= 0xE0 && c <= 0xEF ? 2
                      : c >= 0xC2 && c <= 0xDF ? 1
                                               : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (std::size_t k = 1; k <= extra; ++k) {
    unsigned char cont = byte(i + k);
    if ((cont & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cont & 0x3F);
  }
  i += extra + 1;
  return cp;
}

void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

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

/// `-t` for a number.
term negate(const term& t) {
  if (t.is_float())
    return term{-t.as_double()};
  if (!t.is_bignum() && t.as_int() != std::numeric_limits<std::int64_t>::min())
    return term{-t.as_int()};
  auto b = t.as_bignum();
  return term{bignum::from_magnitude(!b.is_negative(), b.magnitude())};
}

// -- tokens -------------------------------------------------------------------

enum class token_kind {
  end,       // end of text
  dot,       // `.` ending a term
  atom,      // value: the atom
  variable,  // an error wherever it appears, reported with its name
  integer,   // value: the integer (never negative: signs are tokens)
  float_,    // value: the float
  string,    // chars: the code points
  lbrace,    // {
  rbrace,    // }
  lbracket,  // [
  rbracket,  // ]
  bar,       // |
  comma,     // ,
  hash,      // #
  bin_open,  // <<
  bin_close, // >>
  arrow,     // =>
  minus,     // -
  plus,      // +
  other,     // any other character: a stray token
  error,     // the lexer failed; `error` says why
};

struct token {
  token_kind kind = token_kind::end;
  std::size_t begin = 0; // byte offsets of the token's text
  std::size_t end = 0;
  term value;
  std::u32string chars;
  failure error{0, {}};
};

class lexer {
public:
  explicit lexer(std::string_view text) : text_(text) {}

  [[nodiscard]] std::string_view text() const noexcept { return text_; }

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

// -- parser -------------------------------------------------------------------

/// Recursive descent, one function per construct. Nesting recurses, so the
/// recursive functions (`value` and the containers) keep their frames to a
/// few words: a parsed term goes onto `stack_` rather than into a local,
/// a container is built from the top of that stack once it closes, the
/// first failure waits in `error_`, and token and message work happens in
/// functions kept out of line. (Locals of type `expected<term, failure>`
/// and `std::vector<term>` cost 500 bytes a level, 3 KB under ASan.)
class parser {
public:
  explicit parser(std::string_view text) : lexer_(text) { advance(); }

  /// `parse_term`: one term, an optional dot, nothing else.
  result<term> single() {
    if (at(token_kind::end))
      return unexpected(failure{tok_.begin, "empty input: expected a term"});
    if (!value(0))
      return unexpected(std::move(error_));
    if (at(token_kind::dot))
      advance();
    if (!at(token_kind::end)) {
      reject("end of input after the term");
      return unexpected(std::move(error_));
    }
    return std::move(stack_.back());
  }

  /// `parse_terms`: dot-terminated terms up to the end.
  result<std::vector<term>> sequence() {
    while (!at(token_kind::end)) {
      if (!value(0))
        return unexpected(std::move(error_));
      if (!at(token_kind::dot)) {
        reject("'.' after the term");
        return unexpected(std::move(error_));
      }
      advance();
    }
    return std::move(stack_);
  }

private:
  [[nodiscard]] bool at(token_kind k) const noexcept { return tok_.kind == k; }

  // Out of line, so the lexer's locals stay out of the recursive frames.
  [[gnu::noinline]] void advance() { lexer_.next(tok_); }

  /// Pushes the current token's value and moves on.
  [[gnu::noinline]] bool take_value() {
    stack_.push_back(std::move(tok_.value));
    advance();
    return true;
  }

  /// Records a failure; returns false for `return fail(...)`.
  [[gnu::noinline]] bool fail(std::size_t offset, std::string reason) {
    error_ = failure{offset, std::move(reason)};
    return false;
  }

  /// The current token is not what the grammar wants: "expected X, got Y",
  /// or the lexer's own error if that is why the token is wrong.
  [[gnu::noinline]] bool reject(std::string_view wanted) {
    if (at(token_kind::error)) {
      error_ = tok_.error;
      return false;
    }
    return fail(tok_.begin,
                fmt::format("expected {}, got {}", wanted, shown()));
  }

  [[gnu::noinline]] bool unterminated(std::size_t open, std::string_view what) {
    return fail(open, fmt::format("unterminated {}", what));
  }

  [[gnu::noinline]] bool variable() {
    return fail(tok_.begin,
                fmt::format("variables are not terms: {}", shown()));
  }

  [[gnu::noinline]] bool too_deep() {
    return fail(tok_.begin, fmt::format("nesting deeper than {} levels",
                                        term_parse_max_depth));
  }

  /// The current token as the user wrote it, shortened for messages.
  [[nodiscard]] std::string shown() const {
    if (at(token_kind::end))
      return "end of input";
    auto text = lexer_.text().substr(tok_.begin, tok_.end - tok_.begin);
    constexpr std::size_t limit = 24;
    std::string out{text.substr(0, limit)};
    if (text.size() > limit) {
      // Cut at a character boundary, not inside a UTF-8 sequence.
      while (!out.empty() &&
             (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
        out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0)
        out.pop_back();
      out += "...";
    }
    return "'" + out + "'";
  }

  /// Any term, pushed onto `stack_`.
  bool value(std::size_t depth) {
    switch (tok_.kind) {
    case token_kind::atom:
    case token_kind::integer:
    case token_kind::float_:
      return take_value();
    case token_kind::minus:
    case token_kind::plus:
      return signed_number();
    case token_kind::string:
      return string();
    case token_kind::variable:
      return variable();
    case token_kind::lbrace:
      return depth < term_parse_max_depth ? tuple(depth) : too_deep();
    case token_kind::lbracket:
      return depth < term_parse_max_depth ? list(depth) : too_deep();
    case token_kind::hash:
      return depth < term_parse_max_depth ? map(depth) : too_deep();
    case token_kind::bin_open:
      return depth < term_parse_max_depth ? binary() : too_deep();
    default:
      return reject("a term");
    }
  }

  /// `-1`, `+2.5`, `-$a`: a sign applies to a number only (Erlang's
  /// parse_term folds exactly that operator).
  [[gnu::noinline]] bool signed_number() {
    bool minus = at(token_kind::minus);
    advance();
    if (!at(token_kind::integer) && !at(token_kind::float_))
      return reject("a number after the sign");
    if (minus)
      tok_.value = negate(tok_.value);
    return take_value();
  }

  /// Adjacent strings, joined (`"ab" "cd"` is `"abcd"`), as a charlist.
  [[gnu::noinline]] bool string() {
    std::vector<term> codes;
    while (at(token_kind::string)) {
      for (char32_t c : tok_.chars)
        codes.emplace_back(static_cast<std::int64_t>(c));
      advance();
    }
    stack_.push_back(term::list(codes));
    return true;
  }

  /// `{` elements `}`.
  bool tuple(std::size_t depth) {
    std::size_t open = tok_.begin;
    std::size_t first = stack_.size();
    advance();
    if (!at(token_kind::rbrace)) {
      for (;;) {
        if (at(token_kind::end))
          return unterminated(open, "tuple");
        if (!value(depth + 1))
          return false;
        if (at(token_kind::rbrace))
          break;
        if (at(token_kind::end))
          return unterminated(open, "tuple");
        if (!at(token_kind::comma))
          return reject("',' or '}'");
        advance();
      }
    }
    advance();
    return build(first, token_kind::lbrace);
  }

  /// `[` elements [`|` tail] `]`.
  bool list(std::size_t depth) {
    std::size_t open = tok_.begin;
    std::size_t first = stack_.size();
    advance();
    if (!at(token_kind::rbracket)) {
      for (;;) {
        if (at(token_kind::end))
          return unterminated(open, "list");
        if (!value(depth + 1))
          return false;
        if (at(token_kind::rbracket))
          break;
        if (at(token_kind::bar)) {
          advance();
          if (at(token_kind::end))
            return unterminated(open, "list");
          if (!value(depth + 1))
            return false;
          if (at(token_kind::end))
            return unterminated(open, "list");
          if (!at(token_kind::rbracket))
            return reject("']' after the list's tail");
          advance();
          return build(first, token_kind::bar);
        }
        if (at(token_kind::end))
          return unterminated(open, "list");
        if (!at(token_kind::comma))
          return reject("',', '|' or ']'");
        advance();
      }
    }
    advance();
    return build(first, token_kind::lbracket);
  }

  /// `#{` key `=>` value, ... `}`.
  bool map(std::size_t depth) {
    std::size_t open = tok_.begin;
    std::size_t first = stack_.size();
    advance();
    // Erlang scans `#` and `{` apart, so `# {}` is a map too; `#name{` is a
    // record, which is not a term.
    if (!at(token_kind::lbrace))
      return reject("'{' after '#' (records are not terms)");
    advance();
    if (!at(token_kind::rbrace)) {
      for (;;) {
        if (at(token_kind::end))
          return unterminated(open, "map");
        if (!value(depth + 1))
          return false;
        if (at(token_kind::end))
          return unterminated(open, "map");
        if (!at(token_kind::arrow))
          return reject("'=>'");
        advance();
        if (at(token_kind::end))
          return unterminated(open, "map");
        if (!value(depth + 1))
          return false;
        if (at(token_kind::rbrace))
          break;
        if (at(token_kind::end))
          return unterminated(open, "map");
        if (!at(token_kind::comma))
          return reject("',' or '}'");
        advance();
      }
    }
    advance();
    return build(first, token_kind::hash);
  }

  /// Replaces the terms on `stack_` from `first` up with the container that
  /// holds them: a tuple (`lbrace`), a proper list (`lbracket`), a list
  /// whose last term is its tail (`bar`), or a map of alternating keys and
  /// values (`hash`).
  [[gnu::noinline]] bool build(std::size_t first, token_kind container) {
    std::span<term> items{stack_.data() + first, stack_.size() - first};
    term built;
    switch (container) {
    case token_kind::lbrace:
      built = term::tuple_from(items);
      break;
    case token_kind::lbracket:
      built = term::list(items);
      break;
    case token_kind::bar:
      built = term::improper_list(items.first(items.size() - 1), items.back());
      break;
    default: {
      std::vector<std::pair<term, term>> entries;
      entries.reserve(items.size() / 2);
      for (std::size_t i = 0; i + 1 < items.size(); i += 2)
        entries.emplace_back(std::move(items[i]), std::move(items[i + 1]));
      built = term::map(entries);
      break;
    }
    }
    stack_.resize(first);
    stack_.push_back(std::move(built));
    return true;
  }

  /// `<<` segments `>>`, each a byte or a string of bytes. Segments do not
  /// nest, so this is a leaf of the recursion.
  [[gnu::noinline]] bool binary() {
    std::size_t open = tok_.begin;
    advance();
    std::string bytes;
    if (!at(token_kind::bin_close)) {
      for (;;) {
        if (at(token_kind::end))
          return unterminated(open, "binary");
        if (!segment(bytes))
          return false;
        if (at(token_kind::bin_close))
          break;
        if (at(token_kind::end))
          return unterminated(open, "binary");
        if (!at(token_kind::comma))
          return reject("',' or '>>'");
        advance();
      }
    }
    advance();
    stack_.push_back(term::binary(bytes));
    return true;
  }

  /// One binary segment appended to `bytes`.
  bool segment(std::string& bytes) {
    std::size_t begin = tok_.begin;
    if (at(token_kind::string)) {
      while (at(token_kind::string)) {
        for (char32_t c : tok_.chars) {
          if (c > 255)
            return fail(tok_.begin,
                        fmt::format("byte out of range (0..255): the string "
                                    "has character {}",
                                    static_cast<std::uint32_t>(c)));
          bytes += static_cast<char>(c);
        }
        advance();
      }
      return true;
    }
    if (at(token_kind::integer)) {
      take_value();
    } else if (at(token_kind::minus) || at(token_kind::plus)) {
      if (!signed_number())
        return false;
    } else {
      return reject("a byte or a string in the binary");
    }
    term n = std::move(stack_.back());
    stack_.pop_back();
    if (!n.is_integer())
      return fail(begin, fmt::format("not a byte: {}", n));
    if (n.is_bignum() || n.as_int() < 0 || n.as_int() > 255)
      return fail(begin, fmt::format("byte out of range (0..255): {}", n));
    bytes += static_cast<char>(n.as_int());
    return true;
  }

  lexer lexer_;
  token tok_;
  std::vector<term> stack_; // parsed terms whose container is still open
  failure error_{0, {}};
};

/// The error at `f`'s offset, as 1-based line and column (in characters:
/// UTF-8 continuation bytes do not count).
term_parse_error locate(std::string_view text, failure f,
                        std::string file = {}) {
  std::size_t line = 1;
  std::size_t column = 1;
  auto end = std::min(f.offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column, std::move(f.reason), std::move(file)};
}

} // namespace term_parse_impl

expected<term, term_parse_error> parse_term(std::string_view text) {
  auto t = term_parse_impl::parser{text}.single();
  if (!t)
    return unexpected(term_parse_impl::locate(text, std::move(t).error()));
  return std::move(*t);
}

expected<std::vector<term>, term_parse_error>
parse_terms(std::string_view text) {
  auto ts = term_parse_impl::parser{text}.sequence();
  if (!ts)
    return unexpected(term_parse_impl::locate(text, std::move(ts).error()));
  return std::move(*ts);
}

expected<std::vector<term>, term_parse_error>
consult_file(const std::filesystem::path& file) {
  auto name = file.string();
  auto io_error = [&](int err) {
    return unexpected(
        term_parse_error{0, 0, std::generic_category().message(err), name});
  };
  // stdio rather than streams: it reports why through errno.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f{
      std::fopen(file.c_str(), "rb"), &std::fclose};
  if (!f)
    return io_error(errno);
  std::string text;
  char buffer[8192];
  for (;;) {
    auto n = std::fread(buffer, 1, sizeof buffer, f.get());
    text.append(buffer, n);
    if (n < sizeof buffer)
      break;
  }
  if (std::ferror(f.get()))
    return io_error(errno);
  auto ts = term_parse_impl::parser{text}.sequence();
  if (!ts)
    return unexpected(
        term_parse_impl::locate(text, std::move(ts).error(), name));
  return std::move(*ts);
}

} // namespace otp
