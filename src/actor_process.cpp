#include "exception_reason.hpp"
#include "otp/detail/spawn.hpp"

namespace otp::detail {

step_result actor_process_base::step(int& budget) noexcept {
  try {
    if (!initialised_) {
      initialised_ = true;
      user().init(context_);
      if (exit_pending())
        return step_result::exited;
    }
    while (budget > 0) {
      signal* s = pop_message();
      if (!s)
        return step_result::waiting;
      term msg = std::move(s->payload);
      delete s;
      --budget;
      user().handle_message(context_, std::move(msg));
      if (exit_pending())
        return step_result::exited;
    }
  } catch (...) {
    set_exit(internal::crash_reason(self(), std::current_exception()));
    return step_result::exited;
  }
  return step_result::yielded;
}

} // namespace otp::detail
