#pragma once
/// `kv::table`: the key/value data, a plain C++ object.
///
/// The table is deliberately not part of any process's state: its owner
/// (table_owner.hpp) borrows it from the heir (table_heir.hpp), which keeps
/// it alive across the owner's crashes. Not thread-safe: only the process
/// currently holding it may touch it, and the heir's hand-over protocol
/// guarantees there is at most one such process at a time.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

namespace kv {

class table {
public:
  /// Sets `key` to `value`, replacing any previous value.
  void put(std::string key, std::string value) {
    entries_.insert_or_assign(std::move(key), std::move(value));
  }
  /// The value of `key`, if any.
  [[nodiscard]] std::optional<std::string> get(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end())
      return std::nullopt;
    return it->second;
  }
  /// Removes `key`; returns whether it was there.
  bool erase(const std::string& key) { return entries_.erase(key) > 0; }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
  std::unordered_map<std::string, std::string> entries_;
};

} // namespace kv
