#include "otp/atom.hpp"

#include <gtest/gtest.h>

using namespace otp::literals;

TEST(Atom, InternsOnce) {
  otp::atom a{"hello"};
  otp::atom b{"hello"};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.text(), "hello");
  EXPECT_EQ("hello"_a, a);
}

TEST(Atom, SeededAtomsHaveFixedIndices) {
  EXPECT_EQ(otp::atom{"normal"}, otp::atoms::normal);
  EXPECT_EQ(otp::atom{"EXIT"}, otp::atoms::EXIT);
  EXPECT_EQ(otp::atom{"flush"}, otp::atoms::flush);
  EXPECT_EQ(otp::atoms::nonode.text(), "nonode@nohost");
}

TEST(Atom, OrdersByText) {
  EXPECT_TRUE(otp::compare_text("abc"_a, "abd"_a) < 0);
  EXPECT_TRUE(otp::compare_text("b"_a, "abc"_a) > 0);
}

TEST(Atom, RejectsOverlongText) {
  EXPECT_THROW(otp::atom{std::string(2000, 'x')}, std::length_error);
  EXPECT_FALSE(otp::atom::exists("never-interned-atom-xyz"));
}
