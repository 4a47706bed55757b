#include "otp/detail/pool.hpp"

#include <array>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <utility>
#include <vector>

namespace otp::detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pooling = false;
#else
constexpr bool pooling = true;
#endif

constexpr std::size_t class_size = 64;
// Up to 2 KiB: a coroutine frame with several receives in it (a
// synchronous start's wait for the ack is 1,104 bytes) went to malloc, and
// to its cross-thread free, on every start.
constexpr std::size_t class_count = 32;
/// Blocks per magazine of class `c`: 256, but at most 64 KiB of them, so
/// that a thread's cache of a big class (up to two magazines) holds little
/// memory for the few blocks of that size it uses.
constexpr std::size_t magazine_size(std::size_t c) noexcept {
  const std::size_t block = (c + 1) * class_size;
  const std::size_t fit = (std::size_t{64} << 10) / block;
  return fit < 256 ? fit : 256;
}

struct free_block {
  free_block* next;
};

/// A chain of free blocks: magazine_size(c) of them, except those a thread
/// hands back as it exits.
struct magazine {
  free_block* head = nullptr;
  std::size_t count = 0;
};

/// Magazines shared by all threads, per size class. When it has none, it
/// carves a new one from one allocation (a slab): a producer whose freed
/// blocks come back on another thread (a process that sends and a
/// receiver that frees) would otherwise pay one operator new per block.
/// Slabs are never returned: blocks live on in the pool.
class depot {
public:
  magazine take(std::size_t c) {
    {
      std::lock_guard lock{mutex_};
      auto& v = full_[c];
      if (!v.empty()) {
        magazine m = v.back();
        v.pop_back();
        return m;
      }
    }
    return carve(c);
  }
  void give(std::size_t c, magazine m) {
    std::lock_guard lock{mutex_};
    full_[c].push_back(m);
  }

private:
  magazine carve(std::size_t c) {
    const std::size_t block = (c + 1) * class_size;
    const std::size_t count = magazine_size(c);
    // Whole pages, so the next slab of the region starts on a page too.
    constexpr std::size_t page = 4096;
    const std::size_t bytes = (block * count + page - 1) / page * page;
    std::byte* slab = nullptr;
    {
      std::lock_guard lock{mutex_};
      if (static_cast<std::size_t>(region_end_ - region_next_) < bytes)
        new_region();
      if (static_cast<std::size_t>(region_end_ - region_next_) >= bytes) {
        slab = region_next_;
        region_next_ += bytes;
      }
    }
    if (slab) {
#ifdef MADV_POPULATE_WRITE
      // Every page of the slab is written just below: fill them in one
      // system call, not one page fault per 4 KiB (a spawner's million
      // control blocks took 80k faults). Slabs are whole pages cut from a
      // page-aligned region, so the range is page-aligned.
      (void)::madvise(slab, bytes, MADV_POPULATE_WRITE);
#endif
    } else {
      slab = static_cast<std::byte*>(::operator new(bytes));
      std::lock_guard lock{mutex_};
      slabs_.push_back(slab); // keeps them reachable for leak checkers
    }
    free_block* head = nullptr;
    for (std::size_t i = count; i-- > 0;)
      head = new (slab + i * block) free_block{head};
    return {head, count};
  }

  /// Maps the next region slabs are cut from (address space only: a slab's
  /// pages are filled as it is carved). Under the lock. On failure the
  /// region stays empty (slabs then come from operator new).
  void new_region() {
    constexpr std::size_t region_bytes = std::size_t{4} << 20;
    void* p = ::mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return;
    region_next_ = static_cast<std::byte*>(p);
    region_end_ = region_next_ + region_bytes;
  }

  std::mutex mutex_;
  std::array<std::vector<magazine>, class_count> full_;
  std::vector<std::byte*> slabs_;
  std::byte* region_next_ = nullptr; ///< the current region's free part
  std::byte* region_end_ = nullptr;
};

depot& global_depot() {
  // Leaked on purpose: threads may free blocks during static destruction.
  static depot* d = new depot;
  return *d;
}

/// Per thread and size class: the loaded magazine (allocate and free here)
/// and a spare (a full one waiting to go to the depot).
struct thread_cache {
  struct slot {
    free_block* head = nullptr;
    std::size_t count = 0;
  };
  std::array<slot, class_count> slots{};

  ~thread_cache();
};

/// The cache is reached through a plain pointer: a thread_local object with
/// a destructor is reached through a wrapper call that checks for its first
/// use on every access. The owner below frees it at thread exit.
struct cache_owner {
  thread_cache* cache = nullptr;
  ~cache_owner() { delete cache; }
};
thread_local cache_owner owner;

thread_cache::~thread_cache() {
  // Blocks may belong to slabs: they go back to the depot, never to delete.
  for (std::size_t c = 0; c < class_count; ++c) {
    auto& s = slots[c];
    if (!s.head)
      continue;
    try {
      global_depot().give(c, magazine{s.head, s.count});
    } catch (...) {
      // Out of memory for the depot's vector at thread exit: the blocks
      // are lost to the pool (they stay allocated).
    }
  }
}
constinit thread_local thread_cache* cache_ptr = nullptr;

/// The first use on a thread: makes its cache. Kept out of line so the
/// allocation fast paths below stay small leaf code (no register saves).
[[gnu::noinline]] thread_cache& new_local_cache() {
  owner.cache = new thread_cache;
  cache_ptr = owner.cache;
  return *cache_ptr;
}

thread_cache& local_cache() {
  if (cache_ptr) [[likely]]
    return *cache_ptr;
  return new_local_cache();
}

std::size_t size_class(std::size_t size) noexcept {
  return (size + class_size - 1) / class_size - 1;
}

/// The loaded magazine of class `c` is empty: load one from the depot.
[[gnu::noinline]] void* allocate_slow(thread_cache::slot& s, std::size_t c) {
  magazine m = global_depot().take(c);
  auto* b = m.head;
  s.head = b->next;
  s.count = m.count - 1;
  return b;
}

/// The cache of class `c` holds two magazines' worth: hand one full
/// magazine to the depot, keep the other.
[[gnu::noinline]] void free_slow(thread_cache::slot& s,
                                 std::size_t c) noexcept {
  const std::size_t n = magazine_size(c);
  free_block* cut = s.head;
  for (std::size_t i = 1; i < n; ++i)
    cut = cut->next;
  magazine m{s.head, n};
  s.head = cut->next;
  cut->next = nullptr;
  s.count = n;
  try {
    global_depot().give(c, m);
  } catch (...) {
    // Out of memory for the depot's vector: keep them here instead.
    cut->next = s.head;
    s.head = m.head;
    s.count = 2 * n;
  }
}

} // namespace

void* pool_allocate(std::size_t size) {
  auto c = size_class(size);
  if (!pooling || c >= class_count)
    return ::operator new(size);
  auto& s = local_cache().slots[c];
  auto* b = s.head;
  if (!b) [[unlikely]]
    return allocate_slow(s, c);
  s.head = b->next;
  --s.count;
  return b;
}

void pool_free(void* p, std::size_t size) noexcept {
  auto c = size_class(size);
  if (!pooling || c >= class_count) {
    ::operator delete(p);
    return;
  }
  auto& s = local_cache().slots[c];
  auto* b = static_cast<free_block*>(p);
  b->next = s.head;
  s.head = b;
  if (++s.count >= 2 * magazine_size(c)) [[unlikely]]
    free_slow(s, c);
}

} // namespace otp::detail
