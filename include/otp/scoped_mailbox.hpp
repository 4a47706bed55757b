#pragma once
/// `otp::scoped_mailbox`: a mailbox for a thread outside the runtime (main,
/// a foreign thread), so it can talk to processes without being one.
///
/// It has a pid, so processes can reply to it and it can monitor them, and
/// exit signals sent to it arrive as `{'EXIT', From, Reason}` messages (it
/// always traps exits). It cannot be linked to from its own side (linking
/// is for processes). Its calls block the calling thread; use it from one
/// thread at a time. It ends (reason `normal`) when destroyed, or with
/// `shutdown` when the runtime shuts down first: receives then return
/// nullopt at once. Destroy it before its runtime.

#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/pid.hpp"
#include "otp/process.hpp"
#include "otp/ref.hpp"
#include "otp/term.hpp"

#include <chrono>
#include <optional>

namespace otp {

class runtime;

namespace detail {
class foreign_process;
class runtime_core;
struct mailbox_access;
} // namespace detail

class scoped_mailbox {
public:
  explicit scoped_mailbox(runtime& rt);
  ~scoped_mailbox();
  scoped_mailbox(const scoped_mailbox&) = delete;
  scoped_mailbox& operator=(const scoped_mailbox&) = delete;

  [[nodiscard]] const pid& self() const noexcept { return self_; }

  void send(const pid& to, term msg) const;
  [[nodiscard]] expected<void, error> send(atom name, term msg) const;
  /// Sends an exit signal to `to`, from this mailbox's pid.
  void exit(const pid& to, term reason) const;

  /// The first message, waiting at most `timeout`.
  std::optional<term> receive(std::chrono::milliseconds timeout);
  /// The first message `pattern` accepts, waiting at most `timeout`; the
  /// others stay in order.
  template <message_pattern Pattern>
  std::optional<term> receive(Pattern pattern,
                              std::chrono::milliseconds timeout) {
    return receive_matching(
        [](const void* p, const term& t) {
          return static_cast<bool>((*static_cast<const Pattern*>(p))(t));
        },
        &pattern, timeout);
  }

  ref monitor(const pid& target);
  /// `monitor(process, Target, [{alias, demonitor}])` (see otp::process).
  ref monitor(const pid& target, alias_demonitor_t);
  bool demonitor(const ref& tag, flush_t);
  /// Erlang's `alias()` / `unalias/1` (see otp::process).
  [[nodiscard]] ref alias();
  bool unalias(const ref& alias);

  /// Waits until `p` ends and returns its exit reason (`noproc` if it was
  /// already gone); nullopt if `timeout` passes first.
  std::optional<term> wait(const pid& p, std::chrono::milliseconds timeout);

  /// The runtime it belongs to (runtime internals, for otp++'s behaviours).
  [[nodiscard]] detail::runtime_core& core() const noexcept;

  /// Messages received but not yet taken (for diagnostics).
  [[nodiscard]] std::size_t pending() const;

private:
  friend struct detail::mailbox_access;
  std::optional<term> receive_matching(bool (*match)(const void*, const term&),
                                       const void* pred,
                                       std::chrono::milliseconds timeout);

  detail::foreign_process* proc_;
  pid self_;
};

} // namespace otp
