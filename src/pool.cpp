#include "otp/detail/pool.hpp"

#include <array>
#include <mutex>
#include <new>
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
constexpr std::size_t class_count = 16; // up to 1 KiB
constexpr std::size_t magazine_size = 256;

struct free_block {
  free_block* next;
};

/// A chain of exactly magazine_size free blocks.
struct magazine {
  free_block* head = nullptr;
};

/// Full magazines shared by all threads, per size class.
class depot {
public:
  bool take(std::size_t c, magazine& out) {
    std::lock_guard lock{mutex_};
    auto& v = full_[c];
    if (v.empty())
      return false;
    out = v.back();
    v.pop_back();
    return true;
  }
  void give(std::size_t c, magazine m) {
    std::lock_guard lock{mutex_};
    full_[c].push_back(m);
  }
  ~depot() {
    for (auto& v : full_)
      for (auto m : v)
        while (m.head)
          ::operator delete(std::exchange(m.head, m.head->next));
  }

private:
  std::mutex mutex_;
  std::array<std::vector<magazine>, class_count> full_;
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

  ~thread_cache() {
    for (std::size_t c = 0; c < class_count; ++c) {
      auto& s = slots[c];
      while (s.head)
        ::operator delete(std::exchange(s.head, s.head->next));
    }
  }
};

/// The cache is reached through a plain pointer: a thread_local object with
/// a destructor is reached through a wrapper call that checks for its first
/// use on every access. The owner below frees it at thread exit.
struct cache_owner {
  thread_cache* cache = nullptr;
  ~cache_owner() { delete cache; }
};
thread_local cache_owner owner;
constinit thread_local thread_cache* cache_ptr = nullptr;

thread_cache& local_cache() {
  if (cache_ptr) [[likely]]
    return *cache_ptr;
  owner.cache = new thread_cache;
  cache_ptr = owner.cache;
  return *cache_ptr;
}

std::size_t size_class(std::size_t size) noexcept {
  return (size + class_size - 1) / class_size - 1;
}

} // namespace

void* pool_allocate(std::size_t size) {
  auto c = size_class(size);
  if (!pooling || c >= class_count)
    return ::operator new(size);
  auto& s = local_cache().slots[c];
  if (!s.head) {
    magazine m;
    if (global_depot().take(c, m)) {
      s.head = m.head;
      s.count = magazine_size;
    } else {
      return ::operator new((c + 1) * class_size);
    }
  }
  auto* b = s.head;
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
  if (++s.count == 2 * magazine_size) {
    // Hand one full magazine to the depot, keep the other.
    free_block* cut = s.head;
    for (std::size_t i = 1; i < magazine_size; ++i)
      cut = cut->next;
    magazine m{s.head};
    s.head = cut->next;
    cut->next = nullptr;
    s.count = magazine_size;
    try {
      global_depot().give(c, m);
    } catch (...) {
      while (m.head) // out of memory for the depot's vector: just free
        ::operator delete(std::exchange(m.head, m.head->next));
    }
  }
}

} // namespace otp::detail
