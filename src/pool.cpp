#include "otp/detail/pool.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace otp::detail {
namespace pool_impl {
namespace {

/// A chain of free blocks: magazine_size of them, except those a thread
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
    auto* slab = static_cast<std::byte*>(::operator new(block* magazine_size));
    {
      std::lock_guard lock{mutex_};
      slabs_.push_back(slab); // keeps them reachable for leak checkers
    }
    free_block* head = nullptr;
    for (std::size_t i = magazine_size; i-- > 0;)
      head = new (slab + i * block) free_block{head};
    return {head, magazine_size};
  }

  std::mutex mutex_;
  std::array<std::vector<magazine>, class_count> full_;
  std::vector<std::byte*> slabs_;
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
        global_depot().give(c, magazine{s.previous, magazine_size});
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
      s.count = magazine_size;
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
  } catch (...) {
  }
  if (!tc)
    return; // out of memory, or at thread exit: the block stays allocated
             // (it may be part of a slab, which delete must never see)
  auto& s = tc->slots[c];
  if (s.count >= magazine_size) {
    // The loaded magazine is full: it becomes the previous one, and the
    // older full one goes to the depot.
    if (s.previous) {
      try {
        global_depot().give(c, magazine{s.previous, magazine_size});
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
