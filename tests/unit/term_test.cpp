#include "otp/term.hpp"

#include "allocation_counter.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <gtest/gtest.h>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <ranges>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using namespace otp::literals;
using otp::term;

namespace {

using otp::test::allocations_in;

struct move_only {
  explicit move_only(int v) : value(std::make_unique<int>(v)) {}
  std::unique_ptr<int> value;
};

} // namespace

TEST(Term, IsSixteenBytes) {
  static_assert(sizeof(term) == 16);
  static_assert(std::is_nothrow_move_constructible_v<term>);
  static_assert(std::is_nothrow_move_assignable_v<term>);
  static_assert(std::is_nothrow_copy_constructible_v<term>);
}

TEST(Term, DefaultIsNil) {
  term t;
  EXPECT_TRUE(t.is_nil());
  EXPECT_TRUE(t.is_list());
  EXPECT_FALSE(t.is_cons());
  EXPECT_EQ(t.kind(), otp::term_kind::nil);
  EXPECT_EQ(t, term::list({}));
}

TEST(Term, ConstructsScalars) {
  term a{"hello"_a};
  EXPECT_TRUE(a.is_atom());
  EXPECT_EQ(a.as_atom(), "hello"_a);
  EXPECT_TRUE(a.is_atom("hello"_a));
  EXPECT_FALSE(a.is_atom("other"_a));

  EXPECT_EQ(term{true}.as_atom(), otp::atoms::true_);
  EXPECT_EQ(term{false}.as_atom(), otp::atoms::false_);

  EXPECT_EQ(term{42}.as_int(), 42);
  EXPECT_EQ(term{static_cast<short>(-7)}.as_int(), -7);
  EXPECT_EQ(term{std::uint32_t{4000000000}}.as_int(), 4000000000);
  EXPECT_EQ(term{std::numeric_limits<std::int64_t>::min()}.as_int(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(term{'a'}.as_int(), 97);
  EXPECT_EQ(term{42}.kind(), otp::term_kind::integer);

  EXPECT_EQ(term{2.5}.as_double(), 2.5);
  EXPECT_EQ(term{1.5f}.as_double(), 1.5);
  EXPECT_TRUE(term{2.5}.is_number());
  EXPECT_EQ(term{2.5}.kind(), otp::term_kind::float_);
}

TEST(Term, ConstructsPidsAndRefs) {
  auto p = otp::pid::remote("other@host"_a, 42, 1, 7);
  term tp{p};
  EXPECT_TRUE(tp.is_pid());
  EXPECT_EQ(tp.as_pid(), p);
  EXPECT_EQ(tp.kind(), otp::term_kind::pid);

  auto r = otp::ref::make();
  term tr{r};
  EXPECT_TRUE(tr.is_ref());
  EXPECT_EQ(tr.as_ref(), r);

  const std::uint32_t words[] = {1, 2, 3};
  auto remote = otp::ref::remote("other@host"_a, 9, words);
  term trr{remote};
  EXPECT_TRUE(trr.is_ref());
  EXPECT_EQ(trr.as_ref(), remote);
  EXPECT_NE(trr, tr);
  EXPECT_EQ(trr.kind(), otp::term_kind::ref);
}

TEST(Term, StringsAreBinariesAndCharlistsAreLists) {
  term b{"abc"};
  EXPECT_TRUE(b.is_binary());
  EXPECT_EQ(b.as_binary(), "abc");
  EXPECT_EQ(term{std::string{"xyz"}}.as_binary(), "xyz");
  EXPECT_EQ(term{std::string_view{"xy"}}.as_binary(), "xy");
  EXPECT_EQ(b.size(), 3U);

  auto cl = term::charlist("abc");
  EXPECT_TRUE(cl.is_cons());
  EXPECT_EQ(cl, term::list({97, 98, 99}));
  // UTF-8 text becomes code points, as "é" does in an Erlang source file.
  EXPECT_EQ(term::charlist("\xC3\xA9"), term::list({233}));
  // Bytes that are not UTF-8 are taken as Latin-1.
  EXPECT_EQ(term::charlist("\xE9x"), term::list({233, 'x'}));
  EXPECT_TRUE(term::charlist("").is_nil());
}

TEST(Term, ConstructsBinariesFromBytes) {
  const std::uint8_t raw[] = {1, 2, 255};
  auto b = term::binary(std::span<const std::uint8_t>{raw});
  ASSERT_EQ(b.as_bytes().size(), 3U);
  EXPECT_EQ(b.as_bytes()[2], std::byte{255});
  EXPECT_EQ(term::binary(std::as_bytes(std::span{raw})), b);
  EXPECT_TRUE(term::binary("").is_binary());
  EXPECT_EQ(term::binary("").as_binary(), "");
}

TEST(Term, BracedElementsMakeTuples) {
  term t{"add"_a, 5};
  ASSERT_TRUE(t.is_tuple());
  EXPECT_TRUE(t.is_tuple(2));
  EXPECT_FALSE(t.is_tuple(3));
  EXPECT_EQ(t.size(), 2U);
  EXPECT_EQ(t[0], term{"add"_a});
  EXPECT_EQ(t[1].as_int(), 5);
  EXPECT_EQ(t.at(1), term{5});
  EXPECT_EQ(t.kind(), otp::term_kind::tuple);

  // Nested braces are tuples too.
  term n{"reply"_a, {"ok"_a, 1}};
  EXPECT_EQ(n[1], (term{"ok"_a, 1}));
  term many{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(many.size(), 6U);
  EXPECT_EQ(many.elements().back().as_int(), 6);
}

TEST(Term, SingleBracedTermIsACopyNotATuple) {
  term x{"a"_a, 1};
  term copy{x};
  EXPECT_EQ(copy, x);
  EXPECT_TRUE(copy.is_tuple(2));
  term copy2 = {x};
  EXPECT_EQ(copy2, x);
  // A 1-tuple has to be asked for.
  auto one = term::tuple(x);
  EXPECT_TRUE(one.is_tuple(1));
  EXPECT_EQ(one[0], x);
  auto empty = term::tuple();
  EXPECT_TRUE(empty.is_tuple(0));
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_TRUE(empty.elements().empty());
}

TEST(Term, BuildsTuplesFromSpans) {
  std::vector<term> elems{1, "two"_a, "three"};
  auto t = term::tuple_from(elems);
  EXPECT_EQ(t, (term{1, "two"_a, "three"}));
  EXPECT_EQ(term::tuple_from({}), term::tuple());
}

TEST(Term, ListViewIsAForwardRange) {
  static_assert(std::forward_iterator<otp::list_view::iterator>);
  static_assert(std::ranges::forward_range<otp::list_view>);
  static_assert(std::ranges::contiguous_range<otp::map_view>);
  auto l = term::list({1, 2, 3});
  auto view = l.as_list();
  EXPECT_EQ(std::ranges::distance(view), 3);
  EXPECT_EQ(std::ranges::find(view, term{2}) == view.end(), false);
}

TEST(Term, BuildsAndWalksLists) {
  auto l = term::list({1, 2, 3});
  EXPECT_TRUE(l.is_list());
  EXPECT_TRUE(l.is_cons());
  EXPECT_TRUE(l.is_proper_list());
  EXPECT_EQ(l.kind(), otp::term_kind::cons);
  EXPECT_EQ(l.head().as_int(), 1);
  EXPECT_EQ(l.tail(), term::list({2, 3}));
  EXPECT_EQ(l.as_list().size(), 3U);
  EXPECT_TRUE(l.as_list().tail().is_nil());

  std::vector<std::int64_t> seen;
  for (const term& e : l.as_list())
    seen.push_back(e.as_int());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));

  std::vector<term> from_vector{"a"_a, "b"_a};
  EXPECT_EQ(term::list(from_vector), term::list({"a"_a, "b"_a}));
  std::vector<term> back(l.as_list().begin(), l.as_list().end());
  EXPECT_EQ(back.size(), 3U);
  EXPECT_TRUE(term{}.as_list().empty());
}

TEST(Term, ImproperListsKeepTheirTail) {
  auto l = term::improper_list({1, 2}, "end"_a);
  EXPECT_TRUE(l.is_cons());
  EXPECT_FALSE(l.is_proper_list());
  EXPECT_EQ(l.as_list().size(), 2U);
  EXPECT_EQ(l.as_list().tail(), term{"end"_a});
  EXPECT_EQ(l.tail().tail(), term{"end"_a});
  EXPECT_EQ(term::cons(1, 2), term::improper_list({1}, 2));
  EXPECT_EQ(term::cons(1, term{}), term::list({1}));
}

TEST(Term, ListCellsAreShared) {
  auto tail = term::list({2, 3});
  auto l = term::cons(1, tail);
  // The new list's tail is the very cell we passed in.
  EXPECT_EQ(&l.tail().head(), &tail.head());
}

TEST(Term, DroppingALongListDoesNotRecurse) {
  term l;
  for (int i = 0; i < 1'000'000; ++i)
    l = term::cons(i, std::move(l));
  EXPECT_EQ(l.as_list().size(), 1'000'000U);
  auto copy = l;
  EXPECT_EQ(copy, l);
  EXPECT_EQ(copy.hash(), l.hash());
  EXPECT_EQ(copy <=> l, std::strong_ordering::equal);
  l = term{};
  copy = term{}; // frees a million cells without a deep recursion
  SUCCEED();
}

TEST(Term, BuildsMaps) {
  auto m = term::map({{"b"_a, 2}, {"a"_a, 1}, {"c"_a, "three"}});
  ASSERT_TRUE(m.is_map());
  EXPECT_EQ(m.size(), 3U);
  EXPECT_EQ(m.kind(), otp::term_kind::map);
  ASSERT_NE(m.find("a"_a), nullptr);
  EXPECT_EQ(m.find("a"_a)->as_int(), 1);
  EXPECT_EQ(m.find("c"_a)->as_binary(), "three");
  EXPECT_EQ(m.find("zzz"_a), nullptr);
  // Keys iterate in term order.
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.as_map())
    keys.emplace_back(k.as_atom().text());
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));
  // Keys match exactly: 1 and 1.0 are different keys.
  auto numeric = term::map({{1, "int"}, {1.0, "float"}});
  EXPECT_EQ(numeric.size(), 2U);
  EXPECT_EQ(numeric.find(1)->as_binary(), "int");
  EXPECT_EQ(numeric.find(1.0)->as_binary(), "float");
  EXPECT_EQ(numeric.find(2), nullptr);
}

TEST(Term, MapDuplicateKeysLastWins) {
  // erl: #{a => 1, a => 2} -> #{a => 2}
  auto m = term::map({{"a"_a, 1}, {"b"_a, 0}, {"a"_a, 2}});
  EXPECT_EQ(m.size(), 2U);
  EXPECT_EQ(m.find("a"_a)->as_int(), 2);
  EXPECT_EQ(term::map({}), term::map({}));
  EXPECT_TRUE(term::map({}).as_map().empty());
}

TEST(Term, BuildsLargeMaps) {
  std::vector<std::pair<term, term>> entries;
  for (int i = 99; i >= 0; --i)
    entries.emplace_back(i % 40, i); // keys 0..39, several times each
  auto m = term::map(entries);
  ASSERT_EQ(m.size(), 40U);
  std::int64_t expected_key = 0;
  for (const auto& [k, v] : m.as_map()) {
    EXPECT_EQ(k.as_int(), expected_key);
    // The last entry given for a key wins: i counts down, so the smallest.
    EXPECT_EQ(v.as_int(), expected_key);
    ++expected_key;
  }
  EXPECT_EQ(m.find(39)->as_int(), 39);
}

TEST(Term, SmallMapIsOneAllocation) {
  (void)"k1"_a;
  (void)"k2"_a;
  // At most one: tuple and map boxes come from the runtime's pool, which
  // may serve a freed block without calling operator new at all (one map
  // first, so the pool's per-thread cache exists before counting).
  (void)term::map({{"k2"_a, 2}, {"k1"_a, 1}});
  EXPECT_LE(allocations_in([] {
              auto m = term::map({{"k2"_a, 2}, {"k1"_a, 1}});
              EXPECT_EQ(m.find("k1"_a)->as_int(), 1);
            }),
            1U);
}

TEST(Term, MapEqualityIgnoresConstructionOrder) {
  EXPECT_EQ(term::map({{"a"_a, 1}, {"b"_a, 2}}),
            term::map({{"b"_a, 2}, {"a"_a, 1}}));
  EXPECT_NE(term::map({{"a"_a, 1}}), term::map({{"a"_a, 2}}));
}

TEST(Term, SubBinariesShareTheBuffer) {
  term whole{"hello world"};
  auto world = whole.sub_binary(6, 5);
  EXPECT_EQ(world.as_binary(), "world");
  EXPECT_EQ(world.as_binary().data(), whole.as_binary().data() + 6);
  // A slice of a slice still points into the first buffer.
  auto orl = world.sub_binary(1, 3);
  EXPECT_EQ(orl.as_binary(), "orl");
  EXPECT_EQ(orl.as_binary().data(), whole.as_binary().data() + 7);
  // It keeps the buffer alive on its own.
  whole = term{};
  world = term{};
  EXPECT_EQ(orl.as_binary(), "orl");
  EXPECT_EQ(orl, term{"orl"});
  EXPECT_THROW((void)orl.sub_binary(2, 2), std::out_of_range);
  EXPECT_THROW((void)orl.sub_binary(4, 0), std::out_of_range);
  EXPECT_EQ(orl.sub_binary(3, 0).as_binary(), "");
}

TEST(Term, SmallValuesDoNotAllocate) {
  auto r = otp::ref::make();
  auto p = otp::pid::remote("n@h"_a, 1, 2, 3);
  auto atom_a = "a"_a; // interned before counting
  EXPECT_EQ(allocations_in([&] {
              term nil;
              term i{123456789};
              term f{2.5};
              term a{atom_a};
              term b{true};
              term tr{r};
              term tp{p};
              term empty_tuple = term::tuple();
              term empty_map = term::map({});
              term empty_bin = term::binary("");
              term copy = tp;
              term moved = std::move(copy);
              (void)(i == f);
              (void)(a == b);
              (void)(tr == tr);
              (void)(nil <=> a);
            }),
            0U);
}

TEST(Term, CopyingSharesBoxes) {
  term t{"a"_a, "some binary", term::list({1, 2})};
  EXPECT_EQ(allocations_in([&] {
              term copy = t;
              term copy2{copy};
              copy2 = t;
              EXPECT_EQ(&copy[1].as_binary()[0], &t[1].as_binary()[0]);
            }),
            0U);
  // A 2-tuple of small values is one allocation (the atom is interned
  // before counting: `"add"_a` interns once, on first use).
  (void)"add"_a;
  EXPECT_LE(allocations_in([&] { term pair{"add"_a, 5}; }), 1U);
}

TEST(Term, TermsCrossThreads) {
  term shared{"msg"_a, term::list({1, 2, 3}), "payload"};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([copy = shared] {
      for (int k = 0; k < 1000; ++k) {
        term again = copy;
        EXPECT_EQ(again[2].as_binary(), "payload");
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(shared[1].as_list().size(), 3U);
}

TEST(Term, EqualityIsExact) {
  EXPECT_EQ(term{1}, term{1});
  EXPECT_NE(term{1}, term{1.0});    // 1 =/= 1.0
  EXPECT_EQ(term{0.0}, term{-0.0}); // OTP 25: 0.0 =:= -0.0 is true
  EXPECT_EQ(term{"a"}, term{"a"});
  EXPECT_NE(term{"a"}, term{"a"_a});
  EXPECT_EQ((term{1, term::list({2})}), (term{1, term::list({2})}));
  EXPECT_NE((term{1, 2}), (term{1, 2, 3}));
  EXPECT_NE(term::list({1, 2}), term::improper_list({1}, 2));
  EXPECT_EQ(term{"ok"_a}, "ok"_a);
  EXPECT_EQ(term{5}, 5);
}

TEST(Term, ArithmeticEqualityComparesNumbersByValue) {
  // erl: 1 == 1.0, {1} == {1.0}, [1|2] == [1.0|2.0],
  //      #{1 => 1} == #{1 => 1.0} -> true; #{1 => a} == #{1.0 => a} -> false
  EXPECT_TRUE(otp::equal(term{1}, term{1.0}));
  EXPECT_TRUE(otp::equal(term::tuple(1), term::tuple(1.0)));
  EXPECT_TRUE(otp::equal(term::cons(1, 2), term::cons(1.0, 2.0)));
  EXPECT_TRUE(otp::equal(term::map({{1, 1}}), term::map({{1, 1.0}})));
  EXPECT_FALSE(otp::equal(term::map({{1, "a"_a}}), term::map({{1.0, "a"_a}})));
  EXPECT_FALSE(otp::equal(term{1}, term{1.5}));
  // erl: 18446744073709551616 == 1.8446744073709552e19 -> true
  EXPECT_TRUE(otp::equal(term::parse_integer("18446744073709551616"),
                         term{1.8446744073709552e19}));
}

TEST(Term, HashFollowsEquality) {
  std::vector<term> values{
      term{},
      1,
      -1,
      1.0,
      0.0,
      "a"_a,
      "a",
      "",
      term::tuple(),
      term{1, 2},
      term::list({1, 2}),
      term::improper_list({1}, 2),
      term::map({{"k"_a, 1}}),
      term::map({}),
      term::parse_integer("123456789012345678901234567890"),
      otp::ref::make(),
      otp::pid::remote("n@h"_a, 1, 2, 3),
      term{"hello world"}.sub_binary(0, 5),
  };
  std::unordered_set<term> set(values.begin(), values.end());
  EXPECT_EQ(set.size(), values.size());
  for (const auto& v : values) {
    term copy = v;
    EXPECT_EQ(std::hash<term>{}(copy), std::hash<term>{}(v));
    EXPECT_TRUE(set.contains(copy));
  }
  // Equal values built differently hash alike.
  EXPECT_EQ(term{"hello"}.hash(), term{"hello world"}.sub_binary(0, 5).hash());
  EXPECT_EQ(term{0.0}.hash(), term{-0.0}.hash());
  EXPECT_EQ(term::map({{"a"_a, 1}, {"b"_a, 2}}).hash(),
            term::map({{"b"_a, 2}, {"a"_a, 1}}).hash());
  EXPECT_EQ(term::list({1, 2}).hash(), term::list({1, 2}).hash());
}

TEST(Term, WrongKindAccessThrows) {
  term a{"x"_a};
  try {
    (void)a.as_int();
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(),
                 "otp::term: expected integer in the range of int64, got atom");
  }
  try {
    (void)a[0];
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(), "otp::term: expected tuple, got atom");
  }
  try {
    (void)term{}.head();
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(), "otp::term: expected non-empty list, got nil");
  }
  EXPECT_THROW((void)a.as_double(), otp::bad_term_access);
  EXPECT_THROW((void)term{1}.as_double(), otp::bad_term_access);
  EXPECT_THROW((void)a.as_pid(), otp::bad_term_access);
  EXPECT_THROW((void)a.as_ref(), otp::bad_term_access);
  EXPECT_THROW((void)a.as_binary(), otp::bad_term_access);
  EXPECT_THROW((void)term{1}.as_atom(), otp::bad_term_access);
  EXPECT_THROW((void)a.find(1), otp::bad_term_access);
  EXPECT_THROW((void)a.as_list(), otp::bad_term_access);
  EXPECT_THROW((void)a.as_map(), otp::bad_term_access);
  EXPECT_THROW((void)a.size(), otp::bad_term_access);
  EXPECT_THROW((void)a.sub_binary(0, 0), otp::bad_term_access);
  EXPECT_THROW((void)(term{1, 2}[2]), std::out_of_range);
  EXPECT_THROW((void)term::tuple().at(0), std::out_of_range);
  // bad_term_access is a logic_error.
  EXPECT_THROW((void)a.as_int(), std::logic_error);
}

TEST(Term, GetReadsCommonTypes) {
  EXPECT_EQ(term{42}.get<int>(), 42);
  EXPECT_EQ(term{42}.get<std::uint8_t>(), 42);
  EXPECT_THROW((void)term{300}.get<std::uint8_t>(), otp::bad_term_access);
  try {
    (void)term{300}.get<std::uint8_t>();
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(), "otp::term: expected integer in [0, 255], got 300");
  }
  try {
    (void)term{"x"_a}.get<std::int16_t>();
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(),
                 "otp::term: expected integer in [-32768, 32767], got atom");
  }
  EXPECT_THROW((void)term{-1}.get<unsigned>(), otp::bad_term_access);
  EXPECT_FALSE(term{300}.try_get<std::int8_t>());
  EXPECT_EQ(term{-5}.try_get<long>(), -5L);
  EXPECT_EQ(term{2.5}.get<double>(), 2.5);
  EXPECT_FALSE(term{2}.try_get<double>()); // no silent int -> float
  EXPECT_EQ(term{true}.get<bool>(), true);
  EXPECT_EQ(term{false}.try_get<bool>(), false);
  EXPECT_FALSE(term{"maybe"_a}.try_get<bool>());
  EXPECT_EQ(term{"ok"_a}.get<otp::atom>(), "ok"_a);
  EXPECT_EQ(term{"bin"}.get<std::string>(), "bin");
  EXPECT_EQ(term{"bin"}.get<std::string_view>(), "bin");
  EXPECT_FALSE(term::charlist("bin").try_get<std::string>());
  auto p = otp::pid::remote("n@h"_a, 1, 2, 3);
  EXPECT_EQ(term{p}.get<otp::pid>(), p);
  auto r = otp::ref::make();
  EXPECT_EQ(term{r}.get<otp::ref>(), r);
  EXPECT_EQ(term{7}.get<otp::bignum>().to_string(), "7");
  term t{1, 2};
  EXPECT_EQ(&t.get<term>(), &t);

  EXPECT_TRUE(term{1}.is<int>());
  EXPECT_FALSE(term{1}.is<std::string>());
  EXPECT_TRUE(term{"x"}.is<std::string>());
  try {
    (void)term{"x"_a}.get<std::string>();
    FAIL() << "no exception";
  } catch (const otp::bad_term_access& e) {
    EXPECT_STREQ(e.what(), "otp::term: expected binary, got atom");
  }
}

TEST(Term, AnyHoldsMoveOnlyValues) {
  auto t = term::any(move_only{7});
  EXPECT_TRUE(t.is_any());
  EXPECT_EQ(t.kind(), otp::term_kind::any);
  EXPECT_TRUE(t.is<move_only>());
  EXPECT_FALSE(t.is<std::string>());
  EXPECT_FALSE(t.is<int>());
  EXPECT_EQ(*t.get<move_only>().value, 7);
  const move_only* p = t.try_get<move_only>();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p->value, 7);
  EXPECT_EQ(t.try_get<std::vector<int>>(), nullptr);
  EXPECT_THROW((void)t.get<std::vector<int>>(), otp::bad_term_access);
  EXPECT_THROW((void)term{1}.get<move_only>(), otp::bad_term_access);
  // Copies share the value, and compare equal only to themselves.
  term copy = t;
  EXPECT_EQ(&copy.get<move_only>(), &t.get<move_only>());
  EXPECT_EQ(copy, t);
  EXPECT_NE(term::any(move_only{7}), t);
}

TEST(Term, AnyIsNotCopiedOnTheWayIn) {
  struct counted {
    explicit counted(int* c) : copies(c) {}
    counted(const counted& o) : copies(o.copies) { ++*copies; }
    counted(counted&& o) noexcept = default;
    int* copies;
  };
  int copies = 0;
  auto t = term::any(counted{&copies});
  auto u = term::make_any<counted>(&copies);
  term v = t;
  EXPECT_EQ(copies, 0);
  EXPECT_TRUE(u.is<counted>());
}

TEST(Term, AnyCanBeTakenWhenUnshared) {
  auto t = term::any(move_only{5});
  term copy = t;
  // Shared: taking would steal from the other holder.
  EXPECT_FALSE(std::move(copy).take<move_only>());
  copy = term{};
  auto taken = std::move(t).take<move_only>();
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken->value, 5);
  EXPECT_FALSE(term{1}.take<move_only>());
  EXPECT_FALSE(term::any(1.5).take<move_only>());
}

TEST(Term, ContainsAnyLooksEverywhere) {
  auto a = term::any(std::string{"secret"});
  EXPECT_TRUE(a.contains_any());
  EXPECT_FALSE((term{1, "x", term::list({1, 2})}).contains_any());
  EXPECT_TRUE((term{1, a}).contains_any());
  EXPECT_TRUE(term::list({1, 2, a}).contains_any());
  EXPECT_TRUE(term::improper_list({1}, a).contains_any());
  EXPECT_TRUE(term::map({{"k"_a, a}}).contains_any());
  EXPECT_TRUE(term::map({{a, 1}}).contains_any());
  EXPECT_TRUE((term{"x"_a, term{"y"_a, term::list({a})}}).contains_any());
  EXPECT_TRUE(term::tuple_from(std::vector<term>{1, a}).contains_any());
  EXPECT_FALSE(term::map({{"k"_a, 1}}).contains_any());
  EXPECT_FALSE(term{}.contains_any());
}

TEST(Term, KindNames) {
  EXPECT_EQ(otp::to_string(otp::term_kind::integer), "integer");
  EXPECT_EQ(otp::to_string(otp::term_kind::float_), "float");
  EXPECT_EQ(otp::to_string(otp::term_kind::cons), "list");
  EXPECT_EQ(otp::to_string(otp::term_kind::nil), "nil");
}

TEST(Term, SelfAssignmentAndAliasing) {
  term t{"a"_a, term{"inner"_a, 1}};
  t = t;
  EXPECT_TRUE(t.is_tuple(2));
  // Assigning a part of a term to the term must not free the part first.
  t = t[1];
  EXPECT_EQ(t, (term{"inner"_a, 1}));
  t = std::move(t);
  EXPECT_EQ(t, (term{"inner"_a, 1}));
  term l = term::list({1, 2, 3});
  l = l.tail();
  EXPECT_EQ(l, term::list({2, 3}));
  term a{1}, b{"b"};
  swap(a, b);
  EXPECT_EQ(a.as_binary(), "b");
  EXPECT_EQ(b.as_int(), 1);
}
