// Replaces the global operator new for the whole test binary with a
// counting one (every unaligned form, so new and delete always pair up
// under ASan). Only the calling thread's counter is read.

#include "allocation_counter.hpp"

#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <new>

namespace {
thread_local std::size_t allocation_counter_count = 0;

void* allocation_counter_malloc(std::size_t n) noexcept {
  ++allocation_counter_count;
  return std::malloc(n == 0 ? 1 : n);
}

// Out of line: in a unity build g++ would otherwise inline these deletes
// next to new-expressions and warn that free() meets operator new.
[[gnu::noinline]] void allocation_counter_free(void* p) noexcept {
  std::free(p);
}
} // namespace

std::size_t otp::test::allocations_on_this_thread() noexcept {
  return allocation_counter_count;
}

void* operator new(std::size_t n) {
  if (void* p = allocation_counter_malloc(n))
    return p;
  throw std::bad_alloc{};
}
void* operator new[](std::size_t n) {
  if (void* p = allocation_counter_malloc(n))
    return p;
  throw std::bad_alloc{};
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return allocation_counter_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return allocation_counter_malloc(n);
}
void operator delete(void* p) noexcept {
  allocation_counter_free(p);
}
void operator delete[](void* p) noexcept {
  allocation_counter_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  allocation_counter_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  allocation_counter_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  allocation_counter_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  allocation_counter_free(p);
}

TEST(AllocationCounter, CountsThisThreadsNews) {
  EXPECT_EQ(
      otp::test::allocations_in([] { auto p = std::make_unique<int>(1); }), 1U);
  EXPECT_EQ(otp::test::allocations_in([] {}), 0U);
}
