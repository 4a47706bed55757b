#pragma once
/// `otp::connection`: Elixir's Connection behaviour, a gen_server for a
/// process that holds a connection to a peer that may be away.
///
/// A connection is a class deriving from `otp::connection::behaviour<Self>`
/// (not `final`: the library derives from it). It is a gen_server with two
/// more callbacks, `connect` and `disconnect`, and more results for the
/// others; the library runs it on `otp::gen_server` as Elixir's Connection
/// runs on GenServer, so the client API is gen_server's (`call`, `cast`,
/// `stop`, `reply`, re-exported here).
///
/// ```cpp
/// class line_client : public otp::connection::behaviour<line_client> {
/// public:
///   init_result init() { return then_connect("init"_a); }
///   connect_result connect(const term&) {
///     if (try_to_connect()) { policy_.reset(); return ok(); }
///     return backoff(policy_.next());       // connect(backoff) after that
///   }
///   disconnect_result disconnect(const term&) {
///     close_socket();
///     return then_connect("reconnect"_a);   // try again at once
///   }
///   call_result handle_call(const term& req, const from&) {
///     if (!connected()) return reply(term{"error"_a, "closed"_a});
///     if (!send_line(req)) return reply_then_disconnect(..., ...);
///     return reply("ok"_a);
///   }
/// private:
///   otp::backoff policy_{{.initial = 100ms, .max = 10s}};
/// };
/// auto conn = co_await otp::connection::start_link<line_client>(self, {});
/// auto r = co_await otp::connection::call(self, *conn, "hello");
/// ```
///
/// What runs when:
/// - start, start_link, start_monitor: `init`; after `then_connect(I)`,
///   `connect(I)` runs before any message (the start has returned).
/// - the timer of a `backoff(Ms)` result: `connect(backoff)` (the atom).
/// - `call` / `cast` / any other message: `handle_call` / `handle_cast` /
///   `handle_info`.
/// - `then_connect(I)` / `then_disconnect(I)` from a callback:
///   `connect(I)` / `disconnect(I)` at once, before any message.
/// - `stop`, a parent's exit (when trapping), a `stop(R)` result, an
///   exception: `terminate(R)`, then the process exits with `R`.
///
/// What each callback may return (Elixir's tuple as a builder; `next` is
/// an optional timeout such as `100ms`, or `hibernate`, as in gen_server):
/// - `init`: `ok(next)`, `then_connect(Info)`, `backoff(Ms, next)`,
///   `ignore()`, `stop(R)`.
/// - `connect`: `ok(next)` (connected), `backoff(Ms, next)` (try again
///   after `Ms`), `stop(R)`.
/// - `disconnect`: `then_connect(Info)`, `backoff(Ms, next)`,
///   `noconnect(next)` (stay disconnected), `stop(R)`.
/// - `handle_call`: `reply(R, next)`, `noreply(next)`, `stop(R)`,
///   `stop(R, Reply)`, `then_connect(Info)` and `then_disconnect(Info)`
///   (no reply yet: reply later with `reply_to`), and
///   `reply_then_connect(Reply, Info)`, `reply_then_disconnect(Reply, Info)`
///   (the reply goes first).
/// - `handle_cast`, `handle_info`: `noreply(next)`, `then_connect(Info)`,
///   `then_disconnect(Info)`, `stop(R)`.
///
/// Each result type accepts only its callback's alternatives, so a wrong
/// combination (`reply` from `handle_cast`, `noconnect` from `connect`)
/// does not compile; a default-constructed result is a bad return value
/// (`{bad_return_value, undefined}`): the server stops with it.
///
/// Backoff: `backoff(Ms)` starts a timer (none for `otp::infinity`); when it
/// fires `connect(backoff)` runs. Starting `connect` or `disconnect` for any
/// other reason cancels it, and a timer message that raced the cancel (it
/// had fired, its message was queued) is flushed before any other message
/// is handled: it never reaches `handle_info`. While backing off the process
/// serves every message as usual (a typical `handle_call` answers
/// `{error, closed}`). The delays are the user's policy; `otp::backoff`
/// (otp/backoff.hpp) is a ready exponential one with jitter and a cap.
///
/// Crashes are as in Connection: an exception escaping any callback
/// (`connect` and `disconnect` included) stops the server: `terminate` runs
/// with the reason, then the process exits with it. As in Elixir's
/// Connection (and unlike otp::gen_server), throwing a result is not a way
/// to return it: it is a crash like any other exception.
///
/// Callbacks may be coroutines returning `otp::task<R>` of the same `R` (a
/// `connect` that awaits an IO result delivered as a message, for one):
/// while one waits in a selective receive, the other messages stay queued
/// and no scheduler thread is blocked.

#include "otp/detail/type_name.hpp"
#include "otp/gen_server.hpp"

#include <chrono>
#include <type_traits>
#include <typeinfo>

namespace otp::connection {

using gen_server::from;
using gen_server::hibernate;
using gen_server::hibernate_t;
using gen_server::start_options;
using gen_server::start_result;

// -- what callbacks return ----------------------------------------------------

/// The optional last element of Connection's results: a timeout
/// (`handle_info(timeout)` if no message arrives in time) or `hibernate`.
/// Unlike gen_server's, it has no `{continue, C}`: Connection has none.
class next_action {
public:
  next_action() noexcept = default;
  template <class Rep, class Period>
  next_action(std::chrono::duration<Rep, Period> t) : next_(t) {}
  next_action(hibernate_t) noexcept : next_(hibernate) {}

  /// The same action, as the gen_server it runs on takes it.
  [[nodiscard]] const gen_server::next_action& get() const noexcept {
    return next_;
  }

private:
  gen_server::next_action next_;
};

/// `{ok, S}` / `{ok, S, Next}` (init: enter the loop; connect: connected).
struct ok_result {
  next_action next;
};
/// `{backoff, Ms, S}` / `{backoff, Ms, S, Next}`: `connect(backoff)` after
/// `delay`, unless connect or disconnect runs first.
struct backoff_result {
  std::chrono::milliseconds delay;
  next_action next;
};
/// `ignore` (init): the start returns `ignore`, the process exits normal.
struct ignore_result {};
/// `{stop, R}` (init) and `{stop, R, S}`.
struct stop_result {
  term reason;
};
/// `{stop, R, Reply, S}` (calls): terminate, reply, exit.
struct stop_reply_result {
  term reason;
  term reply;
};
/// `{noconnect, S}` / `{noconnect, S, Next}` (disconnect): stay
/// disconnected.
struct noconnect_result {
  next_action next;
};
/// `{reply, R, S}` / `{reply, R, S, Next}` (calls).
struct reply_result {
  term reply;
  next_action next;
};
/// `{noreply, S}` / `{noreply, S, Next}`.
struct noreply_result {
  next_action next;
};
/// `{connect, Info, S}`: `connect(Info)` runs at once.
struct connect_request {
  term info;
};
/// `{disconnect, Info, S}`: `disconnect(Info)` runs at once.
struct disconnect_request {
  term info;
};
/// `{connect, Info, Reply, S}` (calls): reply, then `connect(Info)`.
struct reply_connect_request {
  term reply;
  term info;
};
/// `{disconnect, Info, Reply, S}` (calls): reply, then `disconnect(Info)`.
struct reply_disconnect_request {
  term reply;
  term info;
};

/// What `init` returns.
using init_result =
    gen_server::detail::result<ok_result, connect_request, backoff_result,
                               ignore_result, stop_result>;
/// What `connect` returns.
using connect_result =
    gen_server::detail::result<ok_result, backoff_result, stop_result>;
/// What `disconnect` returns.
using disconnect_result =
    gen_server::detail::result<connect_request, backoff_result,
                               noconnect_result, stop_result>;
/// What `handle_call` returns.
using call_result =
    gen_server::detail::result<reply_result, noreply_result, connect_request,
                               disconnect_request, reply_connect_request,
                               reply_disconnect_request, stop_result,
                               stop_reply_result>;
/// What `handle_cast` and `handle_info` return.
using cast_result = gen_server::detail::result<noreply_result, connect_request,
                                               disconnect_request, stop_result>;
using info_result = cast_result;

// -- connections --------------------------------------------------------------

namespace detail {
template <class Self>
class adapter;
} // namespace detail

/// The base of a connection class `Self` (CRTP). Callbacks a connection may
/// define, public, with their defaults (Connection's):
///
/// - `init_result init()`: `ok()`.
/// - `connect_result connect(const term& info)`:
///   `stop({bad_connect, Info})`.
/// - `disconnect_result disconnect(const term& info)`:
///   `stop({bad_disconnect, Info})`.
/// - `call_result handle_call(const term&, const from&)`:
///   `stop({bad_call, Req})`.
/// - `cast_result handle_cast(const term&)`: `stop({bad_cast, Msg})`.
/// - `info_result handle_info(const term&)`: `noreply()`.
/// - `void terminate(const term& reason)`: nothing.
/// - `expected<void, term> code_change(const term& old_vsn,
///   const term& extra)`: ok.
///
/// Members are the state; `self()` is the process (from `init` on), and
/// `state()` / `format_status()` are what sys and crash reports show.
template <class Self>
class behaviour : public gen_server::server<detail::adapter<Self>> {
public:
  // The callback types, usable unqualified in a connection class.
  using init_result = connection::init_result;
  using connect_result = connection::connect_result;
  using disconnect_result = connection::disconnect_result;
  using call_result = connection::call_result;
  using cast_result = connection::cast_result;
  using info_result = connection::info_result;
  using from = connection::from;

  init_result init() { return ok(); }
  connect_result connect(const term& info) {
    return stop(term{atom{"bad_connect"}, info});
  }
  disconnect_result disconnect(const term& info) {
    return stop(term{atom{"bad_disconnect"}, info});
  }
  call_result handle_call(const term& request, const from&) {
    return stop(term{atom{"bad_call"}, request});
  }
  cast_result handle_cast(const term& msg) {
    return stop(term{atom{"bad_cast"}, msg});
  }
  info_result handle_info(const term&) { return noreply(); }

  /// Default: the connection class's name (not the library's wrapper).
  [[nodiscard]] term state() const override {
    return atom{otp::detail::type_name(typeid(Self))};
  }

protected:
  // Result builders, usable unqualified in callbacks.
  static ok_result ok(next_action next = {}) { return {std::move(next)}; }
  static backoff_result backoff(std::chrono::milliseconds delay,
                                next_action next = {}) {
    return {delay, std::move(next)};
  }
  static ignore_result ignore() { return {}; }
  static stop_result stop(term reason) { return {std::move(reason)}; }
  static stop_reply_result stop(term reason, term reply) {
    return {std::move(reason), std::move(reply)};
  }
  static noconnect_result noconnect(next_action next = {}) {
    return {std::move(next)};
  }
  static reply_result reply(term value, next_action next = {}) {
    return {std::move(value), std::move(next)};
  }
  static noreply_result noreply(next_action next = {}) {
    return {std::move(next)};
  }
  static connect_request then_connect(term info) { return {std::move(info)}; }
  static disconnect_request then_disconnect(term info) {
    return {std::move(info)};
  }
  static reply_connect_request reply_then_connect(term reply, term info) {
    return {std::move(reply), std::move(info)};
  }
  static reply_disconnect_request reply_then_disconnect(term reply, term info) {
    return {std::move(reply), std::move(info)};
  }
  /// `Connection.reply/2`, for deferred replies. Thread-safe.
  static void reply_to(const from& to, term value) {
    gen_server::reply(to, std::move(value));
  }
};

// -- the client API: gen_server's (a connection is a gen_server) --------------

using gen_server::call;
using gen_server::cast;
using gen_server::reply;
using gen_server::stop;
using gen_server::try_call;

} // namespace otp::connection

#include "otp/detail/connection_adapter.hpp"

namespace otp::connection {

// -- starting -----------------------------------------------------------------

/// `Connection.start/3`: starts a connection of type `S` and returns once
/// its `init` has answered (before `connect` runs, after `then_connect`).
/// As with gen_server, the object is built from `args` by the caller and
/// `init` runs in the new process.
template <class S, class... Args>
task<start_result> start(process& self, start_options options, Args&&... args) {
  return gen_server::start<detail::adapter<S>>(self, std::move(options),
                                               std::forward<Args>(args)...);
}
/// `Connection.start_link/3`: as start, linked to the caller.
template <class S, class... Args>
task<start_result> start_link(process& self, start_options options,
                              Args&&... args) {
  return gen_server::start_link<detail::adapter<S>>(
      self, std::move(options), std::forward<Args>(args)...);
}
/// As start, monitored (`result.monitor`), as gen_server's start_monitor.
template <class S, class... Args>
task<start_result> start_monitor(process& self, start_options options,
                                 Args&&... args) {
  return gen_server::start_monitor<detail::adapter<S>>(
      self, std::move(options), std::forward<Args>(args)...);
}
/// `start` from outside the runtime (blocks the calling thread until init
/// has answered; never call it on a testkit's thread).
template <class S, class... Args>
start_result start(runtime& rt, start_options options, Args&&... args) {
  return gen_server::start<detail::adapter<S>>(rt, std::move(options),
                                               std::forward<Args>(args)...);
}

} // namespace otp::connection
