#pragma once
/// A map that is a plain vector while small and a hash table once large.
///
/// A process's links and monitors are usually zero to three entries, where a
/// linear scan of one small buffer beats any hash table in time and memory;
/// but a supervisor or a benchmark parent may hold a million, where only
/// hashing keeps each operation O(1). Not thread-safe.

#include "otp/detail/pool.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace otp::detail {

/// Mixes a counter (a ref's, a timer's key): consecutive counters land far
/// apart, and so do counters a fixed stride apart. flat_table needs it for
/// such keys: with an identity hash (std::hash's) they fill one run of
/// slots, and each erase's backward shift walks the rest of that run.
struct counter_hash {
  std::size_t operator()(std::uint64_t k) const noexcept {
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(k ^ (k >> 32));
  }
};

/// An open-addressing hash table (linear probing, backward-shift erase):
/// one allocation for the whole table, no node per entry. Keys and values
/// must be default-constructible.
template <class K, class V, class Hash>
class flat_table {
public:
  explicit flat_table(std::size_t capacity = 64) : slots_(capacity) {}

  /// Inserts unless present; returns whether it inserted.
  bool insert(K key, V value) {
    if ((size_ + 1) * 2 > slots_.size())
      grow();
    slot& s = probe(key);
    if (s.used)
      return false;
    fill(s, std::move(key), std::move(value));
    return true;
  }

  /// Inserts, or replaces the value of the entry that is there.
  void insert_or_assign(K key, V value) {
    if ((size_ + 1) * 2 > slots_.size())
      grow();
    slot& s = probe(key);
    if (s.used)
      s.value = std::move(value);
    else
      fill(s, std::move(key), std::move(value));
  }

  std::optional<V> extract(const K& key) {
    auto i = index_of(key);
    for (;; i = next(i)) {
      auto& s = slots_[i];
      if (!s.used)
        return std::nullopt;
      if (s.key == key)
        break;
    }
    std::optional<V> out{std::move(slots_[i].value)};
    // Backward shift: pull later entries of the probe run into the hole.
    auto hole = i;
    for (auto j = next(i);; j = next(j)) {
      auto& s = slots_[j];
      if (!s.used)
        break;
      auto home = index_of(s.key);
      // s may move to the hole if its home is not in (hole, j].
      bool movable =
          hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole].key = std::move(s.key);
        slots_[hole].value = std::move(s.value);
        hole = j;
      }
    }
    slots_[hole] = slot{};
    --size_;
    return out;
  }

  [[nodiscard]] bool contains(const K& key) const {
    for (auto i = index_of(key);; i = next(i)) {
      auto& s = slots_[i];
      if (!s.used)
        return false;
      if (s.key == key)
        return true;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  template <class F>
  void for_each(F&& f) const {
    for (auto& s : slots_)
      if (s.used)
        f(s.key, s.value);
  }

  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return slots_.capacity() * sizeof(slot);
  }

private:
  struct slot {
    K key{};
    V value{};
    bool used = false;
  };

  /// The entry for `key`, or the free slot where it would go.
  slot& probe(const K& key) noexcept {
    for (auto i = index_of(key);; i = next(i)) {
      auto& s = slots_[i];
      if (!s.used || s.key == key)
        return s;
    }
  }
  void fill(slot& s, K key, V value) {
    s.key = std::move(key);
    s.value = std::move(value);
    s.used = true;
    ++size_;
  }

  std::size_t index_of(const K& key) const noexcept {
    return Hash{}(key) & (slots_.size() - 1);
  }
  std::size_t next(std::size_t i) const noexcept {
    return (i + 1) & (slots_.size() - 1);
  }
  void grow() {
    std::vector<slot, pool_allocator<slot>> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (auto& s : old)
      if (s.used)
        insert(std::move(s.key), std::move(s.value));
  }

  std::vector<slot, pool_allocator<slot>> slots_; // size: a power of two
  std::size_t size_ = 0;
};

template <class K, class V, class Hash = std::hash<K>>
class small_map {
public:
  /// Beyond this many entries the map moves to a hash table (and stays).
  static constexpr std::size_t linear_limit = 16;

  /// Inserts unless present; returns whether it inserted.
  bool insert(K key, V value) {
    if (big_)
      return big_->insert(std::move(key), std::move(value));
    if (find_small(key) != small_.end())
      return false;
    if (small_.size() < linear_limit) {
      small_.emplace_back(std::move(key), std::move(value));
      return true;
    }
    big_ = std::make_unique<flat_table<K, V, Hash>>();
    for (auto& [k, v] : small_)
      big_->insert(std::move(k), std::move(v));
    small_ = {};
    return big_->insert(std::move(key), std::move(value));
  }

  /// Removes `key`; returns its value if it was there.
  std::optional<V> extract(const K& key) {
    if (big_)
      return big_->extract(key);
    auto it = find_small(key);
    if (it == small_.end())
      return std::nullopt;
    std::optional<V> out{std::move(it->second)};
    // Order does not matter: swap with the last to erase in O(1).
    if (it != small_.end() - 1)
      *it = std::move(small_.back());
    small_.pop_back();
    return out;
  }

  bool erase(const K& key) { return extract(key).has_value(); }

  [[nodiscard]] bool contains(const K& key) const {
    return big_ ? big_->contains(key) : find_small(key) != small_.end();
  }

  [[nodiscard]] std::size_t size() const noexcept {
    return big_ ? big_->size() : small_.size();
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  /// Calls `f(key, value)` for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    if (big_)
      big_->for_each(f);
    else
      for (auto& [k, v] : small_)
        f(k, v);
  }

  /// Bytes held beyond the object itself (an estimate for process_info).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    if (big_)
      return big_->heap_bytes();
    return small_.capacity() * sizeof(std::pair<K, V>);
  }

private:
  auto find_small(const K& key) const {
    return std::find_if(small_.begin(), small_.end(),
                        [&](auto& e) { return e.first == key; });
  }
  auto find_small(const K& key) {
    return std::find_if(small_.begin(), small_.end(),
                        [&](auto& e) { return e.first == key; });
  }

  std::vector<std::pair<K, V>, pool_allocator<std::pair<K, V>>> small_;
  std::unique_ptr<flat_table<K, V, Hash>> big_;
};

} // namespace otp::detail
