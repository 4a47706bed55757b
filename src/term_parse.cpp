// Reading Erlang term text: a recursive-descent parser, as
// erl_parse:parse_term does, over the tokens of term_scan.hpp (erl_scan).
//
// Errors travel as byte offsets and become line and column only once, at the
// end. A scanning error does not interrupt the parser: it becomes an `error`
// token, which no grammar rule accepts, so the parser reaches its "expected
// X" path and reports the scanner's message there instead. That keeps the
// token stream lazy (an error is reported where the parser meets it) without
// threading a failure through every `advance()`.
//
// The library is unity-built in the sanitizer presets, so internals live in a
// named namespace rather than an anonymous one that would merge with other
// files' anonymous namespaces.

#include "otp/term_parse.hpp"

#include "term_scan.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

namespace otp {

std::string term_parse_error::message() const {
  if (line_ == 0)
    return file_.empty() ? reason_ : fmt::format("{}: {}", file_, reason_);
  if (file_.empty())
    return fmt::format("{}:{}: {}", line_, column_, reason_);
  return fmt::format("{}:{}:{}: {}", file_, line_, column_, reason_);
}

namespace term_parse_impl {

/// `-t` for a number (signs are tokens of their own, so the scanner's
/// numbers are never negative).
term negate(const term& t) {
  if (t.is_float())
    return term{-t.as_double()};
  if (!t.is_bignum() && t.as_int() != std::numeric_limits<std::int64_t>::min())
    return term{-t.as_int()};
  auto b = t.as_bignum();
  return term{bignum::from_magnitude(!b.is_negative(), b.magnitude())};
}

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
