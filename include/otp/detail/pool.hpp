#pragma once
/// The runtime's small-object allocator: size classes of 64 bytes up to
/// 2 KiB, each thread keeping a magazine of free blocks and trading full or
/// empty magazines with a global depot.
///
/// Why: processes, signals and coroutine frames are made on one worker and
/// freed on another (a spawner's children die elsewhere; a message is freed
/// by its receiver). Plain per-thread free lists then fill up on one side
/// and stay empty on the other, and malloc's cross-thread path costs three
/// times the message queue itself on this hardware. Under AddressSanitizer
/// every block goes straight to malloc so that use-after-free is seen.

#include <cstddef>

namespace otp::detail {

/// A block of at least `size` bytes. Thread-safe.
[[nodiscard]] void* pool_allocate(std::size_t size);
/// Returns a block from pool_allocate(size), on any thread.
void pool_free(void* p, std::size_t size) noexcept;

/// A standard allocator over the pool, for containers inside processes.
template <class T>
struct pool_allocator {
  using value_type = T;
  pool_allocator() noexcept = default;
  template <class U>
  pool_allocator(const pool_allocator<U>&) noexcept {}
  [[nodiscard]] T* allocate(std::size_t n) {
    return static_cast<T*>(pool_allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { pool_free(p, n * sizeof(T)); }
  template <class U>
  friend bool operator==(const pool_allocator&,
                         const pool_allocator<U>&) noexcept {
    return true;
  }
};

} // namespace otp::detail
