#include "otp/bignum.hpp"

#include "otp/term.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <string>

namespace {

otp::bignum big(std::string_view text) {
  auto b = otp::bignum::parse(text);
  if (!b)
    throw std::invalid_argument(std::string{text});
  return *b;
}

} // namespace

TEST(Bignum, ParsesAndPrintsDecimal) {
  // erl: io:format("~p", [1 bsl 64]) -> 18446744073709551616
  for (std::string_view text :
       {"0", "1", "-1", "18446744073709551616", "-18446744073709551616",
        "9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "-123456789012345678901234567890",
        "1000000000", "999999999999999999999999999"}) {
    EXPECT_EQ(big(text).to_string(), text);
  }
  EXPECT_EQ(big("+42").to_string(), "42");
  EXPECT_EQ(big("-0").to_string(), "0");
  EXPECT_EQ(big("000123").to_string(), "123");
}

TEST(Bignum, RejectsMalformedText) {
  for (std::string_view text :
       {"", "-", "+", "12a", " 1", "1 ", "1.0", "--1", "0x10"})
    EXPECT_FALSE(otp::bignum::parse(text).has_value()) << text;
}

TEST(Bignum, ZeroHasOneRepresentation) {
  EXPECT_TRUE(big("-0").is_zero());
  EXPECT_FALSE(big("-0").is_negative());
  EXPECT_EQ(big("-0"), otp::bignum{});
  EXPECT_TRUE(otp::bignum{}.magnitude().empty());
}

TEST(Bignum, FromBuiltInIntegers) {
  EXPECT_EQ(otp::bignum{std::numeric_limits<std::int64_t>::min()}.to_string(),
            "-9223372036854775808");
  EXPECT_EQ(otp::bignum{std::numeric_limits<std::uint64_t>::max()}.to_string(),
            "18446744073709551615");
  EXPECT_EQ(otp::bignum{-5}.to_string(), "-5");
  EXPECT_EQ(otp::bignum{static_cast<unsigned char>(200)}.to_string(), "200");
}

TEST(Bignum, MagnitudeIsLittleEndianLimbs) {
  auto b = big("-18446744073709551616"); // -(2^64)
  EXPECT_TRUE(b.is_negative());
  ASSERT_EQ(b.magnitude().size(), 3U);
  EXPECT_EQ(b.magnitude()[0], 0U);
  EXPECT_EQ(b.magnitude()[1], 0U);
  EXPECT_EQ(b.magnitude()[2], 1U);
  const std::uint32_t limbs[] = {0, 0, 1, 0, 0}; // leading zeros dropped
  EXPECT_EQ(otp::bignum::from_magnitude(true, limbs), b);
}

TEST(Bignum, ConvertsToInt64WhenItFits) {
  EXPECT_EQ(big("9223372036854775807").to_int64(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(big("-9223372036854775808").to_int64(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(big("9223372036854775808").to_int64());
  EXPECT_FALSE(big("-9223372036854775809").to_int64());
  EXPECT_EQ(big("18446744073709551615").to_uint64(),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(big("18446744073709551616").to_uint64());
  EXPECT_FALSE(big("-1").to_uint64());
}

TEST(Bignum, ConvertsToDoubleAsErlangFloatDoes) {
  // erl: float(18446744073709551616 + 2048 + 1) -> 1.8446744073709556e19
  EXPECT_EQ(big("18446744073709553665").to_double(), 1.8446744073709556e19);
  // erl: float(-(1 bsl 70)) -> -1.1805916207174113e21
  EXPECT_EQ(big("-1180591620717411303424").to_double(), -1.1805916207174113e21);
  // erl: float(9223372036854775809) -> 9.223372036854776e18
  EXPECT_EQ(big("9223372036854775809").to_double(), 9.223372036854776e18);
  // erl: float((1 bsl 128) + (1 bsl 75) + 1) =:= float(1 bsl 128) -> true.
  // Erlang adds 64-bit digits one at a time; a single correctly rounded
  // conversion would give 3.4028236692093854e38 instead.
  auto v = big("340282366920938463463374607431768211456"); // 2^128
  auto w = big("340282366920938501242306470388929921025"); // + 2^75 + 1
  EXPECT_EQ(v.to_double(), 3.402823669209385e38);
  EXPECT_EQ(w.to_double(), v.to_double());
}

TEST(Bignum, DoubleConversionFailsBeyondRange) {
  // erl: float(1 bsl 1024) -> badarg;
  //      float((1 bsl 1024) - (1 bsl 971)) -> 1.7976931348623157e308;
  //      float((1 bsl 1024) - (1 bsl 970)) -> badarg
  auto two_1024 = otp::bignum::from_magnitude(false, [] {
    static std::uint32_t limbs[33] = {};
    limbs[32] = 1;
    return std::span<const std::uint32_t>{limbs};
  }());
  EXPECT_EQ(two_1024.to_double(), std::nullopt);
  std::uint32_t max_limbs[32] = {};
  for (int i = 0; i < 32; ++i)
    max_limbs[i] = 0xFFFFFFFF;
  max_limbs[30] = 0xFFFFF800; // 2^1024 - 2^971 (DBL_MAX)
  for (int i = 0; i < 30; ++i)
    max_limbs[i] = 0;
  EXPECT_EQ(otp::bignum::from_magnitude(false, max_limbs).to_double(),
            1.7976931348623157e308);
  max_limbs[30] = 0xFFFFFC00; // 2^1024 - 2^970
  EXPECT_EQ(otp::bignum::from_magnitude(false, max_limbs).to_double(),
            std::nullopt);
}

TEST(Bignum, ComparesBySignThenMagnitude) {
  EXPECT_LT(big("-18446744073709551617"), big("-18446744073709551616"));
  EXPECT_LT(big("-1"), big("0"));
  EXPECT_LT(big("0"), big("1"));
  EXPECT_LT(big("18446744073709551615"), big("18446744073709551616"));
  EXPECT_LT(big("99999999999999999999"), big("100000000000000000000"));
  EXPECT_EQ(big("123456789012345678901234567890"),
            big("123456789012345678901234567890"));
  EXPECT_NE(big("5"), big("-5"));
}

TEST(Bignum, HashFollowsEquality) {
  EXPECT_EQ(big("123456789012345678901234567890").hash(),
            big("123456789012345678901234567890").hash());
  EXPECT_NE(big("5").hash(), big("-5").hash());
}

TEST(Bignum, RoundTripsThroughTerms) {
  auto t = otp::term::parse_integer("-123456789012345678901234567890");
  EXPECT_TRUE(t.is_integer());
  EXPECT_TRUE(t.is_bignum());
  EXPECT_EQ(t.as_bignum().to_string(), "-123456789012345678901234567890");
  EXPECT_THROW((void)t.as_int(), otp::bad_term_access);
  // Values that fit int64 are stored inline, wherever they come from.
  auto small = otp::term::parse_integer("-9223372036854775808");
  EXPECT_FALSE(small.is_bignum());
  EXPECT_EQ(small.as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(otp::term{otp::bignum{42}}, otp::term{42});
  // uint64 beyond int64 becomes a bignum, and reads back as uint64.
  otp::term u{std::numeric_limits<std::uint64_t>::max()};
  EXPECT_TRUE(u.is_bignum());
  EXPECT_EQ(u.get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(u.try_get<std::int64_t>());
  EXPECT_THROW(otp::term::parse_integer("12x"), std::invalid_argument);
}
