#pragma once
/// `otp::gen_server`: OTP's generic server.
///
/// A server is a class deriving from `otp::gen_server::server<Self>` whose
/// members are its state. It defines the callbacks it needs; the others have
/// OTP's defaults. Each callback returns a typed result mirroring OTP's
/// tuples, so a wrong combination does not compile (`reply` from
/// `handle_cast`, for one):
///
/// ```cpp
/// class counter : public otp::gen_server::server<counter> {
/// public:
///   explicit counter(int start) : n_(start) {}
///   call_result handle_call(const otp::term& req, const from&) {
///     if (req == "get"_a) return reply(n_);
///     return stop("unknown"_a, "error"_a);
///   }
///   cast_result handle_cast(const otp::term& msg) {
///     n_ += msg.as_int();
///     return noreply();
///   }
/// private:
///   std::int64_t n_;
/// };
///
/// auto started = co_await otp::gen_server::start_link<counter>(self, {}, 0);
/// otp::gen_server::cast(self, *started, 5);
/// auto n = co_await otp::gen_server::call(self, *started, "get"_a);
/// ```
///
/// | OTP                                      | otp++ callback result |
/// |------------------------------------------|------------------------------|
/// | `{ok, S}` / `{ok, S, T|hibernate|{continue,C}}` | `ok()` / `ok(100ms)`,
/// `ok(hibernate)`, `ok(continue_with(c))` | | `ignore`, `{stop, R}`, `{error,
/// R}`      | `ignore()`, `stop(r)`, `init_error(r)` | | `{reply, R, S}` (+4th
/// element)           | `reply(r)` / `reply(r, 100ms)` ...   | | `{noreply, S}`
/// (+4th element)            | `noreply()` / `noreply(hibernate)` ... | |
/// `{stop, R, S}` / `{stop, R, Reply, S}`   | `stop(r)` / `stop(r, reply)` |
///
/// Handlers may be coroutines: a `handle_call` returning
/// `otp::task<call_result>` can `co_await otp::gen_server::call(self(), ...)`
/// another server. Like Erlang's gen_server it waits for the answer in a
/// selective receive (its other messages stay queued), and the worker thread
/// runs other processes meanwhile: no scheduler thread is ever blocked.
/// Throwing a result (`throw noreply();`) returns it, as Erlang's `throw`
/// does. Any other exception ends the server as an error exit would:
/// terminate runs with the reason, then the process exits with it.
///
/// Calls from processes follow OTP exactly: on failure (`noproc`, the
/// server's death, `timeout`, `calling_self`) the caller exits with
/// `{Reason, {gen_server, call, [Server, Request]}}` (an `exit_exception`
/// that can be caught, like Erlang's `catch`), and `try_call` returns the
/// same reason as an error instead. Outside the runtime (a
/// `scoped_mailbox`), `call` returns it as an error.

#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/pid.hpp"
#include "otp/process.hpp"
#include "otp/ref.hpp"
#include "otp/server_ref.hpp"
#include "otp/task.hpp"
#include "otp/term.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <optional>
#include <variant>

namespace otp {

class runtime;
class scoped_mailbox;

/// A timeout meaning "wait forever" (Erlang's `infinity`).
inline constexpr std::chrono::milliseconds infinity =
    std::chrono::milliseconds::max();

namespace gen_server {

using namespace std::chrono_literals;

// -- what callbacks return ----------------------------------------------------

/// The 4th element of OTP's results: `hibernate`.
struct hibernate_t {
  explicit constexpr hibernate_t() = default;
};
inline constexpr hibernate_t hibernate{};

/// The 4th element `{continue, Value}`: `handle_continue(value)` runs before
/// any other message.
struct continue_with {
  term value;
};

/// What the server does after a callback: wait for the next message, time
/// out, hibernate, or continue.
class next_action {
public:
  enum class kind : std::uint8_t { none, timeout, hibernation, continue_ };

  next_action() noexcept = default;
  /// `handle_info(timeout)` if no message arrives within `t` (`infinity`:
  /// no timeout).
  template <class Rep, class Period>
  next_action(std::chrono::duration<Rep, Period> t)
      : kind_(kind::timeout),
        timeout_(t >= infinity
                     ? infinity
                     : std::chrono::ceil<std::chrono::milliseconds>(
                           t < decltype(t)::zero() ? decltype(t)::zero() : t)) {
  }
  next_action(hibernate_t) noexcept : kind_(kind::hibernation) {}
  next_action(continue_with c)
      : kind_(kind::continue_), value_(std::move(c.value)) {}

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] std::chrono::milliseconds timeout() const noexcept {
    return timeout_;
  }
  [[nodiscard]] const term& continue_value() const noexcept { return value_; }

private:
  kind kind_ = kind::none;
  std::chrono::milliseconds timeout_{0};
  term value_;
};

/// `{ok, S}` and `{ok, S, Next}` from init.
struct ok_result {
  next_action next;
};
/// `ignore` from init.
struct ignore_result {};
/// `{error, R}` from init: the start returns `{error, R}`, the server exits
/// `normal` without a crash report (OTP 26).
struct init_error_result {
  term reason;
};
/// `{reply, R, S}` and `{reply, R, S, Next}` (calls only).
struct reply_result {
  term reply;
  next_action next;
};
/// `{noreply, S}` and `{noreply, S, Next}`.
struct noreply_result {
  next_action next;
};
/// `{stop, R, S}` (and `{stop, R}` from init).
struct stop_result {
  term reason;
};
/// `{stop, R, Reply, S}` (calls only): terminate, reply, exit.
struct stop_reply_result {
  term reason;
  term reply;
};

namespace detail {
/// A result variant; the valueless state (a default-constructed result)
/// is a bad return value.
template <class... Alternatives>
class result {
public:
  result() noexcept = default;
  template <class A>
  requires(std::is_same_v<std::remove_cvref_t<A>, Alternatives> || ...)
      result(A&& a)
      : v_(std::forward<A>(a)) {}

  template <class A>
  [[nodiscard]] A* get_if() noexcept {
    return std::get_if<A>(&v_);
  }
  [[nodiscard]] bool valid() const noexcept { return v_.index() != 0; }

private:
  std::variant<std::monostate, Alternatives...> v_;
};
} // namespace detail

/// What `init` returns.
using init_result =
    detail::result<ok_result, ignore_result, stop_result, init_error_result>;
/// What `handle_call` returns.
using call_result = detail::result<reply_result, noreply_result, stop_result,
                                   stop_reply_result>;
/// What `handle_cast`, `handle_info` and `handle_continue` return.
using cast_result = detail::result<noreply_result, stop_result>;
using info_result = cast_result;
using continue_result = cast_result;

// -- the caller of a call -----------------------------------------------------

/// OTP's `From`: `{Pid, Tag}`. Reply to it with `reply(from, value)`, now
/// or later, from any process or thread.
struct from {
  pid caller;
  term tag;

  [[nodiscard]] term to_term() const { return term{caller, tag}; }
  /// `{Pid, Tag}` back to a `from` (nullopt if it is not one).
  [[nodiscard]] static std::optional<from> from_term(const term& t);
};

/// `gen_server:reply(From, Reply)`: sends the reply; a caller that has gone
/// (or stopped waiting) drops it silently. Thread-safe.
void reply(const from& to, term value);

// -- servers ------------------------------------------------------------------

class server_base;

namespace detail {
/// What the engine keeps about a running server (sys, crash reports).
struct server_context;
/// Binds a server object to its process (the engine does it).
void bind(server_base& s, process& self, server_context& ctx) noexcept;
} // namespace detail

/// What every server has, whatever its type: `self()`, the result builders,
/// and the hooks sys and crash reports read.
class server_base {
public:
  server_base() = default;
  server_base(const server_base&) = delete;
  server_base& operator=(const server_base&) = delete;
  virtual ~server_base() = default;

  /// The server's own process (valid from `init` on).
  [[nodiscard]] process& self() const noexcept { return *self_; }

  /// The state as `sys::get_state` returns it. Default: the class's name.
  [[nodiscard]] virtual term state() const;
  /// The state as crash reports and `sys::get_status` show it (OTP's
  /// format_status). Default: `state()`.
  [[nodiscard]] virtual term format_status() const { return state(); }

  // The callback types, usable unqualified in a server class.
  using init_result = gen_server::init_result;
  using call_result = gen_server::call_result;
  using cast_result = gen_server::cast_result;
  using info_result = gen_server::info_result;
  using continue_result = gen_server::continue_result;
  using from = gen_server::from;

protected:
  // Result builders, usable unqualified in callbacks.
  static ok_result ok() { return {}; }
  static ok_result ok(next_action next) { return {std::move(next)}; }
  static ignore_result ignore() { return {}; }
  static init_error_result init_error(term reason) {
    return {std::move(reason)};
  }
  static reply_result reply(term value) { return {std::move(value), {}}; }
  static reply_result reply(term value, next_action next) {
    return {std::move(value), std::move(next)};
  }
  static noreply_result noreply() { return {}; }
  static noreply_result noreply(next_action next) { return {std::move(next)}; }
  static stop_result stop(term reason) { return {std::move(reason)}; }
  static stop_reply_result stop(term reason, term reply) {
    return {std::move(reason), std::move(reply)};
  }
  /// `gen_server:reply/2`, for deferred replies.
  static void reply_to(const from& to, term value) {
    gen_server::reply(to, std::move(value));
  }
  static continue_with then_continue(term value) { return {std::move(value)}; }
  static constexpr hibernate_t hibernate{};

private:
  friend void detail::bind(server_base&, process&,
                           detail::server_context&) noexcept;
  process* self_ = nullptr;
  detail::server_context* context_ = nullptr;
};

/// The base of a server class `Self` (CRTP: callbacks are found at compile
/// time, so a synchronous handler costs a direct call). Callbacks a server
/// may define, with their defaults:
///
/// | callback                                   | default |
/// |--------------------------------------------|----------------------------|
/// | `init_result init()`                       | `ok()` |
/// | `call_result handle_call(const term&, const from&)` | `stop({bad_call,
/// Req})` | | `cast_result handle_cast(const term&)`     | `stop({bad_cast,
/// Msg})` | | `info_result handle_info(const term&)`     | log it, `noreply()`
/// | | `continue_result handle_continue(const term&)` | `stop({bad_continue,
/// C})` | | `void terminate(const term& reason)`       | nothing | |
/// `expected<void, term> code_change(const term& old_vsn, const term& extra)` |
/// ok |
///
/// Each of init, handle_call, handle_cast, handle_info and handle_continue
/// may instead return `otp::task<R>` (a coroutine) of the same `R`, and
/// terminate `otp::task<>` (a terminate that waits, such as a supervisor
/// stopping its children).
template <class Self>
class server : public server_base {
public:
  init_result init() { return ok(); }
  call_result handle_call(const term& request, const from&) {
    return stop(term{atom{"bad_call"}, request});
  }
  cast_result handle_cast(const term& msg) {
    return stop(term{atom{"bad_cast"}, msg});
  }
  info_result handle_info(const term& msg);
  continue_result handle_continue(const term& value) {
    return stop(term{atom{"bad_continue"}, value});
  }
  void terminate(const term&) {}
  expected<void, term> code_change(const term&, const term&) { return {}; }
};

namespace detail {
/// Logs an unexpected message, as OTP's default handle_info does.
void log_unhandled_info(const server_base& s, const term& msg);
} // namespace detail

template <class Self>
info_result server<Self>::handle_info(const term& msg) {
  detail::log_unhandled_info(*this, msg);
  return noreply();
}

// -- starting -----------------------------------------------------------------

/// Options of `start`, `start_link`, `start_monitor`:
/// `{"name"_a}`, or `start_options{"name"_a}.with_timeout(1s)`.
///
/// Not an aggregate on purpose: g++ 12 destroys an aggregate temporary
/// twice when it is built inside a `co_await` expression (as in
/// `co_await start<S>(self, {.name = ...})`), so designated initializers
/// would corrupt memory there; a class with constructors is safe.
class start_options {
public:
  start_options() = default;
  start_options(server_name n) : name(std::move(n)) {}

  /// Registered before init runs; if taken, the start returns
  /// `{error, {already_started, Pid}}` and init does not run.
  std::optional<server_name> name{};
  /// If init has not answered in time, the server is killed and the start
  /// returns `{error, timeout}`.
  std::chrono::milliseconds timeout = infinity;
  /// `{debug, [trace]}`: log every message in and out from the start.
  bool trace = false;
  /// `{hibernate_after, T}`: hibernate after `T` without messages.
  std::optional<std::chrono::milliseconds> hibernate_after{};

  start_options& with_name(server_name n) & {
    name = std::move(n);
    return *this;
  }
  start_options&& with_name(server_name n) && {
    return std::move(with_name(std::move(n)));
  }
  start_options& with_timeout(std::chrono::milliseconds t) & {
    timeout = t;
    return *this;
  }
  start_options&& with_timeout(std::chrono::milliseconds t) && {
    return std::move(with_timeout(t));
  }
  start_options& with_trace(bool on = true) & {
    trace = on;
    return *this;
  }
  start_options&& with_trace(bool on = true) && {
    return std::move(with_trace(on));
  }
  start_options& with_hibernate_after(std::chrono::milliseconds t) & {
    hibernate_after = t;
    return *this;
  }
  start_options&& with_hibernate_after(std::chrono::milliseconds t) && {
    return std::move(with_hibernate_after(t));
  }
};

/// `{ok, Pid}`, `{ok, Pid, Info}`, `ignore` or `{error, Reason}`.
class start_result {
public:
  static start_result ok(pid p) { return start_result{std::move(p)}; }
  /// `{ok, Pid, Info}` (what a supervisor child's start function may
  /// return; gen_server's own starts never set it).
  static start_result ok(pid p, term info) {
    start_result r{std::move(p)};
    r.info = std::move(info);
    return r;
  }
  static start_result ignore() { return start_result{ignore_tag{}}; }
  static start_result failed(term reason) {
    return start_result{std::move(reason)};
  }

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] bool ignored() const noexcept { return v_.index() == 1; }
  /// The server's pid; throws std::logic_error if the start failed.
  [[nodiscard]] const pid& value() const&;
  /// The same, moved out of a result that is done with (a copy of a pid is
  /// a locked increment).
  [[nodiscard]] pid value() &&;
  [[nodiscard]] const pid& operator*() const { return value(); }
  /// The reason of `{error, Reason}` (`ignore` for ignored starts).
  [[nodiscard]] term error() const;
  /// `{ok, Pid}` (`{ok, Pid, Info}` with `info`), `ignore` or
  /// `{error, Reason}`.
  [[nodiscard]] term to_term() const;
  /// The `Info` of `{ok, Pid, Info}`.
  std::optional<term> info;
  /// start_monitor's monitor (set whatever the outcome, as in OTP: a failed
  /// start also sends its 'DOWN').
  ref monitor;

private:
  [[noreturn]] void throw_failed() const;
  struct ignore_tag {};
  explicit start_result(pid p) : v_(std::move(p)) {}
  explicit start_result(ignore_tag) : v_(std::in_place_index<1>) {}
  explicit start_result(term reason)
      : v_(std::in_place_index<2>, std::move(reason)) {}
  std::variant<pid, std::monostate, term> v_;
};

enum class link_mode : std::uint8_t { none, link, monitor };

} // namespace gen_server
} // namespace otp

#include "otp/detail/gen_server_engine.hpp"

namespace otp::gen_server {

/// `gen_server:start/3,4`: starts a server of type `S` and returns once its
/// `init` has answered. The object is built from `args` by the caller (its
/// constructor should only store them; a constructor that throws throws
/// here); `init` runs in the new process, as OTP's init/1.
template <class S, class... Args>
task<start_result> start(process& self, start_options options, Args&&... args) {
  return detail::start<S>(self, link_mode::none, std::move(options),
                          std::forward<Args>(args)...);
}
/// `gen_server:start_link`: as start, linked to the caller before init runs.
template <class S, class... Args>
task<start_result> start_link(process& self, start_options options,
                              Args&&... args) {
  return detail::start<S>(self, link_mode::link, std::move(options),
                          std::forward<Args>(args)...);
}
/// `gen_server:start_monitor`: as start, monitored (`result.monitor`).
template <class S, class... Args>
task<start_result> start_monitor(process& self, start_options options,
                                 Args&&... args) {
  return detail::start<S>(self, link_mode::monitor, std::move(options),
                          std::forward<Args>(args)...);
}
/// `gen_server:start` from outside the runtime (blocks the calling thread).
template <class S, class... Args>
start_result start(runtime& rt, start_options options, Args&&... args) {
  return detail::start_blocking<S>(rt, std::move(options),
                                   std::forward<Args>(args)...);
}

// -- the client API -----------------------------------------------------------

namespace detail {
/// What `call` and `try_call` return: awaiting it runs the call in one
/// coroutine frame (OTP's gen:do_call). `Exit`: a failure exits the caller
/// (call) rather than being returned (try_call).
template <bool Exit>
class call_awaitable {
public:
  call_awaitable(process& self, server_ref server, term request,
                 std::chrono::milliseconds timeout);

  bool await_ready() const noexcept { return !awaiter_; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) noexcept {
    return awaiter_->await_suspend(h);
  }
  auto await_resume() {
    expected<term, term> r =
        awaiter_ ? awaiter_->await_resume() : unexpected<term>(early_);
    if (!r)
      r = unexpected<term>(failure(std::move(r.error())));
    if constexpr (Exit) {
      if (!r)
        self_->exit(std::move(r.error()));
      return std::move(*r);
    } else {
      return r;
    }
  }

private:
  using inner_task = task<expected<term, term>>;
  term failure(term why) const;

  process* self_;
  server_ref server_;
  term request_;
  std::chrono::milliseconds timeout_;
  term early_; ///< noproc or calling_self, found before sending
  inner_task inner_;
  std::optional<decltype(std::declval<inner_task>().operator co_await())>
      awaiter_;
};
extern template class call_awaitable<true>;
extern template class call_awaitable<false>;
} // namespace detail

/// `gen_server:call`: `co_await call(self, server, request)` gives the
/// reply; on failure the caller exits with OTP's reason `{Reason,
/// {gen_server, call, [Server, Request | Timeout]}}`.
[[nodiscard]] inline detail::call_awaitable<true>
call(process& self, server_ref server, term request,
     std::chrono::milliseconds timeout = 5s) {
  return {self, std::move(server), std::move(request), timeout};
}
/// `catch gen_server:call(...)`: the reply, or that reason as the error.
[[nodiscard]] inline detail::call_awaitable<false>
try_call(process& self, server_ref server, term request,
         std::chrono::milliseconds timeout = 5s) {
  return {self, std::move(server), std::move(request), timeout};
}
/// `gen_server:call` from outside the runtime: blocks the calling thread.
/// A server found waiting runs its turn on this thread meanwhile, unless
/// runtime_options::foreign_callers_run_servers is off (see there).
expected<term, term> call(scoped_mailbox& me, server_ref server, term request,
                          std::chrono::milliseconds timeout = 5s);

/// `gen_server:cast`: never fails, even to a dead or unknown server.
void cast(process& self, const server_ref& server, term msg);
void cast(runtime& rt, const server_ref& server, term msg);
/// The same to a pid, without making a server_ref: that would copy the pid,
/// two atomic RMWs per cast on the server's control block, a cache line the
/// server's worker is writing (it drains the inbox beside it).
void cast(process& self, const pid& server, term msg);

/// `gen_server:stop(Server, Reason, Timeout)`: returns once the server has
/// run terminate and exited with `reason`. Otherwise the caller exits with
/// `noproc`, `timeout` or the other exit reason, as OTP's does.
task<void> stop(process& self, server_ref server, term reason = atoms::normal,
                std::chrono::milliseconds timeout = infinity);
/// The same from outside the runtime; the failure as an error.
expected<void, term> stop(scoped_mailbox& me, server_ref server,
                          term reason = atoms::normal,
                          std::chrono::milliseconds timeout = infinity);

/// An asynchronous request (`gen_server:send_request`): its monitor is also
/// the alias the reply comes to.
struct request_id {
  ref tag;
  term server; ///< as given, for error reasons
};

/// `gen_server:send_request(Server, Request)`.
request_id send_request(process& self, const server_ref& server, term request);

/// What `wait_response` and `check_response` give: `{reply, R}`,
/// `{error, {Reason, Server}}`, `timeout`, or (check only) `no_reply`.
class response {
public:
  enum class kind : std::uint8_t { reply, error, timeout, no_reply };
  static response reply(term r) { return {kind::reply, std::move(r)}; }
  static response error(term reason) {
    return {kind::error, std::move(reason)};
  }
  static response timed_out() { return {kind::timeout, atoms::timeout}; }
  static response none() { return {kind::no_reply, term{}}; }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] bool is_reply() const noexcept { return kind_ == kind::reply; }
  /// The reply, or `{Reason, Server}` for an error.
  [[nodiscard]] const term& value() const noexcept { return value_; }
  /// `{reply, R}`, `{error, {Reason, Server}}`, `timeout` or `no_reply`.
  [[nodiscard]] term to_term() const;

private:
  response(kind k, term v) : kind_(k), value_(std::move(v)) {}
  kind kind_;
  term value_;
};

/// `gen_server:wait_response(RequestId, Timeout)`. After a timeout the
/// request stays pending (wait again, or drop it with `forget`).
task<response> wait_response(process& self, request_id id,
                             std::chrono::milliseconds timeout = infinity);
/// `gen_server:check_response(Msg, RequestId)`: whether `msg` (taken with
/// an ordinary receive) answers `id`; `no_reply` if it does not.
response check_response(process& self, const term& msg, const request_id& id);
/// Abandons a request: no reply or DOWN for it will arrive afterwards.
void forget(process& self, const request_id& id);

} // namespace otp::gen_server
