#pragma once
/// The gen_server loop: one coroutine per server, templated on the server
/// class so synchronous callbacks are direct calls and coroutine callbacks
/// are awaited. Its non-template half is src/gen_server.cpp.

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace otp::gen_server::detail {

template <class T>
inline constexpr bool is_task = false;
template <class T>
inline constexpr bool is_task<task<T>> = true;

/// What a new server process is told by its starter.
struct start_info {
  pid starter;
  pid parent; ///< the linked starter; null for start/start_monitor
  std::optional<server_name> name;
  bool trace = false;
  std::optional<std::chrono::milliseconds> hibernate_after;
};

/// The engine's bookkeeping about a running server, read by sys and by
/// crash reports.
struct server_context {
  server_context(process& self, start_info info);

  process& self;
  pid parent; ///< the process to obey when it exits (self when unlinked)
  std::optional<server_name> name;
  term name_term; ///< the registered name, or the pid
  std::optional<std::chrono::milliseconds> hibernate_after;
  bool trace = false;
  bool suspended = false;
  bool statistics = false;
  std::int64_t stats_start = 0; ///< system_clock seconds
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t callbacks = 0;
};

/// What kind of message the loop took.
enum class message_kind : std::uint8_t {
  call,
  cast,
  system,
  parent_exit,
  info
};
[[nodiscard]] message_kind classify(const term& msg,
                                    const pid& parent) noexcept;

/// `{ack, Self, Return}` to the starter.
void ack(process& self, const pid& starter, term result);
/// The exit reason for the exception in flight.
[[nodiscard]] term current_exception_reason() noexcept;
/// normal, shutdown, {shutdown, _}: ends without a crash report.
[[nodiscard]] bool is_quiet_exit(const term& reason) noexcept;
/// `** Generic server Name terminating` and the rest, through the logger.
void report_terminating(const server_context& ctx, const term& last_message,
                        const term& state, const term& reason) noexcept;
/// sys trace lines (`*DBG* Name got call ...`).
void trace_in(const server_context& ctx, const term& msg);
void trace_out(const server_context& ctx, const term& reply, const pid& to);
/// Replies to a call (traced and counted).
void send_reply(server_context& ctx, const from& to, term reply);
/// Frees what an idle server can give back (hibernate).
void compact(process& self) noexcept;
/// `{bad_return_value, V}`.
[[nodiscard]] term bad_return(term value);

/// Answers a system message; `what` is the engine's hooks.
struct system_hooks {
  server_base& server;
  /// Runs code_change; an error is returned as the reason.
  expected<void, term> (*code_change)(server_base&, const term& old_vsn,
                                      const term& extra);
};
/// The result of a system message: keep going, or terminate with a reason.
[[nodiscard]] std::optional<term>
handle_system(server_context& ctx, const term& msg, system_hooks hooks);

/// OTP's gen:call: monitor with alias, send `{Label, {Self, [alias|Tag]},
/// Request}`, wait for the reply or the DOWN. The error is the bare reason
/// (`timeout`, or the server's exit reason). `server` is a live pid other
/// than the caller.
task<expected<term, term>> gen_call(process& self, atom label,
                                    const pid& server, term request,
                                    std::chrono::milliseconds timeout);
expected<term, term> gen_call(scoped_mailbox& me, atom label, const pid& server,
                              term request, std::chrono::milliseconds timeout);

/// Waits for the start's answer (the ack, the child's death, or the start
/// timeout, which kills it).
task<start_result> await_ack(process& self, pid child, link_mode mode,
                             ref monitor, std::chrono::milliseconds timeout);
start_result await_ack_blocking(scoped_mailbox& starter, const pid& child,
                                std::chrono::milliseconds timeout);

/// The outcome of one callback, as the loop acts on it.
struct outcome {
  enum class kind : std::uint8_t { next, stop } what = kind::next;
  next_action next;
  term reason;               ///< stop: the reason
  std::optional<term> reply; ///< next: reply now; stop: after terminate
};

/// The outcome of a callback that threw: a thrown result is returned (a
/// wrong kind of result is a bad return value, as in OTP), anything else
/// stops the server with the exception's reason.
[[nodiscard]] outcome thrown_outcome(std::exception_ptr e, bool in_call);
[[nodiscard]] outcome to_outcome(call_result& r);
[[nodiscard]] outcome to_outcome(cast_result& r);

template <class S>
class engine {
public:
  engine(process& self, start_info info) : ctx_(self, std::move(info)) {}

  server_context& context() noexcept { return ctx_; }

  /// OTP's gen_server:terminate/8 without the exit: runs terminate and
  /// reports the crash; returns the reason the process exits with
  /// (terminate's own failure replaces it).
  term terminate(S& s, const term& reason, const term& last) {
    try {
      s.terminate(reason);
    } catch (...) {
      term failure = current_exception_reason();
      report_terminating(ctx_, last, safe_status(s), failure);
      return failure;
    }
    if (!is_quiet_exit(reason))
      report_terminating(ctx_, last, safe_status(s), reason);
    return reason;
  }

  static term safe_status(const S& s) noexcept {
    try {
      return s.format_status();
    } catch (...) {
      return atom{"format_status_crashed"};
    }
  }

  // Dispatchers: a synchronous callback is a direct call (no frame); a
  // coroutine callback is awaited.

  static constexpr bool async_call =
      is_task<decltype(std::declval<S&>().handle_call(
          std::declval<const term&>(), std::declval<const from&>()))>;

  outcome call(S& s, const term& request, const from& caller) {
    ++ctx_.callbacks;
    try {
      call_result r = s.handle_call(request, caller);
      return to_outcome(r);
    } catch (...) {
      return thrown_outcome(std::current_exception(), true);
    }
  }
  task<outcome> call_async(S& s, const term& request, const from& caller) {
    ++ctx_.callbacks;
    std::exception_ptr failure;
    try {
      call_result r = co_await s.handle_call(request, caller);
      co_return to_outcome(r);
    } catch (...) {
      failure = std::current_exception();
    }
    co_return thrown_outcome(failure, true);
  }

  template <int Which>
  static decltype(auto) invoke(S& s, const term& msg) {
    if constexpr (Which == 0)
      return s.handle_cast(msg);
    else if constexpr (Which == 1)
      return s.handle_info(msg);
    else
      return s.handle_continue(msg);
  }

  /// handle_cast, handle_info or handle_continue (by `Which`).
  template <int Which>
  static constexpr bool async_other = is_task<decltype(invoke<Which>(
      std::declval<S&>(), std::declval<const term&>()))>;

  template <int Which>
  outcome other(S& s, const term& msg) {
    ++ctx_.callbacks;
    try {
      cast_result r = invoke<Which>(s, msg);
      return to_outcome(r);
    } catch (...) {
      return thrown_outcome(std::current_exception(), false);
    }
  }
  template <int Which>
  task<outcome> other_async(S& s, const term& msg) {
    ++ctx_.callbacks;
    std::exception_ptr failure;
    try {
      cast_result r = co_await invoke<Which>(s, msg);
      co_return to_outcome(r);
    } catch (...) {
      failure = std::current_exception();
    }
    co_return thrown_outcome(failure, false);
  }

  static constexpr int cast_cb = 0;
  static constexpr int info_cb = 1;
  static constexpr int continue_cb = 2;

private:
  server_context ctx_;
};

/// The server process's body.
template <class S, class... Args>
task<> server_main(process& self, start_info info, Args... args) {
  const pid starter = info.starter;
  auto& rt = self.control().runtime();
  std::optional<server_name> name = info.name;
  if (name && !name->register_as(rt, self.self())) {
    ack(self, starter,
        term{atoms::error, term{atom{"already_started"}, name->whereis(rt)}});
    co_return; // exits normal; init never ran
  }
  engine<S> eng{self, std::move(info)};
  auto& ctx = eng.context();

  // init: the answer to the starter, after the name is freed on failure.
  std::optional<S> server;
  init_result init;
  std::optional<term> init_exception;
  try {
    server.emplace(std::move(args)...);
    bind(*server, self, ctx);
    if constexpr (is_task<decltype(server->init())>)
      init = co_await server->init();
    else
      init = server->init();
  } catch (ok_result& r) {
    init = std::move(r);
  } catch (ignore_result& r) {
    init = r;
  } catch (stop_result& r) {
    init = std::move(r);
  } catch (init_error_result& r) {
    init = std::move(r);
  } catch (...) {
    init_exception = current_exception_reason();
  }
  auto fail = [&](term answer) {
    if (name)
      name->unregister(rt, self.self());
    ack(self, starter, std::move(answer));
  };
  next_action next;
  if (init_exception) {
    fail(term{atoms::error, *init_exception});
    self.exit(*init_exception);
  } else if (auto* ok = init.get_if<ok_result>()) {
    next = std::move(ok->next);
    ack(self, starter, term{atoms::ok, self.self()});
  } else if (init.get_if<ignore_result>()) {
    fail(atom{"ignore"});
    co_return;
  } else if (auto* st = init.get_if<stop_result>()) {
    fail(term{atoms::error, st->reason});
    self.exit(st->reason);
  } else if (auto* e = init.get_if<init_error_result>()) {
    fail(term{atoms::error, e->reason});
    co_return; // OTP 26: exits normal, no crash report
  } else {
    term reason = bad_return(atoms::undefined);
    fail(term{atoms::error, reason});
    self.exit(reason);
  }

  S& s = *server;
  for (;;) {
    // Wait for the next message as the last callback asked.
    term msg;
    switch (next.what()) {
    case next_action::kind::continue_: {
      term value = next.continue_value();
      constexpr int which = engine<S>::continue_cb;
      outcome o;
      if constexpr (engine<S>::template async_other<which>)
        o = co_await eng.template other_async<which>(s, value);
      else
        o = eng.template other<which>(s, value);
      if (o.what == outcome::kind::stop)
        self.exit(eng.terminate(s, o.reason, value));
      next = std::move(o.next);
      continue;
    }
    case next_action::kind::hibernation:
      compact(self);
      msg = co_await self.receive();
      break;
    case next_action::kind::timeout:
      if (next.timeout() == infinity) {
        msg = co_await self.receive();
      } else if (auto m = co_await self.receive(next.timeout())) {
        msg = std::move(*m);
      } else {
        msg = atoms::timeout;
      }
      break;
    case next_action::kind::none:
      if (ctx.hibernate_after) {
        if (auto m = co_await self.receive(*ctx.hibernate_after)) {
          msg = std::move(*m);
        } else {
          compact(self);
          msg = co_await self.receive();
        }
      } else {
        msg = co_await self.receive();
      }
      break;
    }
    ++ctx.messages_in;
    if (ctx.trace)
      trace_in(ctx, msg);

    outcome o;
    std::optional<from> caller;
    switch (classify(msg, ctx.parent)) {
    case message_kind::call:
      caller = from::from_term(msg[1]);
      if constexpr (engine<S>::async_call)
        o = co_await eng.call_async(s, msg[2], *caller);
      else
        o = eng.call(s, msg[2], *caller);
      break;
    case message_kind::cast: {
      constexpr int which = engine<S>::cast_cb;
      if constexpr (engine<S>::template async_other<which>)
        o = co_await eng.template other_async<which>(s, msg[1]);
      else
        o = eng.template other<which>(s, msg[1]);
      break;
    }
    case message_kind::info: {
      constexpr int which = engine<S>::info_cb;
      if constexpr (engine<S>::template async_other<which>)
        o = co_await eng.template other_async<which>(s, msg);
      else
        o = eng.template other<which>(s, msg);
      break;
    }
    case message_kind::parent_exit:
      self.exit(eng.terminate(s, msg[2], msg));
    case message_kind::system: {
      system_hooks hooks{
          s, [](server_base& b, const term& old_vsn, const term& extra) {
            return static_cast<S&>(b).code_change(old_vsn, extra);
          }};
      auto stop = handle_system(ctx, msg, hooks);
      while (!stop && ctx.suspended) {
        // Suspended: only system messages and the parent's exit are taken;
        // everything else waits in order.
        const pid parent = ctx.parent;
        term sys = co_await self.receive([&parent](const term& m) {
          auto k = classify(m, parent);
          return k == message_kind::system || k == message_kind::parent_exit;
        });
        if (classify(sys, parent) == message_kind::parent_exit)
          self.exit(eng.terminate(s, sys[2], sys));
        stop = handle_system(ctx, sys, hooks);
      }
      if (stop)
        self.exit(eng.terminate(s, *stop, msg));
      continue; // the previous next action no longer applies (OTP)
    }
    }
    if (o.what == outcome::kind::stop) {
      term final_reason = eng.terminate(s, o.reason, msg);
      if (o.reply && caller)
        send_reply(ctx, *caller, std::move(*o.reply));
      self.exit(final_reason);
    }
    if (o.reply && caller)
      send_reply(ctx, *caller, std::move(*o.reply));
    next = std::move(o.next);
  }
}

template <class S, class... Args>
task<start_result> start(process& self, link_mode mode, start_options opt,
                         Args... args) {
  static_assert(std::is_base_of_v<server<S>, S>,
                "a gen_server derives from otp::gen_server::server<Self>");
  start_info info{self.self(), mode == link_mode::link ? self.self() : pid{},
                  std::move(opt.name), opt.trace, opt.hibernate_after};
  pid child;
  ref monitor;
  if (mode == link_mode::link) {
    child = self.spawn_link(&server_main<S, Args...>, std::move(info),
                            std::move(args)...);
  } else {
    auto [p, m] = self.spawn_monitor(&server_main<S, Args...>, std::move(info),
                                     std::move(args)...);
    child = std::move(p);
    monitor = m;
  }
  co_return co_await await_ack(self, std::move(child), mode, monitor,
                               opt.timeout);
}

template <class S, class... Args>
start_result start_blocking(runtime& rt, start_options opt, Args... args) {
  static_assert(std::is_base_of_v<server<S>, S>,
                "a gen_server derives from otp::gen_server::server<Self>");
  scoped_mailbox starter{rt};
  start_info info{starter.self(), pid{}, std::move(opt.name), opt.trace,
                  opt.hibernate_after};
  pid child =
      rt.spawn(&server_main<S, Args...>, std::move(info), std::move(args)...);
  return await_ack_blocking(starter, child, opt.timeout);
}

} // namespace otp::gen_server::detail
