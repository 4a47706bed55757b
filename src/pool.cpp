#include "otp/detail/pool.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <utility>
#include <vector>

namespace otp::detail {
namespace pool_impl {
namespace {

/// A chain of free blocks: magazine_size(c) of them, except those a thread
/// hands back as it exits.
struct magazine {
  free_block* head = nullptr;
  std::uint32_t count = 0;
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
    const std::uint32_t count = magazine_size(c);
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

/// Frees the thread's cache at thread exit. The cache itself is reached
/// through the plain pointer `cache`: a thread_local object with a
/// destructor is reached through a wrapper call that checks for its first
/// use on every access.
struct cache_owner {
  thread_cache* owned = nullptr;
  bool gone = false; ///< the thread is past its cache's end
  ~cache_owner() {
    cache = nullptr;
    gone = true;
    delete owned;
  }
};
thread_local cache_owner owner;

/// This thread's cache, made on first use; null once the thread's
/// thread_local objects are being destroyed.
thread_cache* local_cache() {
  if (!cache && !owner.gone) {
    owner.owned = new thread_cache;
    cache = owner.owned;
  }
  return cache;
}

} // namespace

constinit thread_local thread_cache* cache = nullptr;

thread_cache::~thread_cache() {
  // Blocks may belong to slabs: they go back to the depot, never to delete.
  for (std::size_t c = 0; c < class_count; ++c) {
    auto& s = slots[c];
    try {
      if (s.head)
        global_depot().give(c, magazine{s.head, s.count});
      if (s.previous)
        global_depot().give(c, magazine{s.previous, magazine_size(c)});
    } catch (...) {
      // Out of memory for the depot's vector at thread exit: the blocks
      // are lost to the pool (they stay allocated).
    }
  }
}

void* allocate_slow(std::size_t size) {
  const std::size_t c = size_class(size);
  if (!pooling || c >= class_count)
    return ::operator new(size);
  thread_cache* tc = local_cache();
  if (!tc) // at thread exit: a block of the class's size, pool-compatible
    return ::operator new((c + 1) * class_size);
  auto& s = tc->slots[c];
  if (!s.head) {
    if (s.previous) {
      s.head = std::exchange(s.previous, nullptr);
      s.count = magazine_size(c);
    } else {
      magazine m = global_depot().take(c);
      s.head = m.head;
      s.count = m.count;
    }
  }
  auto* b = s.head;
  s.head = b->next;
  --s.count;
  return b;
}

void free_slow(void* p, std::size_t size) noexcept {
  const std::size_t c = size_class(size);
  if (!pooling || c >= class_count) {
    ::operator delete(p);
    return;
  }
  thread_cache* tc = nullptr;
  try {
    tc = local_cache();
  } catch (...) { // out of memory for the cache: as below
  }
  // Out of memory, or at thread exit: the block stays allocated (it may be
  // part of a slab, which delete must never see).
  if (!tc)
    return;
  auto& s = tc->slots[c];
  if (s.count >= magazine_size(c)) {
    // The loaded magazine is full: it becomes the previous one, and the
    // older full one goes to the depot.
    if (s.previous) {
      try {
        global_depot().give(c, magazine{s.previous, magazine_size(c)});
      } catch (...) {
        return; // out of memory for the depot's vector: as above
      }
    }
    s.previous = s.head;
    s.head = nullptr;
    s.count = 0;
  }
  auto* b = static_cast<free_block*>(p);
  b->next = s.head;
  s.head = b;
  ++s.count;
}

} // namespace pool_impl
} // namespace otp::detail
