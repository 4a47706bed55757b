#pragma once
// Scanning Erlang term text into tokens: erl_scan's half of term_parse.cpp.
// Internal (src/ only); names live in `otp::term_parse_impl` because the
// library is unity-built in the sanitizer presets.

#include "otp/expected.hpp"
#include "otp/term.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace otp::term_parse_impl {

/// An error at a byte offset of the text.
struct failure {
  std::size_t offset;
  std::string reason;
};

template <class T>
using result = expected<T, failure>;

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

/// One token: its kind, where its text is, and what it carries.
struct token {
  token_kind kind = token_kind::end;
  std::size_t begin = 0; // byte offsets of the token's text
  std::size_t end = 0;
  term value;           // atom, integer, float
  std::u32string chars; // string
  failure error{0, {}}; // error
};

/// Splits term text into tokens, one at a time, as erl_scan does.
class lexer {
public:
  explicit lexer(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] std::string_view text() const noexcept { return text_; }

  /// Reads the next token into `t` (reusing its storage); at the end of the
  /// text, `end` tokens forever. A malformed token is an `error` token, after
  /// which the text counts as ended.
  void next(token& t);

private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

} // namespace otp::term_parse_impl
