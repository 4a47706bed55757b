#pragma once
/// A minimal intrusive reference-counted pointer.
///
/// `T` provides `add_ref() noexcept` and `release() noexcept` (which frees the
/// object when the count drops to zero). Copying costs one atomic increment,
/// and the pointer itself is one word, so terms and pids stay small.

#include <cstddef>
#include <utility>

namespace otp::detail {

template <class T>
class intrusive_ptr {
public:
  constexpr intrusive_ptr() noexcept = default;
  constexpr intrusive_ptr(std::nullptr_t) noexcept {}

  /// Adopts `p` when `add_ref` is false (the count already includes us).
  explicit intrusive_ptr(T* p, bool add_ref = true) noexcept : ptr_(p) {
    if (ptr_ && add_ref)
      ptr_->add_ref();
  }
  intrusive_ptr(const intrusive_ptr& other) noexcept : ptr_(other.ptr_) {
    if (ptr_)
      ptr_->add_ref();
  }
  intrusive_ptr(intrusive_ptr&& other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)) {}
  template <class U>
  intrusive_ptr(intrusive_ptr<U> other) noexcept : ptr_(other.detach()) {}

  ~intrusive_ptr() {
    if (ptr_)
      ptr_->release();
  }

  intrusive_ptr& operator=(intrusive_ptr other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  [[nodiscard]] T* get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  /// Gives up ownership without releasing.
  [[nodiscard]] T* detach() noexcept { return std::exchange(ptr_, nullptr); }

  friend bool operator==(const intrusive_ptr& a, const intrusive_ptr& b) {
    return a.ptr_ == b.ptr_;
  }

private:
  T* ptr_ = nullptr;
};

} // namespace otp::detail
