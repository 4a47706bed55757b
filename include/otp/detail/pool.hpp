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

#include <array>
#include <cstddef>
#include <cstdint>

namespace otp::detail {

/// The pool's parts that its inline fast paths need; the rest is in
/// pool.cpp.
namespace pool_impl {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool pooling = false;
#else
inline constexpr bool pooling = true;
#endif

inline constexpr std::size_t class_size = 64;
// Up to 2 KiB: a coroutine frame with several receives in it (a
// synchronous start's wait for the ack is 1,104 bytes) went to malloc, and
// to its cross-thread free, on every start.
inline constexpr std::size_t class_count = 32;

/// Blocks per magazine of class `c`: 256, but at most 64 KiB of them, so
/// that a thread's cache of a big class (two magazines at most) holds
/// little memory for the few blocks of that size it uses.
[[nodiscard]] constexpr std::uint32_t magazine_size(std::size_t c) noexcept {
  const std::size_t block = (c + 1) * class_size;
  const std::size_t fit = (std::size_t{64} << 10) / block;
  return static_cast<std::uint32_t>(fit < 256 ? fit : 256);
}
/// The same as a table, for the free fast path (no division).
inline constexpr auto magazine_sizes = [] {
  std::array<std::uint32_t, class_count> out{};
  for (std::size_t c = 0; c < class_count; ++c)
    out[c] = magazine_size(c);
  return out;
}();

struct free_block {
  free_block* next;
};

/// Per thread and size class (Bonwick's magazines): the loaded magazine,
/// where blocks are taken and freed, and the previous one, kept full. A
/// thread that only frees (a receiver) fills the loaded one, moves it to
/// `previous` and hands the older full one to the depot: whole chains
/// move, no block is walked.
struct slot {
  free_block* head = nullptr;
  std::uint32_t count = 0;
  free_block* previous = nullptr; ///< a full magazine, or null
};

struct thread_cache {
  std::array<slot, class_count> slots{};
  ~thread_cache();
};

/// This thread's cache, null until its first allocation. A plain pointer
/// (constinit: no thread_local wrapper call on each access).
extern constinit thread_local thread_cache* cache;

[[nodiscard]] constexpr std::size_t size_class(std::size_t size) noexcept {
  return size == 0 ? 0 : (size - 1) / class_size;
}

[[nodiscard]] void* allocate_slow(std::size_t size);
void free_slow(void* p, std::size_t size) noexcept;

} // namespace pool_impl

/// A block of at least `size` bytes. Thread-safe.
[[nodiscard]] inline void* pool_allocate(std::size_t size) {
  using namespace pool_impl;
  const std::size_t c = size_class(size);
  if (pooling && c < class_count) {
    if (thread_cache* tc = cache) [[likely]] {
      slot& s = tc->slots[c];
      if (free_block* b = s.head) [[likely]] {
        s.head = b->next;
        --s.count;
        return b;
      }
    }
  }
  return allocate_slow(size);
}

/// Returns a block from pool_allocate(size), on any thread.
inline void pool_free(void* p, std::size_t size) noexcept {
  using namespace pool_impl;
  const std::size_t c = size_class(size);
  if (pooling && c < class_count) {
    if (thread_cache* tc = cache) [[likely]] {
      slot& s = tc->slots[c];
      if (s.count < magazine_sizes[c]) [[likely]] {
        auto* b = static_cast<free_block*>(p);
        b->next = s.head;
        s.head = b;
        ++s.count;
        return;
      }
    }
  }
  free_slow(p, size);
}

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
