// Printing, checked against `io_lib:format("~1000000p", [T])` in OTP 25
// (`~p` on one line). The golden strings below are erl's output, with
// Latin-1 characters written here in UTF-8.

#include "otp/local_node.hpp"
#include "otp/term.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sstream>
#include <string>

using namespace otp::literals;
using otp::term;

namespace {

std::string printed(const term& t) {
  return otp::to_string(t);
}

term print_bin(std::initializer_list<std::uint8_t> bytes) {
  return term::binary(
      std::span<const std::uint8_t>{bytes.begin(), bytes.size()});
}

otp::atom print_atom_of(std::initializer_list<char32_t> code_points) {
  std::string utf8;
  for (char32_t c : code_points) {
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else if (c < 0x800) {
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      utf8 += static_cast<char>(0xE0 | (c >> 12));
      utf8 += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return otp::atom{utf8};
}

} // namespace

TEST(TermPrint, Containers) {
  // erl: {add,5}  [1,2,3]  {}  {a}  #{}  [] [[]]
  EXPECT_EQ(printed(term{"add"_a, 5}), "{add,5}");
  EXPECT_EQ(printed(term::list({1, 2, 3})), "[1,2,3]");
  EXPECT_EQ(printed(term::tuple()), "{}");
  EXPECT_EQ(printed(term::tuple("a"_a)), "{a}");
  EXPECT_EQ(printed(term::map({})), "#{}");
  EXPECT_EQ(printed(term{}), "[]");
  EXPECT_EQ(printed(term::list({term{}})), "[[]]");
  // erl: #{a => 1,b => <<"x">>,{c} => [1,2]}
  EXPECT_EQ(printed(term::map({{term::tuple("c"_a), term::list({1, 2})},
                               {"a"_a, 1},
                               {"b"_a, "x"}})),
            "#{a => 1,b => <<\"x\">>,{c} => [1,2]}");
  // erl: #{2 => a,1.0 => b}
  EXPECT_EQ(printed(term::map({{1.0, "b"_a}, {2, "a"_a}})),
            "#{2 => a,1.0 => b}");
  // erl: [97|98]  [1,2|3]
  EXPECT_EQ(printed(term::cons(97, 98)), "[97|98]");
  EXPECT_EQ(printed(term::improper_list({1, 2}, 3)), "[1,2|3]");
  // erl: [{a,"bc"},[[]],["a"],[97,98,1000]]
  EXPECT_EQ(
      printed(term::list(
          {term{"a"_a, term::charlist("bc")}, term::list({term{}}),
           term::list({term::charlist("a")}), term::list({97, 98, 1000})})),
      "[{a,\"bc\"},[[]],[\"a\"],[97,98,1000]]");
  EXPECT_EQ(printed(term{-5, term::tuple(-1)}), "{-5,{-1}}");
}

TEST(TermPrint, Atoms) {
  // erl: ['EXIT','hello world','[]',[],a@b,'a.b','Abc','_x',ab_C1,'',
  //       'don\'t','back\\slash','nl\nx','tab\tx',true,'and',maybe,else,
  //       'fun','cond','let','begin',spec,'{}','!','x\e','del\d','ctl\001']
  EXPECT_EQ(printed("EXIT"_a), "'EXIT'");
  EXPECT_EQ(printed("hello world"_a), "'hello world'");
  EXPECT_EQ(printed("[]"_a), "'[]'");
  EXPECT_EQ(printed("a@b"_a), "a@b");
  EXPECT_EQ(printed("a.b"_a), "'a.b'");
  EXPECT_EQ(printed("Abc"_a), "'Abc'");
  EXPECT_EQ(printed("_x"_a), "'_x'");
  EXPECT_EQ(printed("ab_C1"_a), "ab_C1");
  EXPECT_EQ(printed(otp::atom{""}), "''");
  EXPECT_EQ(printed("don't"_a), "'don\\'t'");
  EXPECT_EQ(printed("back\\slash"_a), "'back\\\\slash'");
  EXPECT_EQ(printed("nl\nx"_a), "'nl\\nx'");
  EXPECT_EQ(printed("tab\tx"_a), "'tab\\tx'");
  EXPECT_EQ(printed(true), "true");
  EXPECT_EQ(printed("and"_a), "'and'");
  EXPECT_EQ(printed("maybe"_a), "maybe");
  EXPECT_EQ(printed("else"_a), "else");
  EXPECT_EQ(printed("fun"_a), "'fun'");
  EXPECT_EQ(printed("cond"_a), "'cond'");
  EXPECT_EQ(printed("let"_a), "'let'");
  EXPECT_EQ(printed("begin"_a), "'begin'");
  EXPECT_EQ(printed("xor"_a), "'xor'");
  EXPECT_EQ(printed("spec"_a), "spec");
  EXPECT_EQ(printed("{}"_a), "'{}'");
  EXPECT_EQ(printed("!"_a), "'!'");
  EXPECT_EQ(printed("x\x1b"_a), "'x\\e'");
  EXPECT_EQ(printed("del\x7f"_a), "'del\\d'");
  EXPECT_EQ(printed("ctl\x01"_a), "'ctl\\001'");
  EXPECT_EQ(printed(print_atom_of({'a', 0})), "'a\\000'");
}

TEST(TermPrint, AtomsBeyondAscii) {
  // erl: [ünï, ß, 'a÷', é, aÈ, 'a\200', 'a\240', 'a×', 'À', aÀ,
  //       '\x{15D}', 'a\x{15D}', 'a\x{15D}b c']
  // (160 is not a name character, so 'a\240' is quoted and printed raw.)
  EXPECT_EQ(printed(print_atom_of({0xFC, 'n', 0xEF})), "ünï");
  EXPECT_EQ(printed(print_atom_of({0xDF})), "ß");
  EXPECT_EQ(printed(print_atom_of({'a', 0xF7})), "'a÷'");
  EXPECT_EQ(printed(print_atom_of({0xE9})), "é");
  EXPECT_EQ(printed(print_atom_of({'a', 200})), "aÈ");
  EXPECT_EQ(printed(print_atom_of({'a', 128})), "'a\\200'");
  EXPECT_EQ(printed(print_atom_of({'a', 160})), "'a\u00A0'");
  EXPECT_EQ(printed(print_atom_of({'a', 215})), "'a×'");
  EXPECT_EQ(printed(print_atom_of({192})), "'À'");
  EXPECT_EQ(printed(print_atom_of({'a', 192})), "aÀ");
  EXPECT_EQ(printed(print_atom_of({0x15D})), "'\\x{15D}'");
  EXPECT_EQ(printed(print_atom_of({'a', 0x15D})), "'a\\x{15D}'");
  EXPECT_EQ(printed(print_atom_of({'a', 0x15D, 'b', ' ', 'c'})),
            "'a\\x{15D}b c'");
}

TEST(TermPrint, Binaries) {
  // erl: [<<"bin">>,<<1,2,3>>,<<>>,<<"a\nb\"c\\d">>,<<"tab\t\r\v\b\f\e">>,
  //       <<97,98,99,0>>,<<127>>,<<128>>,<<159>>]
  EXPECT_EQ(printed("bin"), "<<\"bin\">>");
  EXPECT_EQ(printed(print_bin({1, 2, 3})), "<<1,2,3>>");
  EXPECT_EQ(printed(term::binary("")), "<<>>");
  EXPECT_EQ(printed("a\nb\"c\\d"), "<<\"a\\nb\\\"c\\\\d\">>");
  EXPECT_EQ(printed("tab\t\r\v\b\f\x1b"), "<<\"tab\\t\\r\\v\\b\\f\\e\">>");
  EXPECT_EQ(printed(print_bin({'a', 'b', 'c', 0})), "<<97,98,99,0>>");
  EXPECT_EQ(printed(print_bin({127})), "<<127>>");
  EXPECT_EQ(printed(print_bin({128})), "<<128>>");
  EXPECT_EQ(printed(print_bin({159})), "<<159>>");
  // erl: <<233>> -> <<"é">>; <<160,97>> -> <<" a">> (160 is a no-break
  // space); <<195,169>> (UTF-8 for é) -> <<"Ã©">>: ~p reads bytes as
  // Latin-1.
  EXPECT_EQ(printed(print_bin({233})), "<<\"é\">>");
  EXPECT_EQ(printed(print_bin({160, 97})), "<<\"\u00A0a\">>");
  EXPECT_EQ(printed(term{"\xC3\xA9"}), "<<\"Ã©\">>");
  EXPECT_EQ(printed(term{"hello world"}.sub_binary(6, 5)), "<<\"world\">>");
}

TEST(TermPrint, Charlists) {
  // erl: ["abc",[],"a\nb",[97,300],"é",[127],"a\"b'c",[0],"\n",
  //       "\b\t\v\f\r\e",[7],"ab\\c",[97,"b"],[128],[349]," a"]
  EXPECT_EQ(printed(term::charlist("abc")), "\"abc\"");
  EXPECT_EQ(printed(term::charlist("")), "[]");
  EXPECT_EQ(printed(term::charlist("a\nb")), "\"a\\nb\"");
  EXPECT_EQ(printed(term::list({97, 300})), "[97,300]");
  EXPECT_EQ(printed(term::list({233})), "\"é\"");
  EXPECT_EQ(printed(term::list({127})), "[127]");
  EXPECT_EQ(printed(term::charlist("a\"b'c")), "\"a\\\"b'c\"");
  EXPECT_EQ(printed(term::list({0})), "[0]");
  EXPECT_EQ(printed(term::list({10})), "\"\\n\"");
  EXPECT_EQ(printed(term::list({8, 9, 11, 12, 13, 27})),
            "\"\\b\\t\\v\\f\\r\\e\"");
  EXPECT_EQ(printed(term::list({7})), "[7]");
  EXPECT_EQ(printed(term::charlist("ab\\c")), "\"ab\\\\c\"");
  EXPECT_EQ(printed(term::list({97, term::list({98})})), "[97,\"b\"]");
  EXPECT_EQ(printed(term::list({128})), "[128]");
  EXPECT_EQ(printed(term::list({0x15D})), "[349]");
  EXPECT_EQ(printed(term::list({160, 97})), "\"\u00A0a\"");
  EXPECT_EQ(printed(term::list({97, 98.0})), "[97,98.0]");
}

TEST(TermPrint, Integers) {
  // erl: 340282366920938463463374607431768211456 (1 bsl 128),
  //      -18446744073709551616
  EXPECT_EQ(printed(42), "42");
  EXPECT_EQ(printed(-42), "-42");
  EXPECT_EQ(printed(std::numeric_limits<std::int64_t>::min()),
            "-9223372036854775808");
  EXPECT_EQ(
      printed(term::parse_integer("340282366920938463463374607431768211456")),
      "340282366920938463463374607431768211456");
  EXPECT_EQ(printed(term::parse_integer("-18446744073709551616")),
            "-18446744073709551616");
}

TEST(TermPrint, FloatsAsErlangDoes) {
  // erl: io:format("~p", [[...]]) on each input; the output is the shortest
  // text that reads back to the same double, in plain notation unless the
  // scientific one is shorter (and always scientific from 2^53 up).
  struct golden {
    double value;
    const char* text;
  };
  const golden cases[] = {
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1.0e20, "1.0e20"},
      {1.0e-5, "1.0e-5"},
      {123.456, "123.456"},
      {1.0e15, "1.0e15"},
      {1.0e16, "1.0e16"},
      {1.0e21, "1.0e21"},
      {0.001, "0.001"},
      {1.5e300, "1.5e300"},
      {-2.5, "-2.5"},
      {100.0, "100.0"},
      {3.0e-10, "3.0e-10"},
      {5.0e-324, "5.0e-324"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {0.30000000000000004, "0.30000000000000004"},
      {1.0e22, "1.0e22"},
      {12345678901234567.0, "1.2345678901234568e16"},
      {0.0001, "0.0001"},
      {0.01, "0.01"},
      {0.000123, "1.23e-4"},
      {0.0000123, "1.23e-5"},
      {0.00123, "0.00123"},
      {1.5e-4, "1.5e-4"},
      {1.25e-4, "1.25e-4"},
      {10.0, "10.0"},
      {1000.0, "1.0e3"},
      {1.0e4, "1.0e4"},
      {1.0e14, "1.0e14"},
      {1.5e14, "1.5e14"},
      {1.5e15, "1.5e15"},
      {123456789012345.0, "123456789012345.0"},
      {1234567890123456.0, "1234567890123456.0"},
      {12345.0, "12345.0"},
      {1.2e5, "1.2e5"},
      {1.23e7, "1.23e7"},
      {9007199254740992.0, "9.007199254740992e15"},
      {9007199254740990.0, "9007199254740990.0"},
      {4503599627370496.0, "4503599627370496.0"},
      {1.234e-10, "1.234e-10"},
      {0.5, "0.5"},
      {2.0e-4, "0.0002"},
      {1.0e100, "1.0e100"},
      {1.0e-100, "1.0e-100"},
      {123.0e10, "1.23e12"},
      {1.0e-323, "1.0e-323"},
      {-1.0, "-1.0"},
      {1.0e-300, "1.0e-300"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(printed(c.value), c.text) << c.text;
}

TEST(TermPrint, PidsRefsAndAnys) {
  // erl: {'EXIT',<0.9.0>,normal}
  otp::pid local{otp::detail::intrusive_ptr<otp::detail::pid_block>{
      new otp::detail::pid_block{otp::local_node(), 9, 0, 0, true}, false}};
  EXPECT_EQ(printed(term{"EXIT"_a, local, "normal"_a}),
            "{'EXIT',<0.9.0>,normal}");
  EXPECT_EQ(printed(local), otp::to_string(local));
  auto r = otp::ref::make();
  EXPECT_EQ(printed(r), otp::to_string(r));
  EXPECT_EQ(printed(r).rfind("#Ref<0.", 0), 0U);
  EXPECT_EQ(printed(term::any(1)), "#Any<int>");
}

TEST(TermPrint, StreamsAndFmt) {
  term t{"add"_a, 5};
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), "{add,5}");
  EXPECT_EQ(fmt::format("{}", t), "{add,5}");
  EXPECT_EQ(fmt::format("msg: {} {}", term::list({1}), term{"x"}),
            "msg: [1] <<\"x\">>");
}
