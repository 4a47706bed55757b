#pragma once
/// `otp::testkit`: a runtime for deterministic tests of process code.
///
/// One thread (the test's) runs processes, one turn at a time, only when the
/// test says so, and time is virtual: it moves only with `advance_time`. A
/// test reads as a story with no sleeps:
///
/// ```cpp
/// otp::testkit tk;
/// auto p = tk.spawn(counter);
/// tk.send(p, "inc"_a);
/// tk.run_until_idle();                  // p has handled it
/// tk.advance_time(5s);                  // its 5 s timer fired and ran
/// EXPECT_EQ(tk.mailbox(probe).size(), 1u);
/// tk.inject_exit(p, "boom"_a);
/// tk.run_until_idle();
/// EXPECT_EQ(tk.exit_reason(p), otp::term{"boom"_a});
/// ```
///
/// Everything `otp::runtime` offers works (spawn, send, names, info). Do not
/// block the test thread in `scoped_mailbox::receive` on a testkit: nothing
/// else would run the processes; read mailboxes with `mailbox` instead.

#include "otp/runtime.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace otp {

namespace internal {
class deterministic_scheduler;
}

class testkit : public runtime {
public:
  testkit();
  ~testkit();

  /// Runs one turn of the process at the front of the run queue. Returns
  /// false when nothing was runnable.
  bool run_once();
  /// Runs until no process is runnable; returns the number of turns.
  /// Throws std::runtime_error after 10M turns (a process that never
  /// waits keeps it busy for ever: drive such tests with run_once).
  std::size_t run_until_idle();
  /// Moves virtual time forward, fires the timers that became due, and runs
  /// until idle. Returns the number of timers fired.
  std::size_t advance_time(std::chrono::milliseconds by);
  /// Virtual milliseconds since the testkit started.
  [[nodiscard]] std::uint64_t now_ms() const;
  /// Processes waiting to run.
  [[nodiscard]] std::size_t runnable() const;

  /// The messages waiting in `p`'s mailbox, oldest first, without taking
  /// them (received but not yet consumed, then not yet received).
  [[nodiscard]] std::vector<term> mailbox(const pid& p) const;
  /// Sends an exit signal with `reason` (from `undefined`); call
  /// run_until_idle to let it act.
  void inject_exit(const pid& p, term reason) { exit(p, std::move(reason)); }
  /// The reason `p` exited with, or nullopt while it lives.
  [[nodiscard]] std::optional<term> exit_reason(const pid& p) const;
  /// Every exit seen so far, in order.
  [[nodiscard]] const std::vector<std::pair<pid, term>>& exits() const {
    return exits_;
  }

  /// A process that only collects messages (never receives), for tests to
  /// read with `mailbox`. With `trap_exit`, exit signals become messages.
  pid spawn_probe(bool trap_exit = false);

private:
  internal::deterministic_scheduler* sched_;
  std::vector<std::pair<pid, term>> exits_;
};

} // namespace otp
