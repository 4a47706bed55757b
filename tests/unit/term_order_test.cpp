// Erlang's term order, checked against facts taken from `erl` (OTP 25).
// `lists:sort/1` is stable, so where erl's output keeps two `==`-equal
// values (such as 0 and 0.0) in input order, otp++ puts the integer first:
// `<=>` refines Erlang's order so that it is total and agrees with `=:=`.

#include "otp/term.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <vector>

using namespace otp::literals;
using otp::term;

namespace {

std::vector<term> order_sorted(std::vector<term> v) {
  std::sort(v.begin(), v.end());
  return v;
}

term order_big(std::string_view s) {
  return term::parse_integer(s);
}

void expect_strictly_increasing(const std::vector<term>& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    EXPECT_LT(v[i - 1], v[i])
        << otp::to_string(v[i - 1]) << " vs " << otp::to_string(v[i]);
    EXPECT_GT(v[i], v[i - 1]);
    EXPECT_NE(v[i - 1], v[i]);
  }
}

} // namespace

TEST(TermOrder, KindsInErlangOrder) {
  // erl: lists:sort([b, 1, "a", <<"a">>, {}, #{}, [], [a], self(),
  //                  make_ref(), fun() -> ok end, 1.5, {a}, [a|b]])
  // -> [1,1.5,b,#Ref<...>,#Fun<...>,<0.9.0>,{},{a},#{},[],"a",[a|b],[a],
  //     <<"a">>]
  auto r = otp::ref::make();
  auto p = otp::pid::remote("n@h"_a, 9, 0, 1);
  auto any = term::any(42);
  std::vector<term> expected{1,
                             1.5,
                             "b"_a,
                             r,
                             any,
                             p,
                             term::tuple(),
                             term::tuple("a"_a),
                             term::map({}),
                             term{},
                             term::charlist("a"),
                             term::cons("a"_a, "b"_a),
                             term::list({"a"_a}),
                             "a"};
  std::vector<term> shuffled{"a",
                             term::cons("a"_a, "b"_a),
                             term{},
                             term::list({"a"_a}),
                             p,
                             term::tuple("a"_a),
                             any,
                             term::map({}),
                             1.5,
                             "b"_a,
                             term::tuple(),
                             r,
                             term::charlist("a"),
                             1};
  EXPECT_EQ(order_sorted(shuffled), expected);
  expect_strictly_increasing(expected);
}

TEST(TermOrder, NumbersByValueIntegerFirstOnTies) {
  // erl: lists:sort([3, 2.5, -1, 1.0e20, 100000000000000000000,
  //                  -100000000000000000000, 2, -1.5, 0, 0.0])
  // -> [-100000000000000000000,-1.5,-1,0,0.0,2,2.5,3,1.0e20,
  //     100000000000000000000]
  // (1.0e20 == 100000000000000000000 in Erlang; otp++ puts the integer
  // first.)
  std::vector<term> expected{
      order_big("-100000000000000000000"), -1.5,  -1, 0, 0.0, 2, 2.5, 3,
      order_big("100000000000000000000"),  1.0e20};
  std::vector<term> input{3,
                          2.5,
                          -1,
                          1.0e20,
                          order_big("100000000000000000000"),
                          order_big("-100000000000000000000"),
                          2,
                          -1.5,
                          0,
                          0.0};
  EXPECT_EQ(order_sorted(input), expected);
  expect_strictly_increasing(expected);
}

TEST(TermOrder, IntegersAndFloatsCompareExactly) {
  // erl: 9007199254740993 > 9007199254740992.0 -> true
  EXPECT_GT(term{9007199254740993}, term{9007199254740992.0});
  // erl: 9007199254740992 == 9007199254740992.0 -> true
  EXPECT_TRUE(otp::equal(term{9007199254740992}, term{9007199254740992.0}));
  EXPECT_LT(term{9007199254740992}, term{9007199254740992.0}); // tie: int
  // erl: 9223372036854775807 < 9.223372036854776e18 -> true
  EXPECT_LT(term{9223372036854775807}, term{9.223372036854776e18});
  // erl: -9223372036854775808 == -9.223372036854776e18 -> true
  EXPECT_TRUE(otp::equal(term{std::numeric_limits<std::int64_t>::min()},
                         term{-9.223372036854776e18}));
  // erl: 9223372036854775808 == 9.223372036854776e18 -> true
  EXPECT_TRUE(
      otp::equal(order_big("9223372036854775808"), term{9.223372036854776e18}));
  // erl: -9223372036854775809 < -9.223372036854775e18 -> true
  EXPECT_LT(order_big("-9223372036854775809"), term{-9.223372036854775e18});
  // erl: 18446744073709551616 < 1.0e20, 18446744073709551616 > 1.0e19,
  //      1.0e300 > 99999999999999999999999999999999999999 -> true
  EXPECT_LT(order_big("18446744073709551616"), term{1.0e20});
  EXPECT_GT(order_big("18446744073709551616"), term{1.0e19});
  EXPECT_GT(term{1.0e300}, order_big("99999999999999999999999999999999999999"));
  EXPECT_LT(order_big("-99999999999999999999999999999999999999"),
            term{-1.0e30});
  // Fractions between neighbouring integers.
  EXPECT_LT(term{1}, term{1.5});
  EXPECT_GT(term{2}, term{1.5});
  EXPECT_LT(term{-2}, term{-1.5});
  EXPECT_GT(term{-1}, term{-1.5});
  EXPECT_EQ(term{-0.0} <=> term{0.0}, std::strong_ordering::equal);
}

TEST(TermOrder, AtomsByText) {
  // erl: lists:sort(['b', 'B', 'a', 'aa', '', 'a b', 'ab'])
  // -> ['','B',a,'a b',aa,ab,b]
  std::vector<term> expected{otp::atom{""}, "B"_a,  "a"_a, "a b"_a,
                             "aa"_a,        "ab"_a, "b"_a};
  EXPECT_EQ(order_sorted(
                {"b"_a, "B"_a, "a"_a, "aa"_a, otp::atom{""}, "a b"_a, "ab"_a}),
            expected);
  expect_strictly_increasing(expected);
}

TEST(TermOrder, TuplesBySizeThenElements) {
  // erl: lists:sort([{b}, {a,a}, {}, {a,b,c}, {a,b}, {1}])
  // -> [{},{1},{b},{a,a},{a,b},{a,b,c}]
  std::vector<term> expected{term::tuple(),      term::tuple(1),
                             term::tuple("b"_a), term{"a"_a, "a"_a},
                             term{"a"_a, "b"_a}, term{"a"_a, "b"_a, "c"_a}};
  EXPECT_EQ(order_sorted({term::tuple("b"_a), term{"a"_a, "a"_a}, term::tuple(),
                          term{"a"_a, "b"_a, "c"_a}, term{"a"_a, "b"_a},
                          term::tuple(1)}),
            expected);
  expect_strictly_increasing(expected);
  // erl: lists:sort([{1.0}, {1}, {2}, {1.5}]) -> [{1.0},{1},{1.5},{2}]
  // ({1.0} == {1}; otp++ puts {1} first.)
  EXPECT_EQ(order_sorted({term::tuple(1.0), term::tuple(1), term::tuple(2),
                          term::tuple(1.5)}),
            (std::vector<term>{term::tuple(1), term::tuple(1.0),
                               term::tuple(1.5), term::tuple(2)}));
}

TEST(TermOrder, TieBreakKeepsErlangOrderFirst) {
  // erl: {1,2} > {1.0,1} -> true: the integer-first rule only decides
  // between values Erlang finds equal.
  EXPECT_GT((term{1, 2}), (term{1.0, 1}));
  EXPECT_LT((term{1.0, 1}), (term{1, 2}));
  // [1, 1.0] vs [1.0, 1]: Erlang-equal; the first difference decides.
  EXPECT_LT(term::list({1, 1.0}), term::list({1.0, 1}));
  EXPECT_GT(term::list({1.0, 1}), term::list({1, 1.0}));
}

TEST(TermOrder, ListsElementWiseThenTail) {
  // erl: lists:sort([[b], [a,z], [a], [], [a|b], [a,b], [a,b|c]])
  // -> [[],[a|b],[a],[a,b|c],[a,b],[a,z],[b]]
  std::vector<term> expected{term{},
                             term::cons("a"_a, "b"_a),
                             term::list({"a"_a}),
                             term::improper_list({"a"_a, "b"_a}, "c"_a),
                             term::list({"a"_a, "b"_a}),
                             term::list({"a"_a, "z"_a}),
                             term::list({"b"_a})};
  EXPECT_EQ(order_sorted({term::list({"b"_a}), term::list({"a"_a, "z"_a}),
                          term::list({"a"_a}), term{}, term::cons("a"_a, "b"_a),
                          term::list({"a"_a, "b"_a}),
                          term::improper_list({"a"_a, "b"_a}, "c"_a)}),
            expected);
  expect_strictly_increasing(expected);
}

TEST(TermOrder, BinariesBytewise) {
  // erl: lists:sort([<<2>>, <<1,0>>, <<1>>, <<>>, <<0>>, <<255>>, <<1,255>>])
  // -> [<<>>,<<0>>,<<1>>,<<1,0>>,<<1,255>>,<<2>>,<<255>>]
  auto bin = [](std::initializer_list<std::uint8_t> bytes) {
    return term::binary(
        std::span<const std::uint8_t>{bytes.begin(), bytes.size()});
  };
  std::vector<term> expected{bin({}),       bin({0}), bin({1}),  bin({1, 0}),
                             bin({1, 255}), bin({2}), bin({255})};
  EXPECT_EQ(order_sorted({bin({2}), bin({1, 0}), bin({1}), bin({}), bin({0}),
                          bin({255}), bin({1, 255})}),
            expected);
  expect_strictly_increasing(expected);
  // A sub-binary compares by its bytes.
  EXPECT_EQ(term{"xabc"}.sub_binary(1, 3) <=> term{"abc"},
            std::strong_ordering::equal);
}

TEST(TermOrder, MapsBySizeThenKeysThenValues) {
  // erl: lists:sort([#{a=>1,b=>1}, #{a=>1}, #{b=>1}, #{a=>2}, #{}, #{1=>a},
  //                  #{1.0=>a}, #{2=>a}, #{a=>1.0}])
  // -> [#{},#{1 => a},#{2 => a},#{1.0 => a},#{a => 1.0},#{a => 1},
  //     #{a => 2},#{b => 1},#{a => 1,b => 1}]
  // Keys use the map key order, where every integer is below every float
  // (#{2 => a} < #{1.0 => a}); #{a => 1.0} == #{a => 1} and otp++ puts the
  // integer first.
  std::vector<term> expected{term::map({}),
                             term::map({{1, "a"_a}}),
                             term::map({{2, "a"_a}}),
                             term::map({{1.0, "a"_a}}),
                             term::map({{"a"_a, 1}}),
                             term::map({{"a"_a, 1.0}}),
                             term::map({{"a"_a, 2}}),
                             term::map({{"b"_a, 1}}),
                             term::map({{"a"_a, 1}, {"b"_a, 1}})};
  EXPECT_EQ(order_sorted({term::map({{"a"_a, 1}, {"b"_a, 1}}),
                          term::map({{"a"_a, 1}}), term::map({{"b"_a, 1}}),
                          term::map({{"a"_a, 2}}), term::map({}),
                          term::map({{1, "a"_a}}), term::map({{1.0, "a"_a}}),
                          term::map({{2, "a"_a}}), term::map({{"a"_a, 1.0}})}),
            expected);
  expect_strictly_increasing(expected);
  // erl: #{a => 2, b => 1} < #{a => 1, c => 1} -> true (all keys first)
  EXPECT_LT(term::map({{"a"_a, 2}, {"b"_a, 1}}),
            term::map({{"a"_a, 1}, {"c"_a, 1}}));
  // erl: #{{1.0} => a} < #{{2} => a} -> false (key order holds inside keys)
  EXPECT_GT(term::map({{term::tuple(1.0), "a"_a}}),
            term::map({{term::tuple(2), "a"_a}}));
}

TEST(TermOrder, MapKeysIterateInKeyOrder) {
  // erl: io:format("~p", [#{2 => a, 1.0 => b}]) -> #{2 => a,1.0 => b}
  auto m = term::map({{1.0, "b"_a}, {2, "a"_a}});
  std::vector<term> keys;
  for (const auto& e : m.as_map())
    keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<term>{2, 1.0}));
}

TEST(TermOrder, RefsPidsAndAnys) {
  auto r1 = otp::ref::make();
  auto r2 = otp::ref::make();
  EXPECT_LT(term{r1}, term{r2});
  EXPECT_EQ(term{r1} <=> term{r1}, std::strong_ordering::equal);
  auto p1 = otp::pid::remote("n@h"_a, 1, 0, 1);
  auto p2 = otp::pid::remote("n@h"_a, 2, 0, 1);
  EXPECT_EQ(term{p1} <=> term{p2}, p1 <=> p2);
  auto a1 = term::any(1);
  auto a2 = term::any(1);
  EXPECT_LT(a1, a2); // by creation
  EXPECT_EQ(a1 <=> term{a1}, std::strong_ordering::equal);
}

TEST(TermOrder, ConsistentWithEquality) {
  std::vector<term> values{0,
                           0.0,
                           1,
                           1.0,
                           -0.0,
                           "a"_a,
                           "a",
                           term{},
                           term::tuple(1),
                           term::tuple(1.0),
                           term::list({1}),
                           term::list({1.0}),
                           term::map({{"k"_a, 1}}),
                           term::map({{"k"_a, 1.0}}),
                           order_big("100000000000000000000"),
                           1.0e20};
  for (const auto& a : values)
    for (const auto& b : values)
      EXPECT_EQ((a <=> b) == 0, a == b)
          << otp::to_string(a) << " vs " << otp::to_string(b);
}
