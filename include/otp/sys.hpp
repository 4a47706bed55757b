#pragma once
/// `otp::sys`: Erlang's sys module for otp++'s behaviours (gen_server and
/// those built on it). Each function sends a system message
/// (`{system, From, Request}`) and waits for the answer; a server answers
/// them even while suspended.
///
/// | Erlang                          | otp++ (from a process; `co_await`) |
/// |---------------------------------|---------------------------------------|
/// | `sys:get_state(S)`              | `sys::get_state(self, s)` (the server's
/// `state()`) | | `sys:replace_state(S, F)`       |
/// `sys::replace_state<Server>(self, s, [](Server&) {...})` | |
/// `sys:get_status(S)`             | `sys::get_status(self, s)` | |
/// `sys:suspend(S)` / `resume(S)`  | `sys::suspend(self, s)` /
/// `sys::resume(self, s)` | | `sys:statistics(S, Flag)`       |
/// `sys::statistics(self, s, sys::stats::get)` | | `sys:trace(S, Bool)` |
/// `sys::trace(self, s, true)` | | `sys:change_code(S, M, V, X)`   |
/// `sys::change_code(self, s, vsn, extra)` | | `sys:terminate(S, R)` |
/// `sys::terminate(self, s, r)` |
///
/// As in Erlang, a failed sys call (unknown server, timeout, the server
/// dying) exits the caller with `{Reason, {sys, Function, Args}}`.

#include "otp/gen_server.hpp"

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

namespace otp::sys {

using namespace std::chrono_literals;

namespace detail {
/// What `replace_state` sends: runs in the server, returns the new state().
using state_function = std::function<term(gen_server::server_base&)>;

/// A system call; failures exit the caller with `{Reason, {sys, Function,
/// [Server | Args]}}`.
task<term> sys_call(process& self, server_ref server, term request,
                    atom function, term args,
                    std::chrono::milliseconds timeout);
/// replace_state's: a `{error, Reason}` answer exits the caller with Reason.
task<term> replace_state_call(process& self, server_ref server, term request,
                              std::chrono::milliseconds timeout);
expected<term, term> sys_call(scoped_mailbox& me, const server_ref& server,
                              term request, std::chrono::milliseconds timeout);
[[noreturn]] void wrong_server_type(const char* expected_type);
} // namespace detail

/// The server's state as its `state()` shows it.
task<term> get_state(process& self, server_ref server,
                     std::chrono::milliseconds timeout = 5s);
expected<term, term> get_state(scoped_mailbox& me, const server_ref& server,
                               std::chrono::milliseconds timeout = 5s);

/// Runs `change(server)` inside the server (of type `S`) and returns the
/// new `state()`. An exception in `change` (or a server of another type)
/// exits the caller with `{callback_failed, {gen_server,
/// system_replace_state}, Reason}` and leaves the server running (OTP).
template <class S>
task<term> replace_state(process& self, server_ref server,
                         std::function<void(S&)> change,
                         std::chrono::milliseconds timeout = 5s) {
  detail::state_function fn =
      [change = std::move(change)](gen_server::server_base& b) -> term {
    auto* s = dynamic_cast<S*>(&b);
    if (!s)
      detail::wrong_server_type(typeid(S).name());
    change(*s);
    return s->state();
  };
  return detail::replace_state_call(
      self, server, term{atom{"replace_state"}, term::any(std::move(fn))},
      timeout);
}

/// `{status, Pid, {module, gen_server}, [PDict, running|suspended, Parent,
/// Debug, Misc]}` with the state through `format_status`.
task<term> get_status(process& self, server_ref server,
                      std::chrono::milliseconds timeout = 5s);
expected<term, term> get_status(scoped_mailbox& me, const server_ref& server,
                                std::chrono::milliseconds timeout = 5s);

/// A suspended server answers only system messages; the others wait.
task<void> suspend(process& self, server_ref server,
                   std::chrono::milliseconds timeout = 5s);
task<void> resume(process& self, server_ref server,
                  std::chrono::milliseconds timeout = 5s);

enum class stats { enable, disable, get };
/// enable/disable: `ok`; get: `{ok, [{start_time, ..}, {current_time, ..},
/// {reductions, N}, {messages_in, N}, {messages_out, N}]}` or
/// `no_statistics`.
task<term> statistics(process& self, server_ref server, stats what,
                      std::chrono::milliseconds timeout = 5s);

/// Logs every message in and out (`*DBG* ...`) through the logger.
task<void> trace(process& self, server_ref server, bool on,
                 std::chrono::milliseconds timeout = 5s);

/// Calls the server's `code_change(old_vsn, extra)`. The server must be
/// suspended (as in OTP): `ok`, or `{error, Reason}`.
task<term> change_code(process& self, server_ref server, term old_vsn,
                       term extra, std::chrono::milliseconds timeout = 5s);

/// The server answers `ok`, then runs terminate and exits with `reason`
/// (its failure does not reach the caller, as in OTP).
task<void> terminate(process& self, server_ref server, term reason,
                     std::chrono::milliseconds timeout = infinity);

} // namespace otp::sys
