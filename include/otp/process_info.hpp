#pragma once
/// `otp::process_info`: a snapshot of a process, as `erlang:process_info/1`.

#include "otp/atom.hpp"
#include "otp/pid.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace otp {

struct process_info {
  pid self;
  atom status; ///< running, runnable, waiting or exiting
  /// Messages waiting: taken into its queue or still in its inbox (as erl
  /// counts them, so a busy, overloaded process shows).
  std::size_t message_queue_len = 0;
  std::vector<pid> links;
  std::vector<pid> monitors;     ///< processes this one monitors
  std::vector<pid> monitored_by; ///< processes monitoring this one
  bool trap_exit = false;
  atom registered_name; ///< '' when none
  std::string
      initial_call; ///< the kind of code: a coroutine body or an actor type
  std::size_t memory = 0; ///< bytes held by the process (estimate)
};

} // namespace otp
