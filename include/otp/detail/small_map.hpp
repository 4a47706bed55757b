#pragma once
/// A map that is a plain vector while small and a hash table once large.
///
/// A process's links and monitors are usually zero to three entries, where a
/// linear scan of one small buffer beats any hash table in time and memory;
/// but a supervisor or a benchmark parent may hold a million, where only
/// hashing keeps each operation O(1). Not thread-safe.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace otp::detail {

template <class K, class V, class Hash = std::hash<K>>
class small_map {
public:
  /// Beyond this many entries the map moves to a hash table (and stays).
  static constexpr std::size_t linear_limit = 16;

  /// Inserts unless present; returns whether it inserted.
  bool insert(K key, V value) {
    if (big_)
      return big_->try_emplace(std::move(key), std::move(value)).second;
    if (find_small(key) != small_.end())
      return false;
    if (small_.size() < linear_limit) {
      small_.emplace_back(std::move(key), std::move(value));
      return true;
    }
    big_ = std::make_unique<std::unordered_map<K, V, Hash>>();
    big_->reserve(linear_limit * 4);
    for (auto& [k, v] : small_)
      big_->emplace(std::move(k), std::move(v));
    small_ = {};
    return big_->try_emplace(std::move(key), std::move(value)).second;
  }

  /// Removes `key`; returns its value if it was there.
  std::optional<V> extract(const K& key) {
    if (big_) {
      auto node = big_->extract(key);
      if (!node)
        return std::nullopt;
      return std::move(node.mapped());
    }
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
      for (auto& [k, v] : *big_)
        f(k, v);
    else
      for (auto& [k, v] : small_)
        f(k, v);
  }

  /// Bytes held beyond the object itself (an estimate for process_info).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    if (big_)
      return big_->size() * (sizeof(std::pair<K, V>) + 2 * sizeof(void*)) +
             big_->bucket_count() * sizeof(void*);
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

  std::vector<std::pair<K, V>> small_;
  std::unique_ptr<std::unordered_map<K, V, Hash>> big_;
};

} // namespace otp::detail
