#include "otp/detail/signal.hpp"

namespace otp::detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pool_signals = false; // let ASan see every use-after-free
#else
constexpr bool pool_signals = true;
#endif

/// A bounded per-thread free list. Signals freed on another thread than the
/// one that made them simply join that thread's list.
struct free_list {
  struct node {
    node* next;
  };
  node* head = nullptr;
  std::size_t count = 0;
  static constexpr std::size_t max_count = 1 << 14;

  ~free_list() {
    while (head)
      ::operator delete(std::exchange(head, head->next));
  }
};

thread_local free_list signal_pool;

} // namespace

void* signal::operator new(std::size_t size) {
  if constexpr (pool_signals) {
    if (auto* n = signal_pool.head; n && size == sizeof(signal)) {
      signal_pool.head = n->next;
      --signal_pool.count;
      return n;
    }
  }
  return ::operator new(size);
}

void signal::operator delete(void* p) noexcept {
  if constexpr (pool_signals) {
    if (signal_pool.count < free_list::max_count) {
      auto* n = static_cast<free_list::node*>(p);
      n->next = signal_pool.head;
      signal_pool.head = n;
      ++signal_pool.count;
      return;
    }
  }
  ::operator delete(p);
}

} // namespace otp::detail
