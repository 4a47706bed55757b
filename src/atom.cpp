#include "otp/atom.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace otp {
namespace {

// Erlang's limits: 255 characters per atom, 1,048,576 atoms by default.
constexpr std::size_t max_atom_bytes = 255 * 4;
constexpr std::size_t chunk_bits = 12;
constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;
constexpr std::size_t max_chunks = 256;

using chunk = std::array<std::string_view, chunk_size>;

/// Text is appended under the lock; entries are published before their index
/// escapes the lock, and chunks never move, so readers need no lock.
class atom_table {
public:
  atom_table() {
    constexpr std::array<std::string_view, atoms::seeded_count> seeds{
        "",
        "false",
        "true",
        "undefined",
        "ok",
        "error",
        "normal",
        "kill",
        "killed",
        "shutdown",
        "noproc",
        "noconnection",
        "EXIT",
        "DOWN",
        "process",
        "timeout",
        "infinity",
        "badarg",
        "nonode@nohost",
        "exception",
        "nil",
        "already_registered",
        "not_alive",
        "running",
        "runnable",
        "waiting",
        "exiting",
        "flush",
        "$gen_call",
        "$gen_cast",
        "alias",
        "system",
        "ack",
        "reply",
        "noreply",
        "stop",
        "continue",
        "hibernate",
        "bad_return_value",
        "calling_self",
        "gen_server",
        "call",
        "suspended"};
    for (auto s : seeds)
      intern(s);
  }

  std::uint32_t intern(std::string_view text) {
    std::lock_guard lock{mutex_};
    if (auto it = index_.find(text); it != index_.end())
      return it->second;
    auto n = static_cast<std::uint32_t>(count_);
    if (n >= chunk_size * max_chunks)
      throw std::length_error("otp: atom table full");
    auto& stored = texts_.emplace_back(text);
    std::string_view view{stored};
    auto c = n >> chunk_bits;
    if (!chunks_[c].load(std::memory_order_relaxed))
      chunks_[c].store(new chunk{}, std::memory_order_release);
    (*chunks_[c].load(std::memory_order_relaxed))[n & (chunk_size - 1)] = view;
    index_.emplace(view, n);
    count_ = n + 1;
    return n;
  }

  bool exists(std::string_view text) {
    std::lock_guard lock{mutex_};
    return index_.contains(text);
  }

  std::string_view text(std::uint32_t n) const noexcept {
    const chunk* c = chunks_[n >> chunk_bits].load(std::memory_order_acquire);
    return c ? (*c)[n & (chunk_size - 1)] : std::string_view{};
  }

private:
  std::mutex mutex_;
  std::deque<std::string> texts_; // deque: elements never move
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::size_t count_ = 0;
  // Atoms are never freed while the program runs; the chunks go with the
  // table (a function-local static) at exit.
  std::array<std::atomic<chunk*>, max_chunks> chunks_{};

public:
  ~atom_table() {
    for (auto& c : chunks_)
      delete c.load(std::memory_order_relaxed);
  }
};

atom_table& table() {
  static atom_table t;
  return t;
}

} // namespace

atom::atom(std::string_view text) {
  if (text.size() > max_atom_bytes)
    throw std::length_error("otp: atom text longer than 255 characters");
  index_ = table().intern(text);
}

bool atom::exists(std::string_view text) noexcept {
  try {
    return table().exists(text);
  } catch (...) {
    return false;
  }
}

std::string_view atom::text() const noexcept {
  return table().text(index_);
}

std::strong_ordering compare_text(atom a, atom b) noexcept {
  if (a == b)
    return std::strong_ordering::equal;
  return a.text() <=> b.text();
}

} // namespace otp
