#pragma once
/// `otp::process`: what process code can do, as `self`.
///
/// Process code gets `process& self` (a coroutine body's first parameter, an
/// actor's callbacks' first parameter) and does everything Erlang's BIFs do
/// through it: send, receive, spawn, link, monitor, exit, names, timers.
/// Every member is for the owner process only: never hand `self` to another
/// thread or process (hand them `self.self()`, the pid).
///
/// | Erlang                         | otp++ |
/// |--------------------------------|-------------------------------------------|
/// | `Pid ! Msg`                    | `self.send(pid, msg)` | | `Name ! Msg`
/// (badarg if none)  | `self.send("name"_a, msg)` → expected      | | `receive
/// M -> M end`           | `co_await self.receive()`                  | |
/// `receive P -> .. after T -> ..`| `co_await self.receive(pattern, 100ms)` |
/// | `spawn_link(F)`                | `self.spawn_link(body, args...)` | |
/// `exit(Pid, R)` / `exit(R)`     | `self.exit(pid, r)` / `self.exit(r)` | |
/// `process_flag(trap_exit, B)`   | `self.trap_exit(b)` | | `monitor(process,
/// P)`          | `self.monitor(p)`                          | | `demonitor(R,
/// [flush])`        | `self.demonitor(r, otp::flush)`            | |
/// `erlang:send_after(T, P, M)`   | `self.send_after(t, p, m)` |
///
/// Receiving is selective: `receive(pattern)` takes the first message the
/// pattern accepts and leaves the others in order. A pattern is any
/// predicate `bool(const term&)`, such as those of otp/match.hpp.

#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"
#include "otp/registry.hpp"
#include "otp/task.hpp"
#include "otp/term.hpp"

#include <chrono>
#include <concepts>
#include <coroutine>
#include <optional>
#include <utility>

namespace otp {

namespace detail {
class process_base;
class coroutine_process_base;
struct receive_request {
  bool (*match)(const void*, const term&) = nullptr; ///< null: any message
  const void* pred = nullptr;
  std::int64_t timeout_ms = -1; ///< -1: wait forever; 0: poll
  /// A gen call's wait: its reply with this tag, `[alias | Ref]`, is taken
  /// unboxed (`match` must accept its `{Tag, Reply}`): `result` is then the
  /// bare reply, and `reply` says so.
  const term* reply_tag = nullptr;
  /// A start's wait: the ack of a start that went well from this process
  /// is taken unboxed (`match` must accept its `{ack, Pid, {ok, Pid}}`):
  /// `result` is then [], and `reply` says so.
  const pid_block* ack_from = nullptr;
  bool reply = false;
  std::optional<term> result;
};
} // namespace detail

/// Thrown by `process::exit(reason)` (Erlang's `exit/1`): unwinds process
/// code and ends the process with `reason`. Not a std::exception on purpose,
/// so `catch (const std::exception&)` in user code does not swallow it.
struct exit_exception {
  term reason;
};

/// Option for `demonitor`: also remove a 'DOWN' already in the mailbox.
struct flush_t {
  explicit constexpr flush_t() = default;
};
inline constexpr flush_t flush{};

/// Option for `monitor`: Erlang's `[{alias, demonitor}]`. The monitor's ref
/// is also an alias of the monitoring process, active until the DOWN
/// arrives or the monitor is removed.
struct alias_demonitor_t {
  explicit constexpr alias_demonitor_t() = default;
};
inline constexpr alias_demonitor_t alias_demonitor{};

/// A pattern usable by selective receive.
template <class P>
concept message_pattern = std::predicate<const P&, const term&>;

class process {
public:
  explicit process(detail::process_base& p) noexcept : p_(&p) {}
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  // -- identity ---------------------------------------------------------------

  [[nodiscard]] pid self() const;
  [[nodiscard]] ref make_ref() const { return ref::make(); }

  // -- messages ---------------------------------------------------------------

  /// Sends `msg` to `to`. Never fails: a dead process drops it (Erlang).
  void send(const pid& to, term msg) const;
  /// Sends to a registered name; `badarg` if the name is not registered.
  [[nodiscard]] expected<void, error> send(atom name, term msg) const;
  /// Sends to a name in a pluggable registry; `badarg` if unknown.
  [[nodiscard]] expected<void, error> send(const via& name, term msg) const;

  /// `co_await self.receive()`: the first message, waiting as long as it
  /// takes.
  [[nodiscard]] auto receive() const {
    return awaiter<any_message, false>{*p_, {}, -1};
  }
  /// The first message `pattern` accepts; the others stay in order.
  template <message_pattern Pattern>
  [[nodiscard]] auto receive(Pattern pattern) const {
    return awaiter<Pattern, false>{*p_, std::move(pattern), -1};
  }
  /// The first message, or nullopt after `timeout` (0 polls, as `after 0`).
  template <class Rep, class Period>
  [[nodiscard]] auto receive(std::chrono::duration<Rep, Period> timeout) const {
    return awaiter<any_message, true>{*p_, {}, to_ms(timeout)};
  }
  /// Selective receive with a timeout.
  template <message_pattern Pattern, class Rep, class Period>
  [[nodiscard]] auto receive(Pattern pattern,
                             std::chrono::duration<Rep, Period> timeout) const {
    return awaiter<Pattern, true>{*p_, std::move(pattern), to_ms(timeout)};
  }
  /// Lets other processes run (only needed in long loops that don't receive).
  [[nodiscard]] auto yield() const { return yield_awaiter{*p_}; }

  // -- spawning ---------------------------------------------------------------

  /// Starts `body(process&, args...)` (a coroutine returning `task<>`) in a
  /// new process. Arguments are moved into the new process: take them by
  /// value in `body`.
  template <class Body, class... Args>
  pid spawn(Body body, Args... args) const;
  /// As spawn, linked to the caller before the child runs.
  template <class Body, class... Args>
  pid spawn_link(Body body, Args... args) const;
  /// As spawn, monitored by the caller before the child runs.
  template <class Body, class... Args>
  std::pair<pid, ref> spawn_monitor(Body body, Args... args) const;

  /// Starts an event-driven process (`Actor` derives from `otp::actor`).
  template <class Actor, class... Args>
  pid spawn_actor(Args&&... args) const;
  template <class Actor, class... Args>
  pid spawn_actor_link(Args&&... args) const;

  // -- links and exit signals -------------------------------------------------

  /// Links to `to` (idempotent; nothing for self). A dead target: a trapping
  /// caller gets `{'EXIT', To, noproc}`, a non-trapping one exits `noproc`.
  void link(const pid& to) const;
  /// Removes the link; no exit signal from it arrives afterwards.
  void unlink(const pid& to) const;
  /// Erlang's `exit/2`: sends an exit signal with `reason` to `to`. To
  /// self, a signal that ends the caller (`kill`, or any reason while not
  /// trapping) ends it at once, as exit/1 would (with `killed` for kill).
  void exit(const pid& to, term reason) const;
  /// Erlang's `exit/1`: ends this process with `reason` (throws
  /// exit_exception, which the runtime catches at the process boundary).
  [[noreturn]] void exit(term reason) const;
  /// `process_flag(trap_exit, on)`; returns the previous value.
  bool trap_exit(bool on) const;
  [[nodiscard]] bool trap_exit() const;

  // -- monitors ---------------------------------------------------------------

  /// Monitors `target`; a dead one gives `{'DOWN', Ref, process, Pid,
  /// noproc}` at once.
  ref monitor(const pid& target) const;
  /// Monitors the process registered as `name`; the DOWN names `name`.
  ref monitor(atom name) const;
  /// `monitor(process, Target, [{alias, demonitor}])`.
  ref monitor(const pid& target, alias_demonitor_t) const;
  /// Stops the monitor; returns whether it was still active.
  bool demonitor(const ref& tag) const;
  /// ... and removes its 'DOWN' if already in the mailbox.
  bool demonitor(const ref& tag, flush_t) const;

  // -- aliases ----------------------------------------------------------------

  /// Erlang's `alias()`: a ref that `send_to_alias(self(), alias, msg)`
  /// reaches while it is active. Messages arriving after `unalias` are
  /// dropped, never delivered.
  [[nodiscard]] ref alias() const;
  /// Deactivates an alias; returns whether it was active.
  bool unalias(const ref& alias) const;

  // -- names ------------------------------------------------------------------

  [[nodiscard]] expected<void, error> register_name(atom name,
                                                    const pid& p) const;
  [[nodiscard]] expected<void, error> unregister(atom name) const;
  [[nodiscard]] pid whereis(atom name) const;
  [[nodiscard]] pid whereis(const via& name) const {
    return name.reg.whereis_name(name.name);
  }

  // -- timers -----------------------------------------------------------------

  /// Sends `msg` to `to` after `delay`; the ref cancels it.
  ref send_after(std::chrono::milliseconds delay, const pid& to,
                 term msg) const;
  ref send_after(std::chrono::milliseconds delay, atom to, term msg) const;
  /// Sends `{timeout, Ref, Msg}` to `to` after `delay`.
  ref start_timer(std::chrono::milliseconds delay, const pid& to,
                  term msg) const;
  /// Cancels a timer; returns the time that was left, or nullopt if it had
  /// already fired or was cancelled.
  std::optional<std::chrono::milliseconds> cancel_timer(const ref& timer) const;

  /// The control block (runtime internals).
  [[nodiscard]] detail::process_base& control() const noexcept { return *p_; }

private:
  struct any_message {
    bool operator()(const term&) const noexcept { return true; }
  };

  template <class Rep, class Period>
  static std::int64_t to_ms(std::chrono::duration<Rep, Period> d) {
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    return ms < 0 ? 0 : static_cast<std::int64_t>(ms);
  }

  // Defined in the .cpp: the awaiters' non-template halves.
  /// May throw: a pattern is process code, and its exception ends the
  /// process like any other.
  static bool receive_ready(detail::process_base& p,
                            detail::receive_request& r);
  static void receive_suspend(detail::process_base& p,
                              detail::receive_request& r,
                              std::coroutine_handle<> h) noexcept;
  static void yield_suspend(detail::process_base& p,
                            std::coroutine_handle<> h) noexcept;

  template <class Pattern, bool Timed>
  struct awaiter {
    detail::process_base& proc;
    Pattern pattern;
    std::int64_t timeout_ms;
    detail::receive_request request{};

    bool await_ready() {
      if constexpr (!std::is_same_v<Pattern, any_message>) {
        request.match = [](const void* p, const term& t) {
          return static_cast<bool>((*static_cast<const Pattern*>(p))(t));
        };
        request.pred = &pattern;
      }
      request.timeout_ms = timeout_ms;
      return receive_ready(proc, request);
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      receive_suspend(proc, request, h);
    }
    auto await_resume() {
      if constexpr (Timed)
        return std::move(request.result);
      else
        return std::move(*request.result);
    }
  };

  struct yield_awaiter {
    detail::process_base& proc;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const noexcept {
      yield_suspend(proc, h);
    }
    void await_resume() const noexcept {}
  };

  detail::process_base* p_;
};

} // namespace otp

#include "otp/detail/spawn.hpp"
