#include "otp/task.hpp"

#include <array>
#include <new>
#include <utility>

namespace otp::detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pool_frames = false; // let ASan see every frame
#else
constexpr bool pool_frames = true;
#endif

/// Per-thread free lists by 64-byte size class, up to 1 KiB: most process
/// bodies' frames fit, and a frame freed on another worker than the one that
/// made it just joins that worker's list.
constexpr std::size_t class_size = 64;
constexpr std::size_t class_count = 16;
constexpr std::size_t max_cached = 4096;

struct frame_cache {
  struct node {
    node* next;
  };
  std::array<node*, class_count> heads{};
  std::array<std::size_t, class_count> counts{};
  ~frame_cache() {
    for (auto* h : heads)
      while (h)
        ::operator delete(std::exchange(h, h->next));
  }
};

thread_local frame_cache cache;

std::size_t size_class(std::size_t size) noexcept {
  return (size + class_size - 1) / class_size - 1;
}

} // namespace

void* allocate_frame(std::size_t size) {
  auto c = size_class(size);
  if (pool_frames && c < class_count) {
    if (auto* n = cache.heads[c]) {
      cache.heads[c] = n->next;
      --cache.counts[c];
      return n;
    }
    return ::operator new((c + 1) * class_size);
  }
  return ::operator new(size);
}

void free_frame(void* p, std::size_t size) noexcept {
  auto c = size_class(size);
  if (pool_frames && c < class_count) {
    if (cache.counts[c] < max_cached) {
      auto* n = static_cast<frame_cache::node*>(p);
      n->next = cache.heads[c];
      cache.heads[c] = n;
      ++cache.counts[c];
      return;
    }
  }
  ::operator delete(p);
}

} // namespace otp::detail
