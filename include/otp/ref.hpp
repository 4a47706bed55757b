#pragma once
/// `otp::ref`: a reference, unique for the life of a node run.
///
/// Local refs come from one 64-bit counter salted with a per-run random
/// word, and print as Erlang does (`#Ref<0.W2.W1.W0>`). Refs from other nodes
/// keep their words (up to five) and creation, so they round-trip.

#include "otp/atom.hpp"

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <span>
#include <string>

namespace otp {

namespace detail {
/// The third word of every local ref of this run, 0 until the first one is
/// made (never 0 after). Written once; read by ref::is_counter.
extern std::atomic<std::uint32_t> local_ref_salt;
/// Sets local_ref_salt on first use; returns it.
[[nodiscard]] std::uint32_t init_local_ref_salt() noexcept;
} // namespace detail

class ref {
public:
  /// The null ref (all words zero); never returned by `make()`.
  constexpr ref() noexcept = default;

  /// A new local ref. Thread-safe.
  [[nodiscard]] static ref make() noexcept;

  /// A ref from another node (1 to 5 words, as the distribution carries).
  [[nodiscard]] static ref remote(atom node, std::uint32_t creation,
                                  std::span<const std::uint32_t> words);

  /// A local ref with a given counter value (terms store local refs inline).
  [[nodiscard]] static ref local_from_counter(std::uint64_t counter) noexcept {
    std::uint32_t salt = detail::local_ref_salt.load(std::memory_order_relaxed);
    if (salt == 0) [[unlikely]]
      salt = detail::init_local_ref_salt();
    ref r;
    r.words_[0] = static_cast<std::uint32_t>(counter);
    r.words_[1] = static_cast<std::uint32_t>(counter >> 32);
    r.words_[2] = salt;
    r.len_ = 3;
    return r;
  }

  [[nodiscard]] bool is_local() const noexcept { return node_ == atom{}; }
  /// The node: the local node's name for local refs.
  [[nodiscard]] atom node() const noexcept;
  [[nodiscard]] std::uint32_t creation() const noexcept { return creation_; }
  [[nodiscard]] std::span<const std::uint32_t> words() const noexcept {
    return {words_.data(), len_};
  }
  /// For local refs: the counter that made it.
  [[nodiscard]] std::uint64_t counter() const noexcept {
    return (std::uint64_t{words_[1]} << 32) | words_[0];
  }
  /// Whether `local_from_counter(counter())` rebuilds this ref, as it does
  /// every ref `make()` returns: such a ref is its counter alone (terms and
  /// monitor tables store only that). Cheaper than building the copy.
  [[nodiscard]] bool is_counter() const noexcept {
    // No counter ref exists before the salt is set (making one sets it).
    const std::uint32_t salt =
        detail::local_ref_salt.load(std::memory_order_relaxed);
    return len_ == 3 && words_[2] == salt && salt != 0 && node_ == atom{} &&
           creation_ == 0 && words_[3] == 0 && words_[4] == 0;
  }
  explicit operator bool() const noexcept { return len_ != 0; }

  friend bool operator==(const ref& a, const ref& b) noexcept {
    // Word by word, counter words first (they tell local refs apart): refs
    // key the monitor and alias tables, and a memcmp call costs more.
    for (std::size_t i = 0; i < a.words_.size(); ++i)
      if (a.words_[i] != b.words_[i])
        return false;
    return a.node_ == b.node_ && a.creation_ == b.creation_ && a.len_ == b.len_;
  }
  /// Erlang's term order for refs.
  friend std::strong_ordering operator<=>(const ref& a, const ref& b) noexcept;

  [[nodiscard]] std::size_t hash() const noexcept;

private:
  atom node_; // '' means the local node
  std::uint32_t creation_ = 0;
  std::array<std::uint32_t, 5> words_{};
  std::uint8_t len_ = 0;
};

/// `#Ref<0.W2.W1.W0>`.
[[nodiscard]] std::string to_string(const ref& r);

} // namespace otp

template <>
struct std::hash<otp::ref> {
  std::size_t operator()(const otp::ref& r) const noexcept { return r.hash(); }
};
