#pragma once
/// `otp::pid`: a process identifier, local or on another node.
///
/// A pid shares ownership of a small identity block. For a local process the
/// block is the process's control block, so sending needs no table lookup and
/// a pid is never reused while anything still holds it. Remote pids (from the
/// distribution layer) get a plain identity block.

#include "otp/atom.hpp"
#include "otp/detail/intrusive_ptr.hpp"

#include <atomic>
#include <compare>
#include <cstdint>
#include <string>

namespace otp {

namespace detail {

/// The identity every copy of a pid shares. Thread-safe reference counting.
class pid_block {
public:
  pid_block(atom node, std::uint32_t id, std::uint32_t serial,
            std::uint32_t creation, bool local) noexcept
      : node_(node), id_(id), serial_(serial), creation_(creation),
        local_(local) {}
  pid_block(const pid_block&) = delete;
  pid_block& operator=(const pid_block&) = delete;

  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// The sole owner skips the locked decrement, as term boxes do: nobody
  /// else can add a reference then (a process's own block is referenced
  /// from a raw pointer only while the runtime still holds its creation
  /// reference, which it drops after the process has left the process
  /// table).
  void release() noexcept {
    if (refs_.load(std::memory_order_acquire) == 1 ||
        refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      destroy();
  }

  [[nodiscard]] atom node() const noexcept { return node_; }
  [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
  [[nodiscard]] std::uint32_t serial() const noexcept { return serial_; }
  [[nodiscard]] std::uint32_t creation() const noexcept { return creation_; }
  [[nodiscard]] bool is_local() const noexcept { return local_; }

protected:
  virtual ~pid_block() = default;
  /// Frees the block once the last pid is gone (processes override this to
  /// return their memory to a pool).
  virtual void destroy() noexcept { delete this; }

private:
  std::atomic<std::uint32_t> refs_{1};
  atom node_;
  std::uint32_t id_;
  std::uint32_t serial_;
  std::uint32_t creation_;
  bool local_;
};

} // namespace detail

class pid {
public:
  /// The null pid: refers to no process (prints as `undefined`).
  pid() noexcept = default;

  /// Shares `block` (used by the runtime and the distribution layer).
  explicit pid(detail::intrusive_ptr<detail::pid_block> block) noexcept
      : block_(std::move(block)) {}

  /// A pid of a process on another node.
  [[nodiscard]] static pid remote(atom node, std::uint32_t id,
                                  std::uint32_t serial, std::uint32_t creation);

  [[nodiscard]] bool is_local() const noexcept {
    return block_ && block_->is_local();
  }
  [[nodiscard]] atom node() const noexcept;
  [[nodiscard]] std::uint32_t id() const noexcept {
    return block_ ? block_->id() : 0;
  }
  [[nodiscard]] std::uint32_t serial() const noexcept {
    return block_ ? block_->serial() : 0;
  }
  [[nodiscard]] std::uint32_t creation() const noexcept {
    return block_ ? block_->creation() : 0;
  }
  explicit operator bool() const noexcept { return bool(block_); }

  /// The shared block (runtime internals; may be null).
  [[nodiscard]] detail::pid_block* block() const noexcept {
    return block_.get();
  }

  friend bool operator==(const pid& a, const pid& b) noexcept;
  /// Erlang's term order for pids.
  friend std::strong_ordering operator<=>(const pid& a, const pid& b) noexcept;

  [[nodiscard]] std::size_t hash() const noexcept;

private:
  detail::intrusive_ptr<detail::pid_block> block_;
};

/// `<0.42.0>` for a local pid, `<N.42.0>` (N > 0) for a remote one.
[[nodiscard]] std::string to_string(const pid& p);

} // namespace otp

template <>
struct std::hash<otp::pid> {
  std::size_t operator()(const otp::pid& p) const noexcept { return p.hash(); }
};
