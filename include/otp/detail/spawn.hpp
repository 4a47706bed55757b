#pragma once
/// The process kinds and the spawn templates of otp/process.hpp.

#include "otp/actor.hpp"
#include "otp/detail/process_base.hpp"
#include "otp/detail/type_name.hpp"
#include "otp/process.hpp"
#include "otp/task.hpp"

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>

namespace otp::detail {

/// Makes a new control block's number. Thread-safe.
[[nodiscard]] std::uint64_t next_process_number(runtime_core& rt) noexcept;
/// Adds `p` to the process table and queues it to run. Takes the creation
/// reference. If the runtime is shutting down, `p` exits with `shutdown`.
void start_process(runtime_core& rt, process_base* p) noexcept;

/// A process whose code is a coroutine (`task<>`).
///
/// Subclasses may also run without a coroutine (behaviours: an event loop
/// of callbacks that starts a coroutine only for a callback that is one):
/// while no body is set, `event_step` runs the turn; a body that finishes
/// is handed to `body_finished`, which may return to the event loop.
class coroutine_process_base : public process_base {
public:
  using process_base::process_base;

  bool receive_ready(receive_request& r);
  void receive_suspend(receive_request& r, std::coroutine_handle<> h) noexcept;
  void yield_suspend(std::coroutine_handle<> h) noexcept;

protected:
  void set_body(task<void> body) noexcept {
    body_ = body.release();
    resume_point_ = body_;
    frame_size_ = static_cast<std::uint32_t>(last_frame_size());
  }
  [[nodiscard]] bool has_body() const noexcept { return bool(body_); }
  step_result step(int& budget) noexcept override;
  void release_user_state() noexcept override;
  [[nodiscard]] std::size_t user_memory() const noexcept override;

  /// Runs a turn while there is no body (never, for plain coroutine
  /// processes). May set a body with `set_body`; it then runs at once.
  virtual step_result event_step(int& budget) noexcept;
  /// The body has returned (`error`: what escaped it). Default: the
  /// process ends. Return true to go on in the event loop instead (after
  /// `drop_body`), false to end (the exit reason set).
  virtual bool body_finished(std::exception_ptr error) noexcept;
  /// Frees a finished body's frame.
  void drop_body() noexcept;

  // An event loop's receive timeout (one at a time, as a receive's).
  void arm_timeout(std::int64_t ms) noexcept;
  /// Arms it to fire at `deadline` (timer-service milliseconds).
  void arm_timeout_at(std::uint64_t deadline) noexcept;
  void cancel_timeout() noexcept;
  [[nodiscard]] bool timeout_armed() const noexcept { return timeout_timer_; }
  [[nodiscard]] bool timeout_expired() const noexcept {
    return timeout_timer_ && timeout_fired(timeout_timer_);
  }

private:
  bool complete_receive(receive_request& r); // a pattern may throw

  // First: they fit in process_base's tail padding (see its fields).
  bool yielding_ = false;
  std::uint32_t frame_size_ = 0; ///< the body's coroutine frame
  std::coroutine_handle<task_promise<void>> body_;
  std::coroutine_handle<> resume_point_;
  receive_request* waiting_ = nullptr;
  std::uint64_t timeout_timer_ = 0; ///< pending receive-timeout timer
  /// When the armed timer fires, and when the waiting receive times out
  /// (timer-service milliseconds). A receive that gets its message leaves
  /// the timer armed; the next receive reuses it when it fires no later
  /// than that receive's deadline (and re-arms for the rest if it fires
  /// early), so a process that receives with timeouts in a loop (a
  /// gen_server client) does not start and cancel a timer each time.
  std::uint64_t timer_deadline_ = 0;
  std::uint64_t receive_deadline_ = 0;
  int* budget_ = nullptr; ///< the current turn's budget
};

template <class Body, class... Args>
class coroutine_process final : public coroutine_process_base {
public:
  coroutine_process(runtime_core& rt, Body body, Args... args)
      : coroutine_process_base(rt, next_process_number(rt)),
        body_fn_(std::move(body)), context_(*this) {
    // The body object lives here, so a lambda's captures outlive its frame.
    set_body(std::invoke(body_fn_, context_, std::move(args)...));
  }

private:
  [[nodiscard]] std::string initial_call() const override {
    return type_name(typeid(Body));
  }

  Body body_fn_;
  process context_;
};

/// A process whose code is an `otp::actor`.
class actor_process_base : public process_base {
public:
  actor_process_base(runtime_core& rt) noexcept
      : process_base(rt, next_process_number(rt)), context_(*this) {}

protected:
  step_result step(int& budget) noexcept override;
  void release_user_state() noexcept override = 0;
  virtual actor& user() noexcept = 0;

private:
  process context_;
  bool initialised_ = false;
};

template <class Actor>
class actor_process final : public actor_process_base {
public:
  template <class... Args>
  explicit actor_process(runtime_core& rt, Args&&... args)
      : actor_process_base(rt) {
    actor_.emplace(std::forward<Args>(args)...);
  }

protected:
  void release_user_state() noexcept override { actor_.reset(); }
  actor& user() noexcept override { return *actor_; }
  [[nodiscard]] std::string initial_call() const override {
    return type_name(typeid(Actor));
  }
  [[nodiscard]] std::size_t user_memory() const noexcept override {
    return sizeof(*this);
  }

private:
  std::optional<Actor> actor_;
};

template <class Body, class... Args>
process_base* make_coroutine_process(runtime_core& rt, Body body,
                                     Args... args) {
  static_assert(
      std::is_invocable_r_v<task<void>, Body&, process&, Args...>,
      "a process body is callable as task<> body(otp::process&, args...)");
  return new coroutine_process<Body, Args...>(rt, std::move(body),
                                              std::move(args)...);
}

} // namespace otp::detail

namespace otp {

template <class Body, class... Args>
pid process::spawn(Body body, Args... args) const {
  auto* child = detail::make_coroutine_process(p_->runtime(), std::move(body),
                                               std::move(args)...);
  pid id = child->self();
  detail::start_process(p_->runtime(), child);
  return id;
}

template <class Body, class... Args>
pid process::spawn_link(Body body, Args... args) const {
  auto* child = detail::make_coroutine_process(p_->runtime(), std::move(body),
                                               std::move(args)...);
  pid id = child->self();
  p_->adopt_link(*child);
  detail::start_process(p_->runtime(), child);
  return id;
}

template <class Body, class... Args>
std::pair<pid, ref> process::spawn_monitor(Body body, Args... args) const {
  auto* child = detail::make_coroutine_process(p_->runtime(), std::move(body),
                                               std::move(args)...);
  pid id = child->self();
  ref tag = p_->adopt_monitor(*child);
  detail::start_process(p_->runtime(), child);
  return {std::move(id), tag};
}

template <class Actor, class... Args>
pid process::spawn_actor(Args&&... args) const {
  static_assert(std::is_base_of_v<actor, Actor>,
                "spawn_actor<A>: A derives from otp::actor");
  auto* child = new detail::actor_process<Actor>(p_->runtime(),
                                                 std::forward<Args>(args)...);
  pid id = child->self();
  detail::start_process(p_->runtime(), child);
  return id;
}

template <class Actor, class... Args>
pid process::spawn_actor_link(Args&&... args) const {
  static_assert(std::is_base_of_v<actor, Actor>,
                "spawn_actor_link<A>: A derives from otp::actor");
  auto* child = new detail::actor_process<Actor>(p_->runtime(),
                                                 std::forward<Args>(args)...);
  pid id = child->self();
  p_->adopt_link(*child);
  detail::start_process(p_->runtime(), child);
  return id;
}

} // namespace otp
