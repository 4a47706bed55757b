// Reading term text: every construct of the grammar, every error with its
// position, file:consult of files, and the printer's output read back.

#include "otp/term_parse.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace otp::literals;
using otp::term;

// The unit tests are unity-built: helpers get a namespace named after the
// file so they cannot collide with another test file's.
namespace term_parse_test {

/// The parsed term; a parse error fails the test (with its message).
term parsed(std::string_view text) {
  auto t = otp::parse_term(text);
  EXPECT_TRUE(t.has_value()) << text << " -> " << t.error().message();
  return t ? *t : term{"parse_failed"_a};
}

/// The error message; a successful parse fails the test.
std::string error_of(std::string_view text) {
  auto t = otp::parse_term(text);
  EXPECT_FALSE(t.has_value()) << text << " -> " << *t;
  return t ? std::string{"no error"} : t.error().message();
}

term bytes(std::initializer_list<std::uint8_t> b) {
  return term::binary(std::span<const std::uint8_t>{b.begin(), b.size()});
}

term codes(std::initializer_list<std::int64_t> cs) {
  std::vector<term> out;
  for (auto c : cs)
    out.emplace_back(c);
  return term::list(out);
}

std::string nested(std::size_t depth, std::string_view open,
                   std::string_view inner, std::string_view close) {
  std::string out;
  for (std::size_t i = 0; i < depth; ++i)
    out += open;
  out += inner;
  for (std::size_t i = 0; i < depth; ++i)
    out += close;
  return out;
}

/// A file under the test temp dir, removed when the test ends.
class temp_file {
public:
  temp_file(std::string_view name, std::string_view contents)
      : path_(std::filesystem::path{testing::TempDir()} / name) {
    std::ofstream{path_, std::ios::binary} << contents;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// Random terms of every printable kind, for the round trip.
class term_generator {
public:
  explicit term_generator(std::uint32_t seed) : rng_(seed) {}

  term make(int depth) {
    switch (pick(depth > 0 ? 12 : 7)) {
    case 0:
      return term{static_cast<std::int64_t>(rng_())};
    case 1:
      return term{static_cast<std::int64_t>(pick(300)) - 20};
    case 2:
      return big();
    case 3:
      return term{std::bit_cast<double>(finite_bits())};
    case 4:
      return term{otp::atom{text(12, true)}};
    case 5:
      return term::binary(text(10));
    case 6:
      return term::charlist(text(8));
    case 7: {
      std::vector<term> elems(pick(4));
      for (auto& e : elems)
        e = make(depth - 1);
      return term::tuple_from(elems);
    }
    case 8: {
      std::vector<term> elems(pick(4));
      for (auto& e : elems)
        e = make(depth - 1);
      return term::list(elems);
    }
    case 9: {
      std::vector<term> elems(1 + pick(3));
      for (auto& e : elems)
        e = make(depth - 1);
      return term::improper_list(elems, make(0));
    }
    case 10: {
      std::vector<std::pair<term, term>> entries(pick(4));
      for (auto& [k, v] : entries) {
        k = make(depth - 1);
        v = make(depth - 1);
      }
      return term::map(entries);
    }
    default:
      return term::tuple(make(depth - 1));
    }
  }

private:
  std::size_t pick(std::size_t n) { return rng_() % n; }

  term big() {
    std::string digits = pick(2) ? "-" : "";
    digits += static_cast<char>('1' + pick(9));
    for (std::size_t i = 0, n = 19 + pick(40); i < n; ++i)
      digits += static_cast<char>('0' + pick(10));
    return term::parse_integer(digits);
  }

  std::uint64_t finite_bits() {
    for (;;) {
      std::uint64_t bits = (std::uint64_t{rng_()} << 32) | rng_();
      if (std::isfinite(std::bit_cast<double>(bits)))
        return bits;
    }
  }

  /// Bytes of every sort: letters, quotes, escapes, controls, UTF-8, and
  /// (unless `utf8`) a lone Latin-1 byte. Atom text must be UTF-8: a lone
  /// byte prints as the Latin-1 character, which reads back as its UTF-8.
  std::string text(std::size_t max, bool utf8 = false) {
    static constexpr std::string_view pool[] = {
        "a",  "Z",    "_",    "@",        "0",
        " ",  "'",    "\"",   "\\",       "\n",
        "\t", "\x01", "\x7f", "\xc3\xa9", "\xe2\x98\xba",
        "{",  ".",    "\xe9"};
    std::string out;
    auto choices = std::size(pool) - (utf8 ? 1 : 0);
    for (std::size_t i = 0, n = pick(max + 1); i < n; ++i)
      out += pool[pick(choices)];
    return out;
  }

  std::mt19937 rng_;
};

} // namespace term_parse_test

using namespace term_parse_test;

// -- atoms
// ---------------------------------------------------------------------

TEST(TermParse, Atoms) {
  EXPECT_EQ(parsed("abc"), "abc"_a);
  EXPECT_EQ(parsed("abc_Def@x1"), "abc_Def@x1"_a);
  EXPECT_EQ(parsed("'hello world'"), "hello world"_a);
  EXPECT_EQ(parsed("'it\\'s'"), "it's"_a);
  EXPECT_EQ(parsed("'EXIT'"), "EXIT"_a);
  EXPECT_EQ(parsed("''"), otp::atoms::empty);
  EXPECT_EQ(parsed("'a\\nb\\\\c'"), "a\nb\\c"_a);
  EXPECT_EQ(parsed("true"), term{true});
  EXPECT_EQ(parsed("false"), term{false});
  // Keywords are plain atoms here: no term contains a fun or a case.
  EXPECT_EQ(parsed("fun"), "fun"_a);
  EXPECT_EQ(parsed("end"), "end"_a);
  // Latin-1 letters are name characters (the text is UTF-8).
  EXPECT_EQ(parsed("\xc3\xbcn\xc3\xaf"), otp::atom{"\xc3\xbcn\xc3\xaf"});
  EXPECT_EQ(parsed("'\\x{263A}'"), otp::atom{"\xe2\x98\xba"});
  EXPECT_EQ(parsed(fmt::format("'{}'", std::string(255, 'x'))),
            otp::atom{std::string(255, 'x')});
  EXPECT_EQ(error_of(fmt::format("'{}'", std::string(256, 'x'))),
            "1:1: atom too long (more than 255 characters)");
  EXPECT_EQ(error_of(std::string(256, 'x')),
            "1:1: atom too long (more than 255 characters)");
}

TEST(TermParse, VariablesAreNotTerms) {
  EXPECT_EQ(error_of("X"), "1:1: variables are not terms: 'X'");
  EXPECT_EQ(error_of("_"), "1:1: variables are not terms: '_'");
  EXPECT_EQ(error_of("{ok, _Unused}"),
            "1:6: variables are not terms: '_Unused'");
  EXPECT_EQ(error_of("[1, 2 | T]"), "1:9: variables are not terms: 'T'");
  EXPECT_EQ(error_of("\xc3\x9c"
                     "ber"),
            "1:1: variables are not terms: "
            "'\xc3\x9c"
            "ber'");
}

// -- numbers
// -------------------------------------------------------------------

TEST(TermParse, Integers) {
  EXPECT_EQ(parsed("0"), term{0});
  EXPECT_EQ(parsed("42"), term{42});
  EXPECT_EQ(parsed("-7"), term{-7});
  EXPECT_EQ(parsed("+7"), term{7});
  EXPECT_EQ(parsed("- 7"), term{-7}); // the sign is a token of its own
  EXPECT_EQ(parsed("-0"), term{0});
  EXPECT_EQ(parsed("1_000_000"), term{1000000});
  EXPECT_EQ(parsed("16#ff"), term{255});
  EXPECT_EQ(parsed("16#FF"), term{255});
  EXPECT_EQ(parsed("-16#ff"), term{-255});
  EXPECT_EQ(parsed("2#1010"), term{10});
  EXPECT_EQ(parsed("2#1111_0000"), term{240});
  EXPECT_EQ(parsed("36#zz"), term{35 * 36 + 35});
  EXPECT_EQ(parsed("8#777"), term{511});
  EXPECT_EQ(parsed("9223372036854775807"),
            term{std::numeric_limits<std::int64_t>::max()});
  EXPECT_EQ(parsed("-9223372036854775808"),
            term{std::numeric_limits<std::int64_t>::min()});
  EXPECT_FALSE(parsed("-9223372036854775808").is_bignum());
  EXPECT_TRUE(parsed("9223372036854775808").is_bignum());
  EXPECT_EQ(parsed("123456789012345678901234567890"),
            term::parse_integer("123456789012345678901234567890"));
  EXPECT_EQ(parsed("-123_456_789_012_345_678_901_234_567_890"),
            term::parse_integer("-123456789012345678901234567890"));
  EXPECT_EQ(parsed("16#FFFFFFFFFFFFFFFFFFFF"),
            term::parse_integer("1208925819614629174706175"));
  EXPECT_EQ(parsed("-2#1" + std::string(100, '0')),
            term::parse_integer("-1267650600228229401496703205376"));
  EXPECT_EQ(parsed("18446744073709551615"), term{~std::uint64_t{0}});
}

TEST(TermParse, CharacterLiterals) {
  EXPECT_EQ(parsed("$a"), term{97});
  EXPECT_EQ(parsed("$A"), term{65});
  EXPECT_EQ(parsed("$ "), term{32});
  EXPECT_EQ(parsed("$\\n"), term{10});
  EXPECT_EQ(parsed("$\\\\"), term{92});
  EXPECT_EQ(parsed("$\\'"), term{39});
  EXPECT_EQ(parsed("$\\x{263A}"), term{0x263A});
  EXPECT_EQ(parsed("$\\101"), term{65});
  EXPECT_EQ(parsed("$\\^a"), term{1});
  EXPECT_EQ(parsed("$\xc3\xa9"), term{233});
  EXPECT_EQ(parsed("-$a"), term{-97});
  EXPECT_EQ(parsed("[$a, $b]"), codes({97, 98}));
  EXPECT_EQ(error_of("$"), "1:1: expected a character after '$'");
  EXPECT_EQ(error_of("$\\"), "1:1: unterminated character literal");
}

TEST(TermParse, Floats) {
  EXPECT_EQ(parsed("1.5"), term{1.5});
  EXPECT_EQ(parsed("-2.0e10"), term{-2.0e10});
  EXPECT_EQ(parsed("1.0e-3"), term{1.0e-3});
  EXPECT_EQ(parsed("1.0E+3"), term{1000.0});
  EXPECT_EQ(parsed("0.1"), term{0.1});
  EXPECT_EQ(parsed("1_000.5"), term{1000.5});
  EXPECT_EQ(parsed("5.0e-324"), term{5.0e-324});
  EXPECT_EQ(parsed("1.7976931348623157e308"), term{1.7976931348623157e308});
  EXPECT_TRUE(parsed("-0.0").is_float());
  EXPECT_TRUE(std::signbit(parsed("-0.0").as_double()));
  // `1.` is the integer 1 ending the term; `1e5` is not Erlang.
  EXPECT_EQ(parsed("1."), term{1});
  EXPECT_EQ(error_of("1e5"), "1:2: expected end of input after the term, got "
                             "'e5'");
  EXPECT_EQ(error_of("1.0e400"), "1:1: float out of range: 1.0e400");
}

TEST(TermParse, NumberErrors) {
  EXPECT_EQ(error_of("37#1"), "1:1: bad radix 37 (must be 2..36)");
  EXPECT_EQ(error_of("1#1"), "1:1: bad radix 1 (must be 2..36)");
  EXPECT_EQ(error_of("100#1"), "1:1: bad radix 100 (must be 2..36)");
  EXPECT_EQ(error_of("16#"), "1:4: expected base 16 digits after '16#'");
  EXPECT_EQ(error_of("2#2"), "1:3: expected base 2 digits after '2#'");
  // A separator must sit between two digits: `1_` is 1 then the variable _.
  EXPECT_EQ(error_of("1_"), "1:2: expected end of input after the term, got "
                            "'_'");
  EXPECT_EQ(error_of("- a"), "1:3: expected a number after the sign, got 'a'");
  EXPECT_EQ(error_of("--1"), "1:2: expected a number after the sign, got '-'");
}

// -- strings and binaries -----------------------------------------------------

TEST(TermParse, Strings) {
  EXPECT_EQ(parsed("\"abc\""), term::charlist("abc"));
  EXPECT_EQ(parsed("\"\""), term{});
  EXPECT_EQ(parsed(R"("\n\t\\\"\x41\x{263A}\101")"),
            codes({10, 9, 92, 34, 65, 0x263A, 65}));
  EXPECT_EQ(parsed(R"("\r\v\b\f\e\s\d\^z\z\'")"),
            codes({13, 11, 8, 12, 27, 32, 127, 26, 'z', '\''}));
  EXPECT_EQ(parsed(R"("\0\12\1234")"), codes({0, 10, 83, '4'}));
  EXPECT_EQ(parsed("\"ab\" \"cd\""), term::charlist("abcd"));
  EXPECT_EQ(parsed("\"ab\" % comment\n \"\" \"cd\""), term::charlist("abcd"));
  EXPECT_EQ(parsed("\"\xc3\xa9\xe2\x98\xba\""), codes({233, 0x263A}));
  EXPECT_EQ(parsed("\"line\nbreak\""), term::charlist("line\nbreak"));
  // Bytes that are not UTF-8 are Latin-1 characters.
  EXPECT_EQ(parsed("\"\xe9\""), codes({233}));
}

TEST(TermParse, BadEscapes) {
  EXPECT_EQ(error_of(R"("a\x{zz}")"),
            "1:3: bad escape: expected hex digits and '}' after '\\x{'");
  EXPECT_EQ(error_of(R"("a\x{41")"),
            "1:3: bad escape: expected hex digits and '}' after '\\x{'");
  EXPECT_EQ(error_of(R"("\xg")"),
            "1:2: bad escape: expected two hex digits or '{' after '\\x'");
  EXPECT_EQ(error_of(R"('\x{110000}')"),
            "1:2: bad escape: not a Unicode code point");
  EXPECT_EQ(error_of(R"("\x{D800}")"),
            "1:2: bad escape: not a Unicode code point");
  EXPECT_EQ(error_of(R"("\x{FFFFFFFFFFFFFFFFFFFFFF}")"),
            "1:2: bad escape: not a Unicode code point");
  EXPECT_EQ(error_of("\"abc\\"), "1:1: unterminated string");
}

TEST(TermParse, Binaries) {
  EXPECT_EQ(parsed("<<\"text\">>"), term{"text"});
  EXPECT_EQ(parsed("<<1,2,3>>"), bytes({1, 2, 3}));
  EXPECT_EQ(parsed("<< 1 , 2 , 3 >>"), bytes({1, 2, 3}));
  EXPECT_EQ(parsed("<<>>"), term::binary(""));
  EXPECT_EQ(parsed("<<\"\">>"), term::binary(""));
  EXPECT_EQ(parsed("<<\"a\", 0, \"b\">>"), bytes({'a', 0, 'b'}));
  EXPECT_EQ(parsed("<<$a, \"b\" \"c\", 16#ff, +1>>"),
            bytes({'a', 'b', 'c', 255, 1}));
  // Characters are bytes: `<<"é">>` is <<233>>, as in Erlang.
  EXPECT_EQ(parsed("<<\"\xc3\xa9\">>"), bytes({233}));
  EXPECT_EQ(parsed("<<\"\\xff\\377\">>"), bytes({255, 255}));
}

TEST(TermParse, BinaryErrors) {
  EXPECT_EQ(error_of("<<256>>"), "1:3: byte out of range (0..255): 256");
  EXPECT_EQ(error_of("<<1, -1>>"), "1:6: byte out of range (0..255): -1");
  EXPECT_EQ(error_of("<<99999999999999999999999>>"),
            "1:3: byte out of range (0..255): 99999999999999999999999");
  EXPECT_EQ(error_of("<<\"a\\x{263A}\">>"),
            "1:3: byte out of range (0..255): the string has character 9786");
  EXPECT_EQ(error_of("<<1.5>>"),
            "1:3: expected a byte or a string in the binary, got '1.5'");
  EXPECT_EQ(error_of("<<a>>"),
            "1:3: expected a byte or a string in the binary, got 'a'");
  EXPECT_EQ(error_of("<<-1.5>>"), "1:3: not a byte: -1.5");
  EXPECT_EQ(error_of("<<1:8>>"), "1:4: expected ',' or '>>', got ':'");
  EXPECT_EQ(error_of("<<1 2>>"), "1:5: expected ',' or '>>', got '2'");
  EXPECT_EQ(error_of("<<1, 2"), "1:1: unterminated binary");
  EXPECT_EQ(error_of("<<1,"), "1:1: unterminated binary");
  EXPECT_EQ(error_of("<<"), "1:1: unterminated binary");
}

// -- containers ---------------------------------------------------------------

TEST(TermParse, Tuples) {
  EXPECT_EQ(parsed("{}"), term::tuple());
  EXPECT_EQ(parsed("{a}"), term::tuple("a"_a));
  EXPECT_EQ(parsed("{a, 1}"), (term{"a"_a, 1}));
  EXPECT_EQ(parsed("{a,{b,{c}}}"),
            (term{"a"_a, term{"b"_a, term::tuple("c"_a)}}));
  EXPECT_EQ(parsed("{ok, \"x\", <<\"y\">>, [], #{}}"),
            term::tuple("ok"_a, term::charlist("x"), term{"y"}, term{},
                        term::map({})));
}

TEST(TermParse, Lists) {
  EXPECT_EQ(parsed("[]"), term{});
  EXPECT_EQ(parsed("[ ]"), term{});
  EXPECT_EQ(parsed("[1, 2]"), term::list({1, 2}));
  EXPECT_EQ(parsed("[1 | 2]"), term::cons(1, 2));
  EXPECT_EQ(parsed("[1, 2 | 3]"), term::improper_list({1, 2}, 3));
  EXPECT_EQ(parsed("[1, 2 | [3]]"), term::list({1, 2, 3}));
  EXPECT_EQ(parsed("[1 | []]"), term::list({1}));
  EXPECT_EQ(parsed("[[], [[]]]"), term::list({term{}, term::list({term{}})}));
  EXPECT_EQ(parsed("[\"ab\", $c]"), term::list({term::charlist("ab"), 99}));
}

TEST(TermParse, Maps) {
  EXPECT_EQ(parsed("#{}"), term::map({}));
  EXPECT_EQ(
      parsed("#{a => 1, \"k\" => [x]}"),
      term::map({{"a"_a, 1}, {term::charlist("k"), term::list({"x"_a})}}));
  // Erlang scans `#` and `{` apart.
  EXPECT_EQ(parsed("# { a => 1 }"), term::map({{"a"_a, 1}}));
  // The last of equal keys wins, as in `#{a => 1, a => 2}`.
  EXPECT_EQ(parsed("#{a => 1, a => 2}"), term::map({{"a"_a, 2}}));
  EXPECT_EQ(parsed("#{{k} => #{1 => 1.0}}"),
            term::map({{term::tuple("k"_a), term::map({{1, 1.0}})}}));
}

// -- layout: dots, whitespace, comments ---------------------------------------

TEST(TermParse, DotsWhitespaceAndComments) {
  EXPECT_EQ(parsed("a."), "a"_a);
  EXPECT_EQ(parsed("  a  .  "), "a"_a);
  EXPECT_EQ(parsed("a. % done"), "a"_a);
  EXPECT_EQ(parsed("a.\n"), "a"_a);
  EXPECT_EQ(parsed("% leading\n{a, % inner\n 1}\n% trailing"),
            (term{"a"_a, 1}));
  EXPECT_EQ(parsed("\t{\r\na\r\n,\x01 1}"), (term{"a"_a, 1}));
  EXPECT_EQ(parsed("{a,1}.%"), (term{"a"_a, 1}));
}

// -- errors -------------------------------------------------------------------

TEST(TermParse, Unterminated) {
  EXPECT_EQ(error_of("{a, \"abc"), "1:5: unterminated string");
  EXPECT_EQ(error_of("'abc"), "1:1: unterminated atom");
  EXPECT_EQ(error_of("[1, 2"), "1:1: unterminated list");
  EXPECT_EQ(error_of("[1, 2,"), "1:1: unterminated list");
  EXPECT_EQ(error_of("[1 |"), "1:1: unterminated list");
  EXPECT_EQ(error_of("[1 | 2"), "1:1: unterminated list");
  EXPECT_EQ(error_of("{a,"), "1:1: unterminated tuple");
  EXPECT_EQ(error_of("{a"), "1:1: unterminated tuple");
  EXPECT_EQ(error_of("{"), "1:1: unterminated tuple");
  EXPECT_EQ(error_of("#{a => 1"), "1:1: unterminated map");
  EXPECT_EQ(error_of("[x, #{a => 1"), "1:5: unterminated map");
  EXPECT_EQ(error_of("#{a"), "1:1: unterminated map");
  EXPECT_EQ(error_of("#{a =>"), "1:1: unterminated map");
  EXPECT_EQ(error_of("#{a => 1,"), "1:1: unterminated map");
  EXPECT_EQ(error_of("[{a, <<1"), "1:6: unterminated binary");
}

TEST(TermParse, StrayTokensAndMissingCommas) {
  EXPECT_EQ(error_of("}"), "1:1: expected a term, got '}'");
  EXPECT_EQ(error_of("{a, )}"), "1:5: expected a term, got ')'");
  EXPECT_EQ(error_of("[1,]"), "1:4: expected a term, got ']'");
  EXPECT_EQ(error_of("{a b}"), "1:4: expected ',' or '}', got 'b'");
  EXPECT_EQ(error_of("[1 2]"), "1:4: expected ',', '|' or ']', got '2'");
  EXPECT_EQ(error_of("[1 | 2, 3]"),
            "1:7: expected ']' after the list's tail, got ','");
  EXPECT_EQ(error_of("#{a => 1 b => 2}"), "1:10: expected ',' or '}', got 'b'");
  EXPECT_EQ(error_of("#{a 1}"), "1:5: expected '=>', got '1'");
  EXPECT_EQ(error_of("#{a := 1}"), "1:5: expected '=>', got ':'");
  EXPECT_EQ(error_of("#rec{a = 1}"),
            "1:2: expected '{' after '#' (records are not terms), got 'rec'");
  EXPECT_EQ(error_of("{a || b}"), "1:4: expected ',' or '}', got '||'");
  EXPECT_EQ(error_of("\xe2\x98\xba"),
            "1:1: expected a term, got '\xe2\x98\xba'");
  EXPECT_EQ(error_of("{\"a long string of many characters\" x}"),
            "1:37: expected ',' or '}', got 'x'");
  EXPECT_EQ(error_of("{a, \"a long string of many characters\"]"),
            "1:39: expected ',' or '}', got ']'");
  EXPECT_EQ(error_of("[x, {a, \"a long string of many characters\"} ...]"),
            "1:45: expected ',', '|' or ']', got '.'");
  EXPECT_EQ(error_of("f(x)"), "1:2: expected end of input after the term, "
                              "got '('");
  // A long token is shortened in the message.
  EXPECT_EQ(error_of("{a \"a long string of many characters\"}"),
            "1:4: expected ',' or '}', got '\"a long string of many "
            "c...'");
}

TEST(TermParse, TrailingGarbage) {
  EXPECT_EQ(error_of("a b"), "1:3: expected end of input after the term, got "
                             "'b'");
  EXPECT_EQ(error_of("a. b"),
            "1:4: expected end of input after the term, got 'b'");
  EXPECT_EQ(error_of("a.."), "1:2: expected end of input after the term, got "
                             "'.'");
  // `a.b` is no atom: the dot does not end the term either.
  EXPECT_EQ(error_of("a.b"), "1:2: expected end of input after the term, got "
                             "'.'");
  EXPECT_EQ(error_of("{a, 1}}"),
            "1:7: expected end of input after the term, got '}'");
}

TEST(TermParse, EmptyInput) {
  EXPECT_EQ(error_of(""), "1:1: empty input: expected a term");
  EXPECT_EQ(error_of("   "), "1:4: empty input: expected a term");
  EXPECT_EQ(error_of("% only a comment\n"),
            "2:1: empty input: expected a term");
  EXPECT_EQ(error_of("."), "1:1: expected a term, got '.'");
}

TEST(TermParse, ErrorPositions) {
  auto e = otp::parse_term("{a,\n  b,\n  \"x}").error();
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
  EXPECT_EQ(e.reason(), "unterminated string");
  EXPECT_EQ(e.file(), "");
  EXPECT_EQ(e.message(), "3:3: unterminated string");
  // Columns count characters, not bytes.
  EXPECT_EQ(error_of("{\"\xc3\xa9\xe2\x98\xba\" x}"),
            "1:7: expected ',' or '}', got 'x'");
  EXPECT_EQ(error_of("[\n\n\t\tX]"), "3:3: variables are not terms: 'X'");
  EXPECT_EQ((otp::term_parse_error{2, 5, "why"}),
            (otp::term_parse_error{2, 5, "why"}));
  EXPECT_EQ((otp::term_parse_error{0, 0, "why", "f.config"}).message(),
            "f.config: why");
  EXPECT_EQ((otp::term_parse_error{2, 5, "why", "f.config"}).message(),
            "f.config:2:5: why");
}

TEST(TermParse, NestingIsBounded) {
  auto limit = otp::term_parse_max_depth;
  // At the limit, every kind of container nests.
  EXPECT_TRUE(otp::parse_term(nested(limit, "[", "", "]")).has_value());
  EXPECT_TRUE(otp::parse_term(nested(limit, "{", "1", "}")).has_value());
  EXPECT_TRUE(
      otp::parse_term(nested(limit - 1, "#{1 => ", "<<>>", "}")).has_value());
  auto deep =
      fmt::format("1:{}: nesting deeper than {} levels", limit + 1, limit);
  EXPECT_EQ(error_of(nested(limit + 1, "[", "", "]")), deep);
  EXPECT_EQ(error_of(nested(limit + 1, "{", "", "}")), deep);
  EXPECT_EQ(error_of(nested(limit, "[", "<<>>", "]")), deep);
  // Hostile input: far deeper than any stack, unterminated, or both.
  std::string hostile(1'000'000, '[');
  EXPECT_EQ(error_of(hostile), deep);
  EXPECT_EQ(
      error_of(nested(500'000, "#{a => ", "1", "}")),
      fmt::format("1:{}: nesting deeper than {} levels", limit * 7 + 1, limit));
}

// -- parse_terms and consult_file
// ----------------------------------------------

TEST(TermParse, ParseTermsReadsDotTerminatedTerms) {
  auto ts = otp::parse_terms("a. {b, 1}.\n[c]. % end\n");
  ASSERT_TRUE(ts.has_value()) << ts.error().message();
  ASSERT_EQ(ts->size(), 3u);
  EXPECT_EQ((*ts)[0], "a"_a);
  EXPECT_EQ((*ts)[1], (term{"b"_a, 1}));
  EXPECT_EQ((*ts)[2], term::list({"c"_a}));

  EXPECT_TRUE(otp::parse_terms("").value().empty());
  EXPECT_TRUE(otp::parse_terms(" % nothing\n\n").value().empty());
  EXPECT_EQ(otp::parse_terms("a. b").error().message(),
            "1:5: expected '.' after the term, got end of input");
  EXPECT_EQ(otp::parse_terms("a b.").error().message(),
            "1:3: expected '.' after the term, got 'b'");
  EXPECT_EQ(otp::parse_terms("a.\n{b,\n").error().message(),
            "2:1: unterminated tuple");
}

TEST(TermParse, ParseTermsReadsASysConfig) {
  auto ts =
      otp::parse_terms("[{kv, [{port, 7000}, {name, \"x\"}]}, {logger, []}].");
  ASSERT_TRUE(ts.has_value()) << ts.error().message();
  ASSERT_EQ(ts->size(), 1u);
  EXPECT_EQ(ts->front(),
            term::list({term{"kv"_a,
                             term::list({term{"port"_a, 7000},
                                         term{"name"_a, term::charlist("x")}})},
                        term{"logger"_a, term{}}}));
}

TEST(TermParse, ConsultFile) {
  temp_file config{"term_parse_test_sys.config", R"(%% -*- erlang -*-
[
 {kv, [{port, 7000},      % the listener
       {name, "x"},
       {secret, <<"s3cr3t">>}]},
 {kernel, [{logger_level, info},
           {inet_dist_listen_min, 16#2328}]}
].
)"};
  auto ts = otp::consult_file(config.path());
  ASSERT_TRUE(ts.has_value()) << ts.error().message();
  ASSERT_EQ(ts->size(), 1u);
  const term& apps = ts->front();
  ASSERT_TRUE(apps.is_proper_list());
  EXPECT_EQ(apps.as_list().size(), 2u);
  const term& kv = apps.head();
  EXPECT_EQ(kv[0], "kv"_a);
  EXPECT_EQ(kv[1].head(), (term{"port"_a, 7000}));
  EXPECT_EQ(apps.tail().head()[1].tail().head(),
            (term{"inet_dist_listen_min"_a, 9000}));
}

TEST(TermParse, ConsultFileErrorsNameTheFile) {
  auto missing =
      std::filesystem::path{testing::TempDir()} / "term_parse_test_no_such";
  auto e = otp::consult_file(missing).error();
  EXPECT_EQ(e.line(), 0u);
  EXPECT_EQ(e.file(), missing.string());
  EXPECT_EQ(e.message(), missing.string() + ": No such file or directory");

  auto dir = otp::consult_file(testing::TempDir()).error();
  EXPECT_EQ(dir.reason(), "Is a directory");

  temp_file bad{"term_parse_test_bad.config", "[{a, 1}].\n[{b, X}].\n"};
  auto parse_error = otp::consult_file(bad.path()).error();
  EXPECT_EQ(parse_error.message(),
            bad.path().string() + ":2:6: variables are not terms: 'X'");
}

// -- round trip
// ----------------------------------------------------------------

TEST(TermParse, ReadsBackWhatThePrinterWrites) {
  const term samples[] = {
      term{},
      term::tuple(),
      term::map({}),
      term::binary(""),
      term{"add"_a, 5},
      term::list({1, 2, 3}),
      term::cons(97, 98),
      term::improper_list({1, 2}, 3),
      term::improper_list({1}, term::charlist("ab")),
      term::list({term::charlist("bc"), term::list({term{}}), 1000}),
      term::map({{term::tuple("c"_a), term::list({1, 2})},
                 {"a"_a, 1},
                 {"b"_a, "x"},
                 {1.0, "f"_a},
                 {2, "i"_a}}),
      term{"EXIT"_a, "hello world"_a, "[]"_a, "a@b"_a, "a.b"_a},
      term{"_x"_a, "don't"_a, "back\\slash"_a, "nl\nx"_a, "x\x1b"_a},
      term{"and"_a, "fun"_a, "xor"_a, "maybe"_a, otp::atom{""}},
      term{otp::atom{std::string{"a\0b", 3}}, "del\x7f"_a, "ctl\x01"_a},
      term{otp::atom{"\xc3\xbcn\xc3\xaf"}, otp::atom{"\xc3\x80"},
           otp::atom{"a\xc2\xa0"}, otp::atom{"a\xc5\x9d b"}},
      term{"a\nb\"c\\d", "tab\t\r\v\b\f\x1b", "\xc3\xa9", "\xff\x80"},
      bytes({0, 1, 127, 128, 159, 160, 255}),
      term{"hello world"}.sub_binary(6, 5),
      term::charlist("\xc3\xa9t\xc3\xa9 \xe2\x98\xba"),
      codes({0, 7, 8, 27, 127, 128, 159, 160, 255, 256, 0x10FFFF}),
      term::charlist("q\"uote'\\"),
      term{std::numeric_limits<std::int64_t>::min(),
           std::numeric_limits<std::int64_t>::max(), ~std::uint64_t{0}},
      term::parse_integer("-18446744073709551616"),
      term::parse_integer("123456789012345678901234567890123456789"),
      term{true, false, "undefined"_a},
      term::tuple(term::tuple(term::tuple(term::list({term::map({})})))),
  };
  for (const term& t : samples) {
    auto text = otp::to_string(t);
    auto back = otp::parse_term(text);
    ASSERT_TRUE(back.has_value()) << text << ": " << back.error().message();
    EXPECT_EQ(*back, t) << text << " read back as " << *back;
    EXPECT_EQ(otp::to_string(*back), text);
  }
}

TEST(TermParse, ReadsBackEveryFloatThePrinterWrites) {
  const double samples[] = {1.0,
                            0.1,
                            1.0e20,
                            1.0e-5,
                            123.456,
                            1.5e300,
                            -2.5,
                            3.0e-10,
                            5.0e-324,
                            2.2250738585072014e-308,
                            2.225073858507201e-308,
                            1.7976931348623157e308,
                            0.30000000000000004,
                            12345678901234567.0,
                            0.000123,
                            1000.0,
                            9007199254740992.0,
                            9007199254740990.0,
                            1.0e-323,
                            0.0,
                            -0.0};
  for (double d : samples) {
    auto text = otp::to_string(term{d});
    auto back = otp::parse_term(text);
    ASSERT_TRUE(back.has_value()) << text << ": " << back.error().message();
    ASSERT_TRUE(back->is_float()) << text;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back->as_double()),
              std::bit_cast<std::uint64_t>(d))
        << text;
  }
}

TEST(TermParse, ReadsBackRandomTerms) {
  term_generator gen{20240601};
  for (int i = 0; i < 500; ++i) {
    term t = gen.make(4);
    auto text = fmt::format("{}", t);
    auto back = otp::parse_term(text);
    ASSERT_TRUE(back.has_value()) << text << ": " << back.error().message();
    ASSERT_EQ(*back, t) << text << " read back as " << *back;
  }
  // And as a consulted file, one term per line.
  std::string file;
  std::vector<term> expected;
  for (int i = 0; i < 50; ++i) {
    expected.push_back(gen.make(3));
    file += fmt::format("{}.\n", expected.back());
  }
  auto back = otp::parse_terms(file);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, expected);
}

TEST(TermParse, MangledTextNeverCrashes) {
  // Every prefix and many single-byte corruptions of printed terms: each
  // must give a term or an error with a position inside the text (the
  // sanitizer builds check for undefined behaviour on the way).
  term_generator gen{7};
  std::mt19937 rng{11};
  const char noise[] = "{}[]<>#=|,.$\\\"'%-+_09aZx\n \xc3\xff";
  for (int i = 0; i < 60; ++i) {
    auto text = otp::to_string(gen.make(3));
    for (std::size_t n = 0; n <= text.size(); ++n) {
      auto r = otp::parse_term(std::string_view{text}.substr(0, n));
      if (!r) {
        EXPECT_GE(r.error().line(), 1u);
      }
    }
    for (int k = 0; k < 40 && !text.empty(); ++k) {
      auto mangled = text;
      mangled[rng() % mangled.size()] = noise[rng() % (sizeof noise - 1)];
      auto r = otp::parse_term(mangled);
      if (!r) {
        EXPECT_GE(r.error().line(), 1u);
        EXPECT_FALSE(r.error().reason().empty());
      }
    }
  }
}

TEST(TermParse, DecodesTextAsCharlistDoes) {
  // An overlong form (C0 80) and an encoded surrogate (ED A0 80) are not
  // UTF-8: the scanner takes their bytes as Latin-1, as term::charlist does.
  for (std::string bytes :
       {std::string{"\xC0\x80"}, std::string{"\xED\xA0\x80"},
        std::string{"caf\xC3\xA9"}}) {
    auto t = otp::parse_term("\"" + bytes + "\"");
    ASSERT_TRUE(t.has_value()) << t.error().message();
    EXPECT_EQ(*t, term::charlist(bytes));
  }
}
