#include "process_table.hpp"

#include <stdexcept>

namespace otp::internal {
namespace {

constexpr std::size_t batch = 256;
/// A slot being read by snapshot() has this bit set; remove waits it out,
/// so the process cannot be freed while snapshot takes a reference.
constexpr std::uintptr_t busy_bit = 1;

std::atomic<std::uint64_t> table_ids{1};

struct free_cache {
  std::uint64_t table = 0;
  std::vector<std::uint32_t> indices;
};
thread_local free_cache cache;

free_cache& cache_for(std::uint64_t table) {
  if (cache.table != table) {
    // Another table's numbers (a finished runtime): forget them.
    cache.table = table;
    cache.indices.clear();
  }
  return cache;
}

} // namespace

process_table::process_table()
    : id_(table_ids.fetch_add(1, std::memory_order_relaxed)) {}

process_table::~process_table() {
  if (cache.table == id_)
    cache.indices.clear();
  for (auto& c : chunks_)
    delete c.load(std::memory_order_relaxed);
}

std::uint32_t process_table::fresh_index() {
  auto index = used_.fetch_add(1, std::memory_order_relaxed);
  auto c = index >> chunk_bits;
  if (c >= max_chunks)
    throw std::length_error("otp: the process table is full");
  if (!chunks_[c].load(std::memory_order_acquire)) {
    std::lock_guard lock{grow_mutex_};
    if (!chunks_[c].load(std::memory_order_relaxed))
      chunks_[c].store(new chunk{}, std::memory_order_release);
  }
  return index;
}

std::uint32_t process_table::add(detail::process_base* p) {
  auto& local = cache_for(id_);
  if (local.indices.empty()) {
    std::lock_guard lock{free_mutex_};
    auto n = std::min(batch, free_.size());
    local.indices.assign(free_.end() - static_cast<std::ptrdiff_t>(n),
                         free_.end());
    free_.resize(free_.size() - n);
  }
  std::uint32_t index;
  if (local.indices.empty()) {
    index = fresh_index();
  } else {
    index = local.indices.back();
    local.indices.pop_back();
  }
  slot(index).store(reinterpret_cast<std::uintptr_t>(p),
                    std::memory_order_release);
  return index;
}

void process_table::remove(std::uint32_t index,
                           detail::process_base* p) noexcept {
  auto& s = slot(index);
  auto expected = reinterpret_cast<std::uintptr_t>(p);
  while (!s.compare_exchange_weak(expected, 0, std::memory_order_acq_rel,
                                  std::memory_order_relaxed))
    expected = reinterpret_cast<std::uintptr_t>(p); // snapshot holds it
  auto& local = cache_for(id_);
  try {
    local.indices.push_back(index);
    if (local.indices.size() >= 2 * batch) {
      std::lock_guard lock{free_mutex_};
      free_.insert(free_.end(),
                   local.indices.end() - static_cast<std::ptrdiff_t>(batch),
                   local.indices.end());
      local.indices.resize(local.indices.size() - batch);
    }
  } catch (...) {
    // Out of memory for the free list: the slot is simply not reused.
  }
}

std::vector<pid> process_table::snapshot() const {
  std::vector<pid> out;
  auto used = used_.load(std::memory_order_acquire);
  for (std::uint32_t i = 0; i < used; ++i) {
    if (!chunks_[i >> chunk_bits].load(std::memory_order_acquire))
      continue;
    auto& s = slot(i);
    auto v = s.load(std::memory_order_acquire);
    if (v == 0 || (v & busy_bit))
      continue;
    if (!s.compare_exchange_strong(v, v | busy_bit, std::memory_order_acq_rel))
      continue; // removed (or being read) meanwhile
    auto* p = reinterpret_cast<detail::process_base*>(v);
    out.push_back(p->self());
    s.store(v, std::memory_order_release);
  }
  return out;
}

} // namespace otp::internal
