#pragma once
/// Counts global operator new calls per thread (the replacement operators
/// live in allocation_counter_test.cpp), so tests can check that hot paths
/// do not allocate.

#include <cstddef>

namespace otp::test {

/// operator new calls made by this thread so far.
[[nodiscard]] std::size_t allocations_on_this_thread() noexcept;

/// operator new calls made by `f` on this thread.
template <class F>
[[nodiscard]] std::size_t allocations_in(F&& f) {
  auto before = allocations_on_this_thread();
  f();
  return allocations_on_this_thread() - before;
}

} // namespace otp::test
