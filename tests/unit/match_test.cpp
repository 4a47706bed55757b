#include "otp/match.hpp"

#include "allocation_counter.hpp"

#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace otp::literals;
using namespace otp::patterns;
using otp::term;

namespace {

/// Stands in for the runtime's selective receive: takes any predicate.
template <class Pred>
std::optional<term> match_test_receive(std::vector<term>& mailbox,
                                       const Pred& pred) {
  for (auto it = mailbox.begin(); it != mailbox.end(); ++it) {
    if (pred(*it)) {
      term msg = std::move(*it);
      mailbox.erase(it);
      return msg;
    }
  }
  return std::nullopt;
}

struct match_test_job {
  int id;
};

} // namespace

TEST(Match, LiteralsAndWildcards) {
  term msg{"add"_a, 5};
  EXPECT_TRUE(match(msg, tuple("add"_a, _)));
  EXPECT_TRUE(match(msg, tuple("add"_a, 5)));
  EXPECT_TRUE(match(msg, tuple(_, _)));
  EXPECT_FALSE(match(msg, tuple("sub"_a, _)));
  EXPECT_FALSE(match(msg, tuple("add"_a, 6)));
  EXPECT_FALSE(match(msg, tuple("add"_a, _, _)));
  EXPECT_FALSE(match(msg, tuple("add"_a)));
  EXPECT_TRUE(match(msg, _));
  EXPECT_TRUE(match(term{"ok"_a}, "ok"_a));
  EXPECT_FALSE(match(term{"ok"_a}, "error"_a));
  EXPECT_TRUE(match(term::tuple(), tuple()));
  EXPECT_FALSE(match(term{}, tuple()));
}

TEST(Match, LiteralsMatchExactly) {
  // Erlang patterns use =:=: the pattern 1 does not match 1.0.
  EXPECT_FALSE(match(term{1.0}, 1));
  EXPECT_FALSE(match(term{1}, 1.0));
  EXPECT_TRUE(match(term{2.5}, 2.5));
  EXPECT_TRUE(match(term{true}, true));
  EXPECT_FALSE(match(term{"true"}, true));
  EXPECT_TRUE(match(term::parse_integer("123456789012345678901234567890"),
                    term::parse_integer("123456789012345678901234567890")));
  EXPECT_TRUE(match(term{std::numeric_limits<std::uint64_t>::max()},
                    std::numeric_limits<std::uint64_t>::max()));
}

TEST(Match, StringsMatchBinaries) {
  term msg{"say"_a, "hello"};
  EXPECT_TRUE(match(msg, tuple("say"_a, "hello")));
  EXPECT_FALSE(match(msg, tuple("say"_a, "hell")));
  EXPECT_TRUE(match(msg, tuple("say"_a, std::string{"hello"})));
  EXPECT_TRUE(match(msg, tuple("say"_a, std::string_view{"hello"})));
  // A charlist is not a binary.
  EXPECT_FALSE(
      match(term{"say"_a, term::charlist("hello")}, tuple("say"_a, "hello")));
  // ...but can be matched as a term.
  EXPECT_TRUE(match(term{"say"_a, term::charlist("hi")},
                    tuple("say"_a, term::charlist("hi"))));
}

TEST(Match, KindPlaceholders) {
  auto p = otp::pid::remote("n@h"_a, 1, 2, 3);
  auto r = otp::ref::make();
  term msg{1,
           2.5,
           "a"_a,
           "bin",
           term::list({1}),
           term{},
           term{1, 2},
           term::map({}),
           p,
           r,
           term::any(match_test_job{1})};
  EXPECT_TRUE(match(msg, tuple(_int, _float, _atom, _binary, _list, _list,
                               _tuple, _map, _pid, _ref, _any_value)));
  EXPECT_TRUE(
      match(msg, tuple(_number, _number, _, _, _cons, _nil, _, _, _, _, _)));
  EXPECT_FALSE(match(msg, tuple(_float, _, _, _, _, _, _, _, _, _, _)));
  EXPECT_FALSE(match(msg, tuple(_, _, _, _, _nil, _, _, _, _, _, _)));
  EXPECT_FALSE(match(msg, tuple(_, _, _, _, _, _cons, _, _, _, _, _)));
  EXPECT_TRUE(_int(term::parse_integer("99999999999999999999999")));
  EXPECT_FALSE(_atom(term{1}));
}

TEST(Match, TypedCaptures) {
  auto from = otp::pid::remote("n@h"_a, 1, 2, 3);
  term msg{"add"_a, 5, from};
  auto m = match(msg, tuple("add"_a, capture<std::int64_t>, capture<otp::pid>));
  ASSERT_TRUE(m);
  auto [n, who] = *m;
  EXPECT_EQ(n, 5);
  EXPECT_EQ(who, from);
  static_assert(
      std::is_same_v<decltype(m),
                     std::optional<std::tuple<std::int64_t, otp::pid>>>);

  if (auto one = match(msg, tuple(_, capture<int>, _)))
    EXPECT_EQ(std::get<0>(*one), 5);
  else
    ADD_FAILURE() << "no match";

  // A failed type check is a failed match.
  EXPECT_FALSE(match(msg, tuple("add"_a, capture<std::string>, _)));
  EXPECT_FALSE(
      match(term{"add"_a, 300}, tuple("add"_a, capture<std::uint8_t>)));
  EXPECT_FALSE(match(term{"sub"_a, 5}, tuple("add"_a, capture<int>)));
}

TEST(Match, CapturesOfManyTypes) {
  auto r = otp::ref::make();
  term msg{"x"_a, "text", 2.5, true, term{1, 2}, r};
  auto m = match(msg, tuple(capture<otp::atom>, capture<std::string_view>,
                            capture<double>, capture<bool>, capture<term>,
                            capture<otp::ref>));
  ASSERT_TRUE(m);
  auto [a, text, d, flag, whole, ref] = *m;
  EXPECT_EQ(a, "x"_a);
  EXPECT_EQ(text, "text");
  EXPECT_EQ(text.data(), msg[1].as_binary().data()); // a view, no copy
  EXPECT_EQ(d, 2.5);
  EXPECT_TRUE(flag);
  EXPECT_EQ(whole, (term{1, 2}));
  EXPECT_EQ(ref, r);
  auto s = match(msg, tuple(_, capture<std::string>, _, _, _, _));
  ASSERT_TRUE(s);
  EXPECT_EQ(std::get<0>(*s), "text");
}

TEST(Match, NestedPatternsNumberCapturesInOrder) {
  term msg{"$gen_call"_a, term{otp::pid::remote("n@h"_a, 7, 0, 1), 99},
           term{"get"_a, "key"}};
  auto m =
      match(msg, tuple("$gen_call"_a, tuple(capture<otp::pid>, capture<int>),
                       tuple("get"_a, capture<std::string>)));
  ASSERT_TRUE(m);
  auto [from, tag, key] = *m;
  EXPECT_EQ(from.id(), 7U);
  EXPECT_EQ(tag, 99);
  EXPECT_EQ(key, "key");
  EXPECT_FALSE(match(msg, tuple("$gen_call"_a, tuple(_, _, _), _)));
}

TEST(Match, ExactRefMatch) {
  auto mine = otp::ref::make();
  auto other = otp::ref::make();
  term reply{"reply"_a, mine, 42};
  EXPECT_TRUE(match(reply, tuple("reply"_a, mine, _)));
  EXPECT_FALSE(match(reply, tuple("reply"_a, other, _)));
  // A ref of another node matches only itself.
  const std::uint32_t words[] = {1, 2, 3};
  auto remote = otp::ref::remote("n@h"_a, 1, words);
  EXPECT_TRUE(match(term{"reply"_a, remote, 1}, tuple("reply"_a, remote, _)));
  EXPECT_FALSE(match(term{"reply"_a, remote, 1}, tuple("reply"_a, mine, _)));
  if (auto m = match(reply, tuple("reply"_a, mine, capture<int>)))
    EXPECT_EQ(std::get<0>(*m), 42);
  else
    ADD_FAILURE() << "no match";
}

TEST(Match, PatternsArePredicates) {
  auto mine = otp::ref::make();
  std::vector<term> mailbox{term{"noise"_a, 1},
                            term{"reply"_a, otp::ref::make(), 1},
                            term{"reply"_a, mine, 2}, term{"noise"_a, 2}};
  auto pattern = tuple("reply"_a, mine, _);
  static_assert(std::is_invocable_r_v<bool, decltype(pattern), const term&>);
  std::function<bool(const term&)> erased = pattern;
  EXPECT_TRUE(erased(mailbox[2]));
  auto got = match_test_receive(mailbox, pattern);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2].as_int(), 2);
  EXPECT_EQ(mailbox.size(), 3U);
  // Capturing patterns work as predicates too.
  auto with_capture = tuple("noise"_a, capture<int>);
  EXPECT_TRUE(with_capture(mailbox[0]));
  EXPECT_FALSE(with_capture(mailbox[1]));
  EXPECT_TRUE(_(term{}));
  EXPECT_TRUE(capture<int>(term{1}));
  EXPECT_FALSE(capture<int>(term{"1"}));
}

TEST(Match, Lists) {
  auto l = term::list({1, 2, 3});
  EXPECT_TRUE(match(l, list(1, 2, 3)));
  EXPECT_TRUE(match(l, list(_, _, _)));
  EXPECT_FALSE(match(l, list(1, 2)));
  EXPECT_FALSE(match(l, list(1, 2, 3, 4)));
  EXPECT_TRUE(match(term{}, list()));
  EXPECT_FALSE(match(term::improper_list({1, 2}, 3), list(1, 2)));
  auto m = match(l, list(capture<int>, _, capture<int>));
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, std::make_tuple(1, 3));
  // [H | T]
  auto ht = match(l, cons(capture<int>, capture<term>));
  ASSERT_TRUE(ht);
  EXPECT_EQ(std::get<0>(*ht), 1);
  EXPECT_EQ(std::get<1>(*ht), term::list({2, 3}));
  EXPECT_TRUE(match(l, cons(1, cons(2, _))));
  EXPECT_FALSE(match(term{}, cons(_, _)));
  EXPECT_TRUE(match(term::cons(1, "t"_a), cons(1, "t"_a)));
}

TEST(Match, Maps) {
  auto m = term::map({{"name"_a, "otp"}, {"port"_a, 4369}, {"extra"_a, 1}});
  auto got = match(
      m, map(entry("name"_a, capture<std::string>), entry("port"_a, _int)));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<0>(*got), "otp");
  EXPECT_TRUE(match(m, map()));
  EXPECT_FALSE(match(m, map(entry("missing"_a, _))));
  EXPECT_FALSE(match(m, map(entry("port"_a, _binary))));
  EXPECT_FALSE(match(term{1}, map()));
  // Keys match exactly.
  EXPECT_FALSE(match(term::map({{1, "a"_a}}), map(entry(1.0, _))));
}

TEST(Match, Alternatives) {
  auto stop = one_of("stop"_a, "shutdown"_a, tuple("shutdown"_a, _));
  EXPECT_TRUE(stop(term{"stop"_a}));
  EXPECT_TRUE(stop(term{"shutdown"_a}));
  EXPECT_TRUE(stop(term{"shutdown"_a, "why"_a}));
  EXPECT_FALSE(stop(term{"normal"_a}));
  EXPECT_TRUE(match(term{"exit"_a, "stop"_a}, tuple("exit"_a, stop)));
}

TEST(Match, CallablesArePatterns) {
  auto even = [](const term& t) {
    return t.is_integer() && t.as_int() % 2 == 0;
  };
  EXPECT_TRUE(match(term{"n"_a, 4}, tuple("n"_a, even)));
  EXPECT_FALSE(match(term{"n"_a, 3}, tuple("n"_a, even)));
  EXPECT_FALSE(match(term{"n"_a, "x"_a}, tuple("n"_a, even)));
}

TEST(Match, AnyValues) {
  auto msg = term{"job"_a, term::any(match_test_job{7})};
  auto m = match(msg, tuple("job"_a, capture<match_test_job>));
  ASSERT_TRUE(m);
  const match_test_job* job = std::get<0>(*m);
  EXPECT_EQ(job->id, 7);
  EXPECT_FALSE(match(msg, tuple("job"_a, capture<std::unique_ptr<int>>)));
  EXPECT_TRUE(match(msg, tuple("job"_a, _any_value)));
}

TEST(Match, MatchingDoesNotAllocate) {
  auto from = otp::pid::remote("n@h"_a, 1, 2, 3);
  auto mine = otp::ref::make();
  term msg{"add"_a, 5, from};
  term reply{"reply"_a, mine, "payload"};
  (void)"sub"_a; // intern before counting
  EXPECT_EQ(otp::test::allocations_in([&] {
              EXPECT_TRUE(match(msg, tuple("add"_a, _, _)));
              EXPECT_FALSE(match(msg, tuple("sub"_a, _, _)));
              auto m = match(msg, tuple("add"_a, capture<std::int64_t>,
                                        capture<otp::pid>));
              EXPECT_TRUE(m);
              EXPECT_TRUE(match(reply, tuple("reply"_a, mine, "payload")));
              auto v = match(reply, tuple(_, _, capture<std::string_view>));
              EXPECT_TRUE(v);
              auto pattern = tuple("reply"_a, mine, _binary);
              EXPECT_TRUE(pattern(reply));
            }),
            0U);
}
