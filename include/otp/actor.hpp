#pragma once
/// `otp::actor`: an event-driven process, with no coroutine frame.
///
/// The runtime calls `init` once in the new process, then `handle_message`
/// for each message in arrival order. Behaviours (gen_server, supervisor)
/// are built on this. To end the process call `self.exit(reason)`; an
/// exception escaping a callback ends it with a reason naming the exception.
/// The actor object is destroyed when the process ends.

#include "otp/term.hpp"

namespace otp {

class process;

class actor {
public:
  actor() = default;
  actor(const actor&) = delete;
  actor& operator=(const actor&) = delete;
  virtual ~actor() = default;

  /// Runs first, in the new process, before any message is handled.
  virtual void init(process& self) { (void)self; }
  /// Handles one message. Owner process only (the runtime calls it).
  virtual void handle_message(process& self, term msg) = 0;
};

} // namespace otp
