#pragma once
/// `otp::task<T>`: the coroutine type of process code.
///
/// A process body is `otp::task<> body(otp::process& self, Args...)`. Helper
/// coroutines return `task<T>` and are awaited with `co_await` from a process
/// body (or another task); a receive inside them suspends the whole process.
/// Tasks start when awaited (lazily) and resume their awaiter by symmetric
/// transfer, so nesting costs no scheduler round trip. An exception escaping a
/// task is rethrown at its `co_await`; escaping the body it ends the process.

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace otp {

template <class T = void>
class task;

namespace detail {

/// Coroutine frames are small and short-lived; they come from per-thread
/// size-class free lists.
void* allocate_frame(std::size_t size);
void free_frame(void* p, std::size_t size) noexcept;
/// The size of the last frame this thread allocated (a process records its
/// body's frame size for process_info right after creating it).
[[nodiscard]] std::size_t last_frame_size() noexcept;

class task_promise_base {
public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* p, std::size_t size) noexcept {
    free_frame(p, size);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<>
    await_suspend(std::coroutine_handle<Promise> h) noexcept {
      auto next = h.promise().continuation_;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  void set_continuation(std::coroutine_handle<> c) noexcept {
    continuation_ = c;
  }
  [[nodiscard]] std::exception_ptr error() const noexcept { return error_; }
  void rethrow_if_failed() const {
    if (error_)
      std::rethrow_exception(error_);
  }

private:
  std::coroutine_handle<> continuation_;
  std::exception_ptr error_;
};

template <class T>
class task_promise : public task_promise_base {
public:
  task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  T take() {
    rethrow_if_failed();
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
};

template <>
class task_promise<void> : public task_promise_base {
public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() const { rethrow_if_failed(); }
};

} // namespace detail

template <class T>
class [[nodiscard]] task {
public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : handle_(h) {}
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_)
        handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (handle_)
      handle_.destroy();
  }

  /// Awaiting a task runs it to completion and yields its result.
  auto operator co_await() && noexcept {
    struct awaiter {
      handle_type h;
      bool await_ready() const noexcept { return !h || h.done(); }
      std::coroutine_handle<>
      await_suspend(std::coroutine_handle<> c) noexcept {
        h.promise().set_continuation(c);
        return h;
      }
      T await_resume() { return h.promise().take(); }
    };
    return awaiter{handle_};
  }

  /// Gives the frame to the runtime (a process's top-level body).
  [[nodiscard]] handle_type release() noexcept {
    return std::exchange(handle_, {});
  }

private:
  handle_type handle_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{
      std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
} // namespace detail

} // namespace otp
