#pragma once
/// Boxes: the refcounted heap blocks that hold the big parts of terms.
///
/// Every box starts with the same 8-byte header (an atomic count and the box
/// type), so a term needs one pointer to any of them and one out-of-line
/// `destroy_box` frees any of them. The count is atomic because terms are
/// sent between processes that run on different threads. Boxes are immutable
/// once published, so sharing them needs no other synchronisation.
///
/// The box types that hold terms (tuple, cons, map, any) are defined in
/// `otp/detail/term_impl.hpp`, after `otp::term` is complete.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace otp::detail {

enum class box_type : std::uint8_t {
  bignum,
  remote_ref,
  binary,
  tuple,
  cons,
  map,
  any,
};

struct box;

/// Frees `b` (and whatever it holds) once its count has dropped to zero.
/// Iterative along list tails, so dropping a long list cannot overflow the
/// stack.
void destroy_box(box* b) noexcept;

struct box {
  explicit box(box_type t) noexcept : type(t) {}
  box(const box&) = delete;
  box& operator=(const box&) = delete;

  /// A new reference. Relaxed: whoever copies already holds one.
  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }

  /// Drops a reference; acq_rel so the last owner sees every write made
  /// through the other owners before it frees the box.
  void release() noexcept {
    if (release_is_last())
      destroy_box(this);
  }

  /// Drops a reference without freeing; returns true if it was the last one
  /// (the caller then frees the box itself, see `destroy_box`).
  ///
  /// The sole owner skips the locked decrement (about 20 cycles): with a
  /// count of 1 nobody else can add a reference, since adding one takes
  /// one. Most boxes are a message's, built and dropped by one owner. The
  /// acquire load sees the other owners' writes as the decrement would.
  [[nodiscard]] bool release_is_last() noexcept {
    return refs.load(std::memory_order_acquire) == 1 ||
           refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }

  /// Whether the caller holds the only reference.
  [[nodiscard]] bool unique() const noexcept {
    return refs.load(std::memory_order_acquire) == 1;
  }

  std::atomic<std::uint32_t> refs{1};
  box_type type;
  /// Whether an `any` value is in this box or below it, set when the box is
  /// built so `term::contains_any` costs O(1).
  bool has_any = false;
};

/// Terms place variable-length payloads (tuple elements, map entries, bytes)
/// at this offset from the start of their box.
inline constexpr std::size_t box_payload_offset = 16;

/// A binary: bytes that may be shared by sub-binaries. A root binary owns the
/// bytes that follow it (`owner == nullptr`); a sub-binary holds a reference
/// to its root and points into the root's bytes, so slicing never copies.
struct binary_box : box {
  binary_box(const std::byte* d, std::size_t n, box* o) noexcept
      : box(box_type::binary), data(d), size(n), owner(o) {}

  const std::byte* data;
  std::size_t size;
  box* owner; // the root binary for sub-binaries, null for roots
};

/// An integer beyond int64: sign and magnitude, 32-bit limbs, least
/// significant first, no leading zero limbs. The limbs follow the header.
struct bignum_box : box {
  bignum_box(bool neg, std::uint32_t n) noexcept
      : box(box_type::bignum), negative(neg), size(n) {}

  [[nodiscard]] std::uint32_t* limbs() noexcept {
    return reinterpret_cast<std::uint32_t*>(reinterpret_cast<char*>(this) +
                                            box_payload_offset);
  }
  [[nodiscard]] const std::uint32_t* limbs() const noexcept {
    return reinterpret_cast<const std::uint32_t*>(
        reinterpret_cast<const char*>(this) + box_payload_offset);
  }

  bool negative;
  std::uint32_t size;
};

static_assert(sizeof(bignum_box) <= box_payload_offset);

/// Allocates a bignum box with room for `n` limbs (uninitialised).
[[nodiscard]] bignum_box* make_bignum_box(bool negative, std::uint32_t n);

} // namespace otp::detail
