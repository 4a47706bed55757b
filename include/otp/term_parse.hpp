#pragma once
/// Reading Erlang terms from text: a `sys.config` file, the value of
/// `erl -App Key Value`, any file `file:consult/1` reads.
///
/// ## Grammar
///
/// Erlang's term syntax, as `erl_scan` and `erl_parse:parse_term/1` accept
/// it:
///
/// | construct | examples                                                 |
/// |-----------|----------------------------------------------------------|
/// | atom      | `ok`, `abc_Def@x1`, `'hello world'`, `'it\'s'`           |
/// | integer   | `42`, `-7`, `1_000`, `16#ff`, `-2#1010`, `$a`, `$\n`, big |
/// | float     | `1.5`, `-2.0e10`, `1.0e-3`                               |
/// | string    | `"text\n"`, `"ab" "cd"` (adjacent strings join): a charlist |
/// | binary    | `<<>>`, `<<"text">>`, `<<1,2,3>>`, `<<"a",0,"b">>`       |
/// | tuple     | `{}`, `{a, 1}`                                           |
/// | list      | `[]`, `[1, 2]`, `[1 | 2]`, `[1, 2 | [3]]`                |
/// | map       | `#{}`, `#{a => 1, "k" => [x]}`                           |
///
/// - Escapes in strings, quoted atoms and `$` characters: `\n \r \t \v \b
///   \f \e \s \d \\ \' \"`, octal `\101`, hex `\x41` and `\x{263A}`, and
///   control characters `\^a`. Any other escaped character stands for
///   itself, as in Erlang.
/// - Text is UTF-8 (bytes that are not valid UTF-8 are read as Latin-1), so
///   `"é"` is `[233]` and `<<"é">>` is `<<233>>`. Binary segments are bytes
///   (0..255) or strings whose characters are all bytes; sizes and types
///   (`<<X:16>>`, `/utf8`) are not supported.
/// - Whitespace and `%` comments may appear between any two tokens. A `.`
///   ends a term only when followed by whitespace, `%` or the end of text.
/// - Not terms, hence errors: variables (`X`, `_`), records, funs,
///   operators other than a sign on a number. Keywords such as `fun` or
///   `end` read as plain atoms.
/// - Containers nest at most `term_parse_max_depth` deep, so hostile input
///   gets an error rather than exhausting the stack.
///
/// Every term `to_string` prints reads back equal, except pids, refs and
/// `any` values, which have no text form.
///
/// All functions are thread-safe (they share only the atom table). Atoms
/// read are interned for good, as `file:consult/1` does: text from an
/// untrusted source can fill the atom table (that is an error, not a crash).

#include "otp/expected.hpp"
#include "otp/term.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace otp {

/// Why text is not a term: where, and what is wrong there.
class term_parse_error {
public:
  /// An error at `line` and `column` (1-based; the column counts
  /// characters, a tab counts one), in `file` when read from one. Line 0
  /// means an error about the whole file (it could not be read).
  term_parse_error(std::size_t line, std::size_t column, std::string reason,
                   std::string file = {})
      : line_(line), column_(column), reason_(std::move(reason)),
        file_(std::move(file)) {}

  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] std::size_t column() const noexcept { return column_; }
  /// What is wrong, without the position: "unterminated string".
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  /// The file's path as given to `consult_file`; empty for text.
  [[nodiscard]] const std::string& file() const noexcept { return file_; }

  /// The position and the reason, as compilers print them:
  /// "1:7: unterminated string", "sys.config:3:1: ...", or for a file that
  /// cannot be read "sys.config: No such file or directory".
  [[nodiscard]] std::string message() const;

  friend bool operator==(const term_parse_error&,
                         const term_parse_error&) = default;

private:
  std::size_t line_;
  std::size_t column_;
  std::string reason_;
  std::string file_;
};

/// How deep tuples, lists, maps and binaries may nest. Deep enough for any
/// configuration, shallow enough that the recursive parser stays well
/// within any thread's stack: about 64 KB at the limit (600 KB under ASan).
inline constexpr std::size_t term_parse_max_depth = 1000;

/// Exactly one term, as given to `erl -App Key Value`: the term may be
/// followed by a `.`, and whitespace and comments may surround it; anything
/// else is an error.
[[nodiscard]] expected<term, term_parse_error>
parse_term(std::string_view text);

/// A sequence of terms, each ended by a `.` (what `file:consult/1` reads,
/// and so a `sys.config`). Text with no terms gives an empty vector.
[[nodiscard]] expected<std::vector<term>, term_parse_error>
parse_terms(std::string_view text);

/// `parse_terms` on a file's contents (`file:consult/1`). A file that
/// cannot be read is an error naming the file and the system's reason;
/// parse errors name the file too.
[[nodiscard]] expected<std::vector<term>, term_parse_error>
consult_file(const std::filesystem::path& file);

} // namespace otp
