#include "exception_reason.hpp"
#include "otp/detail/spawn.hpp"
#include "runtime_core.hpp"

namespace otp::detail {

bool coroutine_process_base::receive_ready(receive_request& r) {
  reset_save_point();
  // A process that keeps finding messages must still let others run.
  if (budget_ && *budget_ <= 0)
    return false;
  signal* s = nullptr;
  try {
    s = take_matching(r.match, r.pred, r.reply_tag, r.ack_from);
  } catch (...) {
    // A pattern that throws crashes the process like any process code (as
    // in complete_receive). We are inside the awaiter's noexcept
    // await_ready: letting it escape would std::terminate the whole OS
    // process. Mark the exit; the receive suspends and step() ends us.
    set_exit(internal::exception_reason(std::current_exception()));
    return false;
  }
  if (s) {
    r.reply =
        s->kind == signal_kind::call_reply || s->kind == signal_kind::start_ack;
    r.result = std::move(s->payload);
    delete s;
    reset_save_point();
    if (budget_)
      --*budget_;
    return true;
  }
  return false;
}

void coroutine_process_base::receive_suspend(
    receive_request& r, std::coroutine_handle<> h) noexcept {
  waiting_ = &r;
  resume_point_ = h;
  if (r.timeout_ms > 0 && !exit_pending()) {
    receive_deadline_ =
        runtime().timers().now_ms() + static_cast<std::uint64_t>(r.timeout_ms);
    if (timeout_timer_ && timer_deadline_ <= receive_deadline_ &&
        !timeout_fired(timeout_timer_))
      return; // the armed timer fires first; then it is re-armed
    cancel_timeout();
    arm_timeout_at(receive_deadline_);
  }
}

void coroutine_process_base::arm_timeout(std::int64_t ms) noexcept {
  arm_timeout_at(runtime().timers().now_ms() + static_cast<std::uint64_t>(ms));
}

void coroutine_process_base::arm_timeout_at(std::uint64_t deadline) noexcept {
  timeout_timer_ = ref::make().counter();
  timer_deadline_ = deadline;
  internal::timer_payload p;
  p.target = self();
  p.kind = signal_kind::timeout;
  p.key = timeout_timer_;
  runtime().timers().start_at(deadline, std::move(p));
}

void coroutine_process_base::cancel_timeout() noexcept {
  if (timeout_timer_)
    runtime().timers().cancel(timeout_timer_);
  timeout_timer_ = 0;
}

void coroutine_process_base::yield_suspend(std::coroutine_handle<> h) noexcept {
  resume_point_ = h;
  yielding_ = true;
}

bool coroutine_process_base::complete_receive(receive_request& r) {
  signal* s = take_matching(r.match, r.pred, r.reply_tag, r.ack_from);
  if (s) {
    r.reply =
        s->kind == signal_kind::call_reply || s->kind == signal_kind::start_ack;
    r.result = std::move(s->payload);
    delete s;
    if (budget_)
      --*budget_;
    // The timer stays armed for the next receive (see timer_deadline_).
  } else if (r.timeout_ms == 0) {
    r.result.reset();
  } else if (timeout_timer_ && timeout_fired(timeout_timer_)) {
    timeout_timer_ = 0;
    if (r.timeout_ms < 0)
      return false; // an earlier receive's timer: this one waits forever
    auto now = runtime().timers().now_ms();
    if (now < receive_deadline_) {
      // A timer armed for an earlier receive: wait for the rest.
      arm_timeout_at(receive_deadline_);
      return false;
    }
    r.result.reset();
  } else {
    return false;
  }
  reset_save_point();
  waiting_ = nullptr;
  return true;
}

step_result coroutine_process_base::event_step(int&) noexcept {
  return step_result::exited; // a coroutine process without a body has ended
}

bool coroutine_process_base::body_finished(std::exception_ptr error) noexcept {
  set_exit(error ? internal::crash_reason(self(), error) : term{atoms::normal});
  return false;
}

void coroutine_process_base::drop_body() noexcept {
  if (body_)
    std::exchange(body_, {}).destroy();
  resume_point_ = {};
  frame_size_ = 0;
}

step_result coroutine_process_base::step(int& budget) noexcept {
  budget_ = &budget;
  bool fresh = true; // run() took the inbox just before calling us
  for (;;) {
    if (!body_) {
      step_result r = event_step(budget);
      if (!body_ || exit_pending()) {
        budget_ = nullptr;
        return exit_pending() ? step_result::exited : r;
      }
      fresh = false; // a callback started a coroutine: run it now
    }
    if (waiting_) {
      if (budget <= 0)
        break; // yield; the receive completes next turn
      if (!fresh) {
        // It suspended in this turn, after finding nothing. Looking again
        // only pays for a poll (`after 0` must see what is queued now);
        // otherwise run() tries to block and finds anything that arrived.
        if (waiting_->timeout_ms != 0) {
          budget_ = nullptr;
          return step_result::waiting;
        }
        drain();
        if (exit_pending())
          break;
      }
      bool done = false;
      try {
        done = complete_receive(*waiting_);
      } catch (...) {
        // A pattern that throws crashes the process like any process code.
        set_exit(internal::crash_reason(self(), std::current_exception()));
        break;
      }
      if (!done) {
        budget_ = nullptr;
        return step_result::waiting;
      }
    }
    fresh = false;
    resume_point_.resume();
    if (body_.done()) {
      if (!body_finished(body_.promise().error()))
        break;
      if (exit_pending())
        break;
      continue;
    }
    if (exit_pending())
      break;
    if (yielding_) {
      yielding_ = false;
      budget_ = nullptr;
      return step_result::yielded;
    }
  }
  budget_ = nullptr;
  return exit_pending() ? step_result::exited : step_result::yielded;
}

void coroutine_process_base::release_user_state() noexcept {
  if (timeout_timer_) {
    runtime().timers().cancel(timeout_timer_);
    timeout_timer_ = 0;
  }
  waiting_ = nullptr;
  if (body_) {
    // Destroying the top frame destroys any nested task frames it awaits.
    std::exchange(body_, {}).destroy();
  }
}

std::size_t coroutine_process_base::user_memory() const noexcept {
  return body_ ? frame_size_ : 0;
}

} // namespace otp::detail
