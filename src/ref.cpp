#include "otp/ref.hpp"

#include "otp/local_node.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fmt/format.h>
#include <random>
#include <stdexcept>

namespace otp {

std::atomic<std::uint32_t> detail::local_ref_salt{0};

namespace {

std::atomic<std::uint64_t> ref_counter{1};

/// The third word of every local ref: random per run, so refs of two runs of
/// the same node differ (as the BEAM's do). Never 0 (see local_ref_salt).
std::uint32_t run_salt() noexcept {
  static const std::uint32_t salt = [] {
    std::random_device rd;
    auto t = static_cast<std::uint32_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    std::uint32_t s = rd() ^ t;
    if (s == 0)
      s = 1;
    detail::local_ref_salt.store(s, std::memory_order_relaxed);
    return s;
  }();
  return salt;
}

} // namespace

ref ref::make() noexcept {
  // Each thread takes counters from the shared one in blocks, so making a
  // ref (every call, monitor and timer) touches no shared cache line.
  constexpr std::uint64_t block = 1024;
  struct range {
    std::uint64_t next = 0;
    std::uint64_t end = 0;
  };
  constinit thread_local range mine;
  if (mine.next == mine.end) {
    mine.next = ref_counter.fetch_add(block, std::memory_order_relaxed);
    mine.end = mine.next + block;
  }
  return local_from_counter(mine.next++);
}

std::uint32_t detail::init_local_ref_salt() noexcept {
  return run_salt();
}

ref ref::remote(atom node, std::uint32_t creation,
                std::span<const std::uint32_t> words) {
  if (words.empty() || words.size() > 5)
    throw std::invalid_argument("otp: a ref has 1 to 5 words");
  ref r;
  r.node_ = node;
  r.creation_ = creation;
  std::copy(words.begin(), words.end(), r.words_.begin());
  r.len_ = static_cast<std::uint8_t>(words.size());
  return r;
}

atom ref::node() const noexcept {
  return is_local() ? local_node() : node_;
}

std::strong_ordering operator<=>(const ref& a, const ref& b) noexcept {
  if (a.is_local() != b.is_local() || a.node_ != b.node_)
    if (auto c = compare_text(a.node(), b.node()); c != 0)
      return c;
  // Erlang compares the most significant (last) word first.
  if (auto c = a.len_ <=> b.len_; c != 0)
    return c;
  for (int i = a.len_ - 1; i >= 0; --i)
    if (auto c = a.words_[i] <=> b.words_[i]; c != 0)
      return c;
  return a.creation_ <=> b.creation_;
}

std::size_t ref::hash() const noexcept {
  // Local refs differ in their counter words: mixing those is enough.
  std::uint64_t h = (std::uint64_t{words_[1]} << 32 | words_[0]) ^
                    (std::uint64_t{node_.index()} << 40);
  for (std::size_t i = 2; i < len_; ++i)
    h = (h ^ words_[i]) * 0x100000001b3ULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

std::string to_string(const ref& r) {
  std::string out =
      fmt::format("#Ref<{}", r.is_local() ? 0U : r.node().index());
  auto w = r.words();
  for (auto i = w.size(); i-- > 0;)
    out += fmt::format(".{}", w[i]);
  out += '>';
  return out;
}

} // namespace otp
