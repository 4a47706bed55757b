#include "term_compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>

namespace otp {
namespace {

using detail::tag;
using detail::term_access;

int sign_of(std::strong_ordering o) noexcept {
  return o < 0 ? -1 : (o > 0 ? 1 : 0);
}

template <class T>
int three_way(const T& a, const T& b) noexcept {
  return a < b ? -1 : (b < a ? 1 : 0);
}

/// Erlang's order of kinds: number < atom < ref < fun (our `any`) < port <
/// pid < tuple < map < nil < list < bitstring.
int kind_rank(tag t) noexcept {
  switch (t) {
  case tag::small_int:
  case tag::big_int:
  case tag::float_:
    return 0;
  case tag::atom:
    return 1;
  case tag::local_ref:
  case tag::remote_ref:
    return 2;
  case tag::any:
    return 3;
  case tag::pid:
    return 5;
  case tag::tuple:
    return 6;
  case tag::map:
    return 7;
  case tag::nil:
    return 8;
  case tag::cons:
    return 9;
  case tag::binary:
    return 10;
  }
  return 11;
}

/// Floats in a total order: NaN (which Erlang never has) after everything,
/// and equal to itself; -0.0 equals 0.0 as in OTP 25.
int compare_doubles(double a, double b) noexcept {
  bool na = std::isnan(a);
  bool nb = std::isnan(b);
  if (na || nb)
    return na == nb ? 0 : (na ? 1 : -1);
  return three_way(a, b);
}

constexpr double two_pow_63 = 9223372036854775808.0;

/// Exact comparison of an int64 and a double (Erlang compares integers and
/// floats by their mathematical values).
int compare_int_double(std::int64_t i, double d) noexcept {
  if (std::isnan(d) || d >= two_pow_63)
    return -1;
  if (d < -two_pow_63)
    return 1;
  double whole = std::trunc(d);
  auto w = static_cast<std::int64_t>(whole); // |whole| <= 2^63, fits
  if (i != w)
    return i < w ? -1 : 1;
  double frac = d - whole;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

int compare_magnitudes(std::span<const std::uint32_t> a,
                       std::span<const std::uint32_t> b) noexcept {
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  for (auto i = a.size(); i-- > 0;)
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  return 0;
}

/// Exact comparison of a bignum (beyond int64) and a double.
int compare_big_double(const bignum& big, double d) noexcept {
  if (std::isnan(d))
    return -1;
  if (std::isinf(d))
    return d > 0 ? -1 : 1;
  bool neg = big.is_negative();
  if (std::fabs(d) < two_pow_63 || neg != (d < 0))
    return neg ? -1 : 1;
  // |d| >= 2^63 is an integer: spell its magnitude out in limbs.
  int exp = 0;
  double mant = std::frexp(std::fabs(d), &exp); // |d| = mant * 2^exp
  auto m53 = static_cast<std::uint64_t>(std::ldexp(mant, 53));
  int shift = exp - 53; // >= 11 here
  std::array<std::uint32_t, 40> limbs{};
  auto first = static_cast<std::size_t>(shift / 32);
  int bits = shift % 32;
  // m53 << bits spans at most 3 limbs (53 + 31 bits).
  std::uint64_t lo = m53 << bits;
  std::uint64_t hi = bits == 0 ? 0 : m53 >> (64 - bits);
  limbs[first] = static_cast<std::uint32_t>(lo);
  limbs[first + 1] = static_cast<std::uint32_t>(lo >> 32);
  limbs[first + 2] = static_cast<std::uint32_t>(hi);
  auto n = first + 3;
  while (n > 0 && limbs[n - 1] == 0)
    --n;
  int mag = compare_magnitudes(big.magnitude(), {limbs.data(), n});
  return neg ? -mag : mag;
}

enum class order_mode { term, key };

/// One comparison. In `term` mode an integer and a float that are equal
/// compare equal (Erlang's order) and the first such tie is remembered so
/// `<=>` can break it (integer first); in `key` mode integers always sort
/// before floats.
struct comparer {
  order_mode mode;
  int tiebreak = 0;

  int numbers(const term& a, const term& b) noexcept {
    tag ta = term_access::tag_of(a);
    tag tb = term_access::tag_of(b);
    bool fa = ta == tag::float_;
    bool fb = tb == tag::float_;
    if (fa && fb)
      return compare_doubles(a.as_double(), b.as_double());
    if (!fa && !fb)
      return integers(a, b);
    if (mode == order_mode::key)
      return fa ? 1 : -1;
    int c = fa ? -int_double(b, a.as_double()) : int_double(a, b.as_double());
    if (c == 0 && tiebreak == 0)
      tiebreak = fa ? 1 : -1;
    return c;
  }

  static int int_double(const term& i, double d) noexcept {
    if (term_access::tag_of(i) == tag::small_int)
      return compare_int_double(i.as_int(), d);
    return compare_big_double(i.as_bignum(), d);
  }

  static int integers(const term& a, const term& b) noexcept {
    bool sa = term_access::tag_of(a) == tag::small_int;
    bool sb = term_access::tag_of(b) == tag::small_int;
    if (sa && sb)
      return three_way(a.as_int(), b.as_int());
    if (sa != sb) {
      // A bignum is beyond int64, so its sign decides.
      const term& big = sa ? b : a;
      int big_side = big.as_bignum().is_negative() ? -1 : 1;
      return sa ? -big_side : big_side;
    }
    return sign_of(a.as_bignum() <=> b.as_bignum());
  }

  int maps(const term& a, const term& b) noexcept {
    auto ma = a.as_map();
    auto mb = b.as_map();
    if (ma.size() != mb.size())
      return ma.size() < mb.size() ? -1 : 1;
    // Erlang compares all keys (in key order) before any value.
    for (std::size_t i = 0; i < ma.size(); ++i)
      if (int c = detail::compare_keys(ma.begin()[i].key, mb.begin()[i].key))
        return c;
    for (std::size_t i = 0; i < ma.size(); ++i)
      if (int c = compare(ma.begin()[i].value, mb.begin()[i].value))
        return c;
    return 0;
  }

  int compare(const term& first, const term& second) noexcept {
    const term* a = &first;
    const term* b = &second;
    // Loops along list tails so long lists need no stack.
    for (;;) {
      tag ta = term_access::tag_of(*a);
      tag tb = term_access::tag_of(*b);
      int ra = kind_rank(ta);
      int rb = kind_rank(tb);
      if (ra != rb)
        return ra < rb ? -1 : 1;
      switch (ta) {
      case tag::small_int:
      case tag::big_int:
      case tag::float_:
        return numbers(*a, *b);
      case tag::atom:
        return sign_of(compare_text(a->as_atom(), b->as_atom()));
      case tag::local_ref:
      case tag::remote_ref:
        if (ta == tag::local_ref && tb == tag::local_ref)
          return three_way(term_access::word_of(*a), term_access::word_of(*b));
        return sign_of(a->as_ref() <=> b->as_ref());
      case tag::any:
        return three_way(any_id(*a), any_id(*b));
      case tag::pid:
        return sign_of(a->as_pid() <=> b->as_pid());
      case tag::tuple: {
        auto ea = a->elements();
        auto eb = b->elements();
        if (ea.size() != eb.size())
          return ea.size() < eb.size() ? -1 : 1;
        for (std::size_t i = 0; i < ea.size(); ++i)
          if (int c = compare(ea[i], eb[i]))
            return c;
        return 0;
      }
      case tag::map:
        return maps(*a, *b);
      case tag::nil:
        return 0;
      case tag::cons:
        if (int c = compare(a->head(), b->head()))
          return c;
        a = &a->tail();
        b = &b->tail();
        continue;
      case tag::binary: {
        auto ba = a->as_binary();
        auto bb = b->as_binary();
        // Bytes compare unsigned; a proper prefix sorts first.
        return sign_of(ba <=> bb);
      }
      }
      return 0;
    }
  }

  static std::uint64_t any_id(const term& t) noexcept {
    return static_cast<const detail::any_box*>(term_access::box_of(t))->id;
  }
};

std::size_t mix(std::size_t h) noexcept {
  // splitmix64's finaliser: spreads small integers and indices.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

std::size_t combine(std::size_t seed, std::size_t h) noexcept {
  return mix(seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6)));
}

} // namespace

namespace detail {

int compare_keys(const term& a, const term& b) noexcept {
  comparer c{order_mode::key};
  return c.compare(a, b);
}

} // namespace detail

std::strong_ordering term::compare(const term& a, const term& b) noexcept {
  comparer c{order_mode::term};
  int r = c.compare(a, b);
  if (r == 0)
    r = c.tiebreak;
  return r < 0 ? std::strong_ordering::less
               : (r > 0 ? std::strong_ordering::greater
                        : std::strong_ordering::equal);
}

bool equal(const term& a, const term& b) noexcept {
  comparer c{order_mode::term};
  return c.compare(a, b) == 0;
}

bool term::equal_slow(const term& first, const term& second) noexcept {
  const term* a = &first;
  const term* b = &second;
  for (;;) {
    // Tags are equal here, and not one of the one-word kinds.
    switch (a->tag_) {
    case tag::float_:
      return compare_doubles(a->float_, b->float_) == 0;
    case tag::pid:
      return a->pid_ == b->pid_;
    default:
      break;
    }
    if (a->box_ == b->box_)
      return true;
    if (!a->box_ || !b->box_)
      return false; // empty and non-empty
    switch (a->tag_) {
    case tag::big_int:
      return a->as_bignum() == b->as_bignum();
    case tag::remote_ref:
      return a->as_ref() == b->as_ref();
    case tag::binary:
      return a->as_binary() == b->as_binary();
    case tag::tuple:
      return std::ranges::equal(a->elements(), b->elements());
    case tag::map:
      return std::ranges::equal(a->as_map(), b->as_map(),
                                [](const map_entry& x, const map_entry& y) {
                                  return x.key == y.key && x.value == y.value;
                                });
    case tag::cons:
      if (!(a->head() == b->head()))
        return false;
      a = &a->tail();
      b = &b->tail();
      if (a->tag_ != b->tag_)
        return false;
      if (a->tag_ != tag::cons)
        return *a == *b;
      continue;
    default:
      return false; // any: identity only
    }
  }
}

std::size_t term::hash() const noexcept {
  std::size_t h = static_cast<std::size_t>(tag_) * 0x9e3779b97f4a7c15ULL;
  const term* t = this;
  for (;;) {
    switch (t->tag_) {
    case tag::nil:
    case tag::small_int:
    case tag::atom:
    case tag::local_ref:
      return combine(h, mix(t->word_));
    case tag::float_: {
      double d = t->float_;
      if (d == 0.0)
        d = 0.0; // -0.0 =:= 0.0
      std::uint64_t bits = 0;
      if (!std::isnan(d))
        std::memcpy(&bits, &d, sizeof bits);
      return combine(h, mix(bits));
    }
    case tag::pid:
      return combine(h, t->pid_.hash());
    case tag::big_int:
      return combine(h, t->as_bignum().hash());
    case tag::remote_ref:
      return combine(h, t->as_ref().hash());
    case tag::binary:
      return combine(h, std::hash<std::string_view>{}(t->as_binary()));
    case tag::tuple:
      for (const term& e : t->elements())
        h = combine(h, e.hash());
      return combine(h, t->size());
    case tag::map:
      for (const auto& [k, v] : t->as_map())
        h = combine(combine(h, k.hash()), v.hash());
      return h;
    case tag::any:
      return combine(h, comparer::any_id(*t));
    case tag::cons:
      h = combine(h, t->head().hash());
      t = &t->tail();
      continue;
    }
    return h;
  }
}

} // namespace otp
