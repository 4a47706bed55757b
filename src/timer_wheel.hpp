#pragma once
// TEMPORARY: a multimap stand-in with the timer wheel's interface, replaced
// by the hierarchical wheel on branch `timers`.
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace otp::internal {

using timer_id = std::uint64_t;

template <class Payload>
class timer_wheel {
public:
  timer_id insert(std::uint64_t deadline, Payload p) {
    timer_id id = next_++;
    auto it = by_deadline_.emplace(std::pair{deadline, id}, std::move(p)).first;
    by_id_.emplace(id, it);
    return id;
  }
  std::optional<std::uint64_t> cancel(timer_id id) {
    auto f = by_id_.find(id);
    if (f == by_id_.end())
      return std::nullopt;
    auto deadline = f->second->first.first;
    by_deadline_.erase(f->second);
    by_id_.erase(f);
    return deadline;
  }
  template <class F>
  std::size_t advance(std::uint64_t now, F&& on_expired) {
    std::size_t n = 0;
    while (!by_deadline_.empty() && by_deadline_.begin()->first.first <= now) {
      auto it = by_deadline_.begin();
      auto id = it->first.second;
      Payload p = std::move(it->second);
      by_id_.erase(id);
      by_deadline_.erase(it);
      on_expired(id, std::move(p));
      ++n;
    }
    return n;
  }
  std::optional<std::uint64_t> next_deadline() const {
    if (by_deadline_.empty())
      return std::nullopt;
    return by_deadline_.begin()->first.first;
  }
  std::size_t size() const { return by_id_.size(); }
  bool empty() const { return by_id_.empty(); }

private:
  using map = std::map<std::pair<std::uint64_t, timer_id>, Payload>;
  map by_deadline_;
  std::unordered_map<timer_id, typename map::iterator> by_id_;
  timer_id next_ = 1;
};

} // namespace otp::internal
