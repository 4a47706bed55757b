#pragma once
/// The gen_server loop: one coroutine per server, templated on the server
/// class so synchronous callbacks are direct calls and coroutine callbacks
/// are awaited. Its non-template half is src/gen_server.cpp.

#include "otp/gen_server.hpp"
#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"

#include <chrono>
#include <coroutine>
#include <exception>
#include <memory>
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
  /// Who hears how the start went; null for a linked start, whose starter
  /// is its parent.
  pid starter;
  /// A linked start: the starter is the parent, and the server's link to it
  /// (adopt_link as_parent) says so, with no other copy of its pid to make
  /// and release. Otherwise the server is its own parent (OTP).
  bool linked = false;
  /// The starter takes the ack of a start that goes well as it comes
  /// (linked_ack), never as a message: that ack then carries no pid (one
  /// pid copy fewer, and its release).
  bool bare_ack = false;
  std::optional<server_name> name;
  bool trace = false;
  std::optional<std::chrono::milliseconds> hibernate_after;
};

/// The engine's bookkeeping about a running server, read by sys and by
/// crash reports.
struct server_context {
  server_context(process& self, start_info&& info);

  process& self;
  /// The process to obey when it exits: the linked starter (held by the
  /// link while it lasts, see process_base::linked_parent), or this very
  /// process when started unlinked.
  [[nodiscard]] const pid& parent() const noexcept {
    return own_parent ? own_parent : self.control().linked_parent();
  }
  /// The parent when the link does not hold it: for an unlinked start, or
  /// once the link to the parent is gone (see process_base::keep_parent).
  pid own_parent;
  std::optional<server_name> name;
  /// The registered name, or the pid: what reports and sys print.
  [[nodiscard]] term name_term() const;
  std::optional<std::chrono::milliseconds> hibernate_after;
  bool trace = false;
  bool suspended = false;
  bool statistics = false;
  bool bare_ack = false;        ///< see start_info::bare_ack
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
/// `{ack, Self, {ok, Self}}` to the starter, unboxed (see send_start_ack);
/// `bare`: with no pid in it (see start_info::bare_ack).
void ack_ok(process& self, const pid& starter, bool bare);
/// The exit reason for the exception in flight, or for `e`.
[[nodiscard]] term current_exception_reason() noexcept;
[[nodiscard]] term exception_reason_of(std::exception_ptr e) noexcept;
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
/// than the caller. (A coroutine: every parameter is taken by value, so a
/// call can be started before it is awaited.)
task<expected<term, term>> gen_call(process& self, atom label, pid server,
                                    term request,
                                    std::chrono::milliseconds timeout);
expected<term, term> gen_call(scoped_mailbox& me, atom label, const pid& server,
                              term request, std::chrono::milliseconds timeout);

/// Waits for the start's answer (the ack, the child's death, or the start
/// timeout, which kills it).
task<start_result> await_ack(process& self, pid child, link_mode mode,
                             ref monitor, std::chrono::milliseconds timeout);

/// What a starter waits for: the child's ack, or its EXIT (linked) or
/// DOWN. (Predicates used inside co_await expressions have constructors:
/// g++ 12 destroys aggregate temporaries there twice.)
struct start_answer {
  start_answer(pid c, link_mode m, ref mon)
      : child(std::move(c)), mode(m), monitor(std::move(mon)) {}
  pid child;
  link_mode mode;
  ref monitor;
  bool operator()(const term& m) const;
};

/// A start that `begin_start` began: the server spawned, linked or
/// monitored, its ack still to come; or `early`, a start that failed
/// before anything was spawned (a taken name).
class start_begun {
public:
  explicit start_begun(start_result failed) : early(std::move(failed)) {}
  start_begun(pid c, link_mode m, ref mon, std::chrono::milliseconds t)
      : child(std::move(c)), mode(m), monitor(std::move(mon)), timeout(t) {}

  pid child;
  link_mode mode = link_mode::none;
  ref monitor;
  std::chrono::milliseconds timeout = infinity;
  std::optional<start_result> early;

  /// Linked, with no start timeout: `linked_ack` finishes it.
  [[nodiscard]] bool simply_linked() const noexcept {
    return !early && mode == link_mode::link && timeout == infinity;
  }
};

/// The rest of a begun start: its ack wait (await_ack), or `early`.
task<start_result> finish_start(process& self, start_begun begun);

/// The result of a linked start from what its starter took: the ack's
/// answer, or the reason of the child's EXIT.
[[nodiscard]] start_result linked_answer(const term& got, const pid& child);

/// await_ack for a start that is `simply_linked`, in the starter's own
/// coroutine frame: `co_await linked_ack{self, child}` is one receive. The
/// ack of an init that went well is taken as it came, unboxed (see
/// send_start_ack): no tuple is built for it, nor taken apart.
class linked_ack {
public:
  linked_ack(const process& self, pid child)
      : receive_(
            self.receive(start_answer{std::move(child), link_mode::link, {}})) {
    receive_.request.ack_from = receive_.pattern.child.block();
  }
  bool await_ready() { return receive_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    receive_.await_suspend(h);
  }
  start_result await_resume() {
    term got = receive_.await_resume();
    if (receive_.request.reply)
      return start_result::ok(std::move(receive_.pattern.child));
    return linked_answer(got, receive_.pattern.child);
  }

private:
  decltype(std::declval<const process&>().receive(
      std::declval<start_answer>())) receive_;
};

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
/// `{exception, 'Type', <<"what">>}` for the exception being handled.
[[nodiscard]] term std_exception_reason(const std::exception& x) noexcept;
/// True when `x` is none of the thrown results nor an exit_exception (a
/// type that derives from std::exception and from one of them): the
/// std::exception catch clause, tested first, may take it for a crash.
[[nodiscard]] bool is_plain_exception(const std::exception& x) noexcept;
[[nodiscard]] outcome thrown_result(reply_result& r, bool in_call);
[[nodiscard]] outcome thrown_result(stop_reply_result& r, bool in_call);

/// Runs a synchronous callback `f`, turning what it throws into the
/// outcome OTP gives, with no rethrow: a crash costs one throw, not three.
/// `f` returns the outcome the loop must act on, or nullopt when it kept
/// an ordinary result for the caller's fast path (a reply, a noreply),
/// which then builds no outcome at all.
///
/// The std::exception clause comes first: the unwinder's search tests the
/// clauses in order, each miss a walk of the thrown type's bases, and a
/// crash is the common throw. A type that is also a result or an
/// exit_exception goes to the order OTP's rules give (thrown_outcome).
template <class F>
std::optional<outcome> guarded(bool in_call, F&& f) {
  try {
    return f();
  } catch (const std::exception& x) {
    if (is_plain_exception(x)) [[likely]]
      return outcome{outcome::kind::stop, {}, std_exception_reason(x), {}};
    return thrown_outcome(std::current_exception(), in_call);
  } catch (noreply_result& r) {
    return outcome{outcome::kind::next, std::move(r.next), {}, {}};
  } catch (stop_result& r) {
    return outcome{outcome::kind::stop, {}, std::move(r.reason), {}};
  } catch (reply_result& r) {
    return thrown_result(r, in_call);
  } catch (stop_reply_result& r) {
    return thrown_result(r, in_call);
  } catch (const exit_exception& x) {
    return outcome{outcome::kind::stop, {}, x.reason, {}};
  } catch (...) {
    return outcome{outcome::kind::stop, {}, current_exception_reason(), {}};
  }
}
[[nodiscard]] outcome to_outcome(call_result& r);
[[nodiscard]] outcome to_outcome(cast_result& r);

/// A running server: an event-driven process (no coroutine frame while it
/// waits) that dispatches each message to the server's callbacks. A
/// callback that is a coroutine runs as the process's body until it
/// returns; the process then goes back to the event loop.
template <class S>
class server_process final : public otp::detail::coroutine_process_base {
public:
  template <class... Args>
  server_process(otp::detail::runtime_core& rt, start_info&& info,
                 Args&&... args)
      : coroutine_process_base(rt, otp::detail::next_process_number(rt)),
        context_(*this), starter_(std::move(info.starter)),
        ctx_(context_, std::move(info)) {
    server_.emplace(std::forward<Args>(args)...);
    bind(*server_, context_, ctx_);
  }

private:
  using base = otp::detail::coroutine_process_base;

  static constexpr bool async_init =
      is_task<decltype(std::declval<S&>().init())>;
  static constexpr bool async_call =
      is_task<decltype(std::declval<S&>().handle_call(
          std::declval<const term&>(), std::declval<const from&>()))>;
  static constexpr bool async_cast =
      is_task<decltype(std::declval<S&>().handle_cast(
          std::declval<const term&>()))>;
  static constexpr bool async_info =
      is_task<decltype(std::declval<S&>().handle_info(
          std::declval<const term&>()))>;
  static constexpr bool async_terminate =
      is_task<decltype(std::declval<S&>().terminate(
          std::declval<const term&>()))>;
  static constexpr bool async_continue =
      is_task<decltype(std::declval<S&>().handle_continue(
          std::declval<const term&>()))>;

  enum class callback : std::uint8_t { call, cast, info, continue_ };

  // -- the event loop ---------------------------------------------------------

  otp::detail::step_result event_step(int& budget) noexcept override {
    try {
      return loop(budget);
    } catch (...) {
      // Not a callback's exception (those become outcomes): the engine's
      // own failure, such as out of memory. The process ends with it.
      set_exit(current_exception_reason());
      return otp::detail::step_result::exited;
    }
  }

  otp::detail::step_result loop(int& budget) {
    using otp::detail::step_result;
    if (!started_) {
      started_ = true;
      start();
    }
    for (;;) {
      if (exit_pending())
        return step_result::exited;
      if (has_body())
        return step_result::yielded; // step() runs the new coroutine now
      if (pending_stop_) {
        set_body(stop_async());
        return step_result::yielded;
      }
      if (pending_continue_) {
        term value = std::move(*pending_continue_);
        pending_continue_.reset();
        dispatch_other(callback::continue_, std::move(value));
        continue;
      }
      if (budget <= 0)
        return step_result::yielded;
      otp::detail::signal* s =
          ctx_.suspended ? take_matching(&accepts_when_suspended, &ctx_)
                         : pop_signal();
      if (!s) {
        if (wait_ms_ < 0)
          return step_result::waiting;
        if (wait_ms_ == 0 || (timer_armed_ && timeout_expired())) {
          timer_armed_ = false;
          on_timeout();
          continue;
        }
        if (!timer_armed_) {
          cancel_timeout(); // one a coroutine callback may have left
          arm_timeout(wait_ms_);
          timer_armed_ = true;
        }
        return step_result::waiting;
      }
      if (timer_armed_) {
        cancel_timeout();
        timer_armed_ = false;
      }
      if (ctx_.suspended)
        reset_save_point();
      --budget;
      take(s);
    }
  }

  /// Dispatches the message `s` (taken from the queue, freed here). A call
  /// or a cast that came unboxed is taken apart without building its term.
  void take(otp::detail::signal* s) {
    using otp::detail::signal_kind;
    if (s->kind == signal_kind::call_request &&
        s->seq == atoms::gen_call.index()) {
      from caller{std::move(s->from), std::move(s->extra)};
      term request = std::move(s->payload);
      delete s;
      count_in(callback::call, request, &caller);
      on_call(std::move(caller), request);
      return;
    }
    if (s->kind == signal_kind::cast_request) {
      term msg = std::move(s->payload);
      delete s;
      count_in(callback::cast, msg, nullptr);
      dispatch_other(callback::cast, std::move(msg));
      return;
    }
    otp::detail::box_message(*s);
    term msg = std::move(s->payload);
    delete s;
    on_message(std::move(msg));
  }

  static bool accepts_when_suspended(const void* ctx, const term& m) {
    auto k = classify(m, static_cast<const server_context*>(ctx)->parent());
    return k == message_kind::system || k == message_kind::parent_exit;
  }

  bool body_finished(std::exception_ptr error) noexcept override {
    if (error) {
      // Only the engine's own failure escapes a callback coroutine.
      return base::body_finished(error);
    }
    drop_body();
    return true;
  }

  // -- init -------------------------------------------------------------------

  void start() {
    auto& rt = runtime();
    if (ctx_.name && !ctx_.name->register_as(rt, self())) {
      ack(context_, starter(),
          term{atoms::error,
               term{atom{"already_started"}, ctx_.name->whereis(rt)}});
      set_exit(atoms::normal); // init never ran
      return;
    }
    if constexpr (async_init) {
      set_body(init_async());
    } else {
      init_result r;
      try {
        r = server_->init();
      } catch (...) {
        init_failed(std::current_exception());
        return;
      }
      finish_init(r);
    }
  }

  task<> init_async() {
    std::exception_ptr failure;
    try {
      init_result r = co_await server_->init();
      finish_init(r);
      co_return;
    } catch (...) {
      failure = std::current_exception();
    }
    init_failed(failure);
  }

  void init_failed(std::exception_ptr e) {
    init_result r;
    try {
      std::rethrow_exception(e);
    } catch (ok_result& x) {
      r = std::move(x);
    } catch (ignore_result& x) {
      r = x;
    } catch (stop_result& x) {
      r = std::move(x);
    } catch (init_error_result& x) {
      r = std::move(x);
    } catch (...) {
      term reason = current_exception_reason();
      fail_start(term{atoms::error, reason});
      set_exit(std::move(reason));
      return;
    }
    finish_init(r);
  }

  /// The name is freed before the starter hears of the failure, so it can
  /// start again at once (OTP).
  void fail_start(term answer) {
    if (ctx_.name)
      ctx_.name->unregister(runtime(), self());
    ack(context_, starter(), std::move(answer));
  }

  void finish_init(init_result& r) {
    if (auto* ok = r.get_if<ok_result>()) {
      ack_ok(context_, starter(), ctx_.bare_ack);
      starter_ = pid{};
      apply(std::move(ok->next));
    } else if (r.get_if<ignore_result>()) {
      fail_start(atom{"ignore"});
      set_exit(atoms::normal);
    } else if (auto* st = r.get_if<stop_result>()) {
      fail_start(term{atoms::error, st->reason});
      set_exit(std::move(st->reason));
    } else if (auto* e = r.get_if<init_error_result>()) {
      fail_start(term{atoms::error, e->reason});
      set_exit(atoms::normal); // OTP 26: no crash report
    } else {
      term reason = bad_return(atoms::undefined);
      fail_start(term{atoms::error, reason});
      set_exit(std::move(reason));
    }
  }

  // -- messages ---------------------------------------------------------------

  void on_timeout() {
    wait_ms_ = -1;
    if (hibernate_on_timeout_) {
      hibernate_on_timeout_ = false; // hibernate_after: sleep until a message
      process_base::compact();
      return;
    }
    on_message(term{atoms::timeout});
  }

  /// sys statistics and trace for a message that is not a system message.
  void count_in(callback which, const term& arg, const from* caller) {
    ++ctx_.messages_in;
    if (ctx_.trace)
      trace_in(ctx_, last_message(which, arg, caller));
  }

  /// The message that brought `arg` to callback `which`: what sys traces
  /// and crash reports name. Built only for them, since a call or cast
  /// may have come unboxed.
  static term last_message(callback which, const term& arg,
                           const from* caller) {
    switch (which) {
    case callback::call:
      return term{atoms::gen_call, caller->to_term(), arg};
    case callback::cast:
      return term{atoms::gen_cast, arg};
    case callback::info:
    case callback::continue_:
      break;
    }
    return arg;
  }

  void on_message(term msg) {
    const message_kind kind = classify(msg, ctx_.parent());
    if (kind != message_kind::system) { // sys neither counts nor traces them
      ++ctx_.messages_in;
      if (ctx_.trace)
        trace_in(ctx_, msg);
    }
    switch (kind) {
    case message_kind::call:
      on_call(*from::from_term(msg[1]), msg[2]);
      return;
    case message_kind::cast:
      dispatch_other(callback::cast, msg[1]);
      return;
    case message_kind::info:
      dispatch_other(callback::info, std::move(msg));
      return;
    case message_kind::parent_exit:
      stop_server(msg[2], callback::info, msg, std::nullopt, nullptr);
      return;
    case message_kind::system: {
      system_hooks hooks{
          *server_, [](server_base& b, const term& old_vsn, const term& extra) {
            return static_cast<S&>(b).code_change(old_vsn, extra);
          }};
      if (auto stop = handle_system(ctx_, msg, hooks))
        stop_server(std::move(*stop), callback::info, msg, std::nullopt,
                    nullptr);
      return; // the wait before it applies again, restarted (OTP)
    }
    }
  }

  /// handle_call with `request` from `caller`.
  void on_call(from caller, const term& request) {
    if constexpr (async_call) {
      set_body(call_async(std::move(caller), request));
    } else {
      ++ctx_.callbacks;
      // The common results skip the outcome: a call answered with
      // `reply` is taken apart here, and the reply sent outside the
      // guard (a failure to send is the engine's, not the callback's).
      std::optional<term> answer;
      auto o = guarded(true, [&]() -> std::optional<outcome> {
        call_result r = server_->handle_call(request, caller);
        if (auto* rep = r.get_if<reply_result>()) {
          answer.emplace(std::move(rep->reply));
          apply(std::move(rep->next)); // noexcept: as if after the reply
          return std::nullopt;
        }
        return to_outcome(r);
      });
      if (o)
        finish(*o, callback::call, request, &caller);
      else
        send_reply(ctx_, caller, std::move(*answer));
    }
  }

  static constexpr bool is_async(callback which) noexcept {
    return (which == callback::cast && async_cast) ||
           (which == callback::info && async_info) ||
           (which == callback::continue_ && async_continue);
  }

  /// dispatch_other with a term the loop owns: a coroutine callback's
  /// frame takes it over rather than copying it (a copy of a boxed term or
  /// a pid is a locked increment, and its release another).
  void dispatch_other(callback which, term&& arg) {
    if (is_async(which))
      set_body(other_async(which, std::move(arg)));
    else
      dispatch_other(which, static_cast<const term&>(arg));
  }

  /// handle_cast, handle_info or handle_continue with `arg`.
  void dispatch_other(callback which, const term& arg) {
    if (is_async(which)) {
      set_body(other_async(which, arg));
      return;
    }
    ++ctx_.callbacks;
    auto o = guarded(false, [&]() -> std::optional<outcome> {
      cast_result r = invoke_sync(which, arg);
      if (auto* n = r.get_if<noreply_result>()) {
        apply(std::move(n->next)); // the common result: no outcome built
        return std::nullopt;
      }
      return to_outcome(r);
    });
    if (o)
      finish(*o, which, arg, nullptr);
  }

  cast_result invoke_sync(callback which, const term& arg) {
    switch (which) {
    case callback::cast:
      if constexpr (!async_cast)
        return server_->handle_cast(arg);
      break;
    case callback::info:
      if constexpr (!async_info)
        return server_->handle_info(arg);
      break;
    case callback::continue_:
      if constexpr (!async_continue)
        return server_->handle_continue(arg);
      break;
    case callback::call:
      break; // calls go through on_call
    }
    return {};
  }

  task<> call_async(from caller, term request) {
    outcome o;
    std::exception_ptr failure;
    ++ctx_.callbacks;
    try {
      if constexpr (async_call) {
        call_result r = co_await server_->handle_call(request, caller);
        o = to_outcome(r);
      }
    } catch (const std::exception& x) {
      // The usual crash, taken here: thrown_outcome would throw it again.
      if (is_plain_exception(x))
        o = outcome{outcome::kind::stop, {}, std_exception_reason(x), {}};
      else
        failure = std::current_exception();
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure)
      o = thrown_outcome(failure, true);
    finish(o, callback::call, request, &caller);
  }

  task<> other_async(callback which, term arg) {
    outcome o;
    std::exception_ptr failure;
    ++ctx_.callbacks;
    try {
      cast_result r;
      switch (which) {
      case callback::cast:
        if constexpr (async_cast)
          r = co_await server_->handle_cast(arg);
        break;
      case callback::info:
        if constexpr (async_info)
          r = co_await server_->handle_info(arg);
        break;
      case callback::continue_:
        if constexpr (async_continue)
          r = co_await server_->handle_continue(arg);
        break;
      case callback::call:
        break; // calls go through call_async
      }
      o = to_outcome(r);
    } catch (const std::exception& x) {
      // The usual crash, taken here: thrown_outcome would throw it again.
      if (is_plain_exception(x))
        o = outcome{outcome::kind::stop, {}, std_exception_reason(x), {}};
      else
        failure = std::current_exception();
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure)
      o = thrown_outcome(failure, false);
    finish(o, which, arg, nullptr);
  }

  /// Acts on a callback's outcome: reply, then the next action; or
  /// terminate, reply (for `stop(reason, reply)`) and exit. `which`, `arg`
  /// and `caller` say what the callback was called with.
  void finish(outcome& o, callback which, const term& arg, const from* caller) {
    if (o.what == outcome::kind::stop) {
      stop_server(std::move(o.reason), which, arg, std::move(o.reply), caller);
      return;
    }
    if (o.reply && caller)
      send_reply(ctx_, *caller, std::move(*o.reply));
    apply(std::move(o.next));
  }

  void apply(next_action&& next) noexcept {
    hibernate_on_timeout_ = false;
    switch (next.what()) {
    case next_action::kind::none:
      wait_ms_ = -1;
      if (ctx_.hibernate_after) {
        wait_ms_ = ctx_.hibernate_after->count();
        hibernate_on_timeout_ = true;
      }
      return;
    case next_action::kind::timeout:
      wait_ms_ = next.timeout() == infinity ? -1 : next.timeout().count();
      return;
    case next_action::kind::hibernation:
      wait_ms_ = -1;
      process_base::compact();
      return;
    case next_action::kind::continue_:
      wait_ms_ = -1;
      pending_continue_ = next.continue_value();
      return;
    }
  }

  /// OTP's gen_server:terminate/8: runs terminate, reports a crash, sends
  /// the reply of `stop(reason, reply)`, and exits (terminate's own failure
  /// replaces the reason). A coroutine terminate runs as the body next.
  /// `which`, `arg` and `caller` say what the last message was: the crash
  /// report builds it only if it is written.
  void stop_server(term reason, callback which, const term& arg,
                   std::optional<term> reply, const from* caller) {
    pending_stop p{std::move(reason), which, arg, std::move(reply),
                   caller ? std::optional<from>{*caller} : std::nullopt};
    if constexpr (async_terminate) {
      pending_stop_ = std::make_unique<pending_stop>(std::move(p));
    } else {
      std::exception_ptr failure;
      try {
        server_->terminate(p.reason);
      } catch (...) {
        failure = std::current_exception();
      }
      finish_stop(p, failure);
    }
  }

  struct pending_stop {
    term reason;
    callback which;
    term arg;
    std::optional<term> reply;
    std::optional<from> caller;
  };

  task<> stop_async() {
    pending_stop p = std::move(*pending_stop_);
    pending_stop_.reset();
    std::exception_ptr failure;
    try {
      if constexpr (async_terminate)
        co_await server_->terminate(p.reason);
    } catch (...) {
      failure = std::current_exception();
    }
    finish_stop(p, failure);
  }

  void finish_stop(pending_stop& p, std::exception_ptr failure) {
    term final_reason = std::move(p.reason);
    if (failure)
      final_reason = exception_reason_of(failure);
    // The state is formatted only for a report the level lets through.
    if ((failure || !is_quiet_exit(final_reason)) &&
        logger::enabled(log_level::error))
      report_terminating(
          ctx_, last_message(p.which, p.arg, p.caller ? &*p.caller : nullptr),
          status(), final_reason);
    if (p.reply && p.caller)
      send_reply(ctx_, *p.caller, std::move(*p.reply));
    set_exit(std::move(final_reason));
  }

  term status() const noexcept {
    try {
      return server_->format_status();
    } catch (...) {
      return atom{"format_status_crashed"};
    }
  }

  /// Who hears how the start went: the starter, or the parent of a linked
  /// start (see start_info::starter).
  [[nodiscard]] const pid& starter() const noexcept {
    return starter_ ? starter_ : ctx_.parent();
  }

  // -- process plumbing -------------------------------------------------------

  void keep_parent(pid&& parent) noexcept override {
    ctx_.own_parent = std::move(parent);
  }

  void release_user_state() noexcept override {
    base::release_user_state();
    server_.reset();
    // The context holds pids of this very process (its parent when
    // unlinked, its name for reports): they would keep it alive forever.
    ctx_.own_parent = pid{};
    starter_ = pid{};
    pending_continue_.reset();
    pending_stop_.reset();
  }
  [[nodiscard]] std::string initial_call() const override {
    return otp::detail::type_name(typeid(S)) + ":init/1";
  }
  [[nodiscard]] std::size_t user_memory() const noexcept override {
    return sizeof(*this) - sizeof(otp::detail::process_base) +
           base::user_memory();
  }

  process context_;
  pid starter_; ///< until the start is answered; null: ctx_.parent()
  server_context ctx_;
  std::optional<S> server_;
  std::optional<term> pending_continue_;
  std::unique_ptr<pending_stop> pending_stop_; ///< rare: off the object
  std::int64_t wait_ms_ = -1; ///< the receive timeout; -1: none
  bool hibernate_on_timeout_ = false;
  bool timer_armed_ = false; ///< the event loop's wait_ms_ timer
  bool started_ = false;
};

template <class S, class... Args>
otp::detail::process_base* make_server(otp::detail::runtime_core& rt,
                                       start_info&& info, Args&&... args) {
  static_assert(std::is_base_of_v<server<S>, S>,
                "a gen_server derives from otp::gen_server::server<Self>");
  return new server_process<S>(rt, std::move(info),
                               std::forward<Args>(args)...);
}

/// A start up to its ack wait, with no coroutine: the server is spawned
/// (linked or monitored) unless its name is taken. `linked_ack_waits`: the
/// caller waits with linked_ack when the start is simply_linked (see
/// start_info::bare_ack).
template <class S, class... Args>
start_begun begin_start(process& self, link_mode mode, const start_options& opt,
                        bool linked_ack_waits, Args&&... args) {
  const bool linked = mode == link_mode::link;
  start_info info{linked ? pid{} : self.self(),
                  linked,
                  linked_ack_waits && linked && opt.timeout == infinity,
                  opt.name,
                  opt.trace,
                  opt.hibernate_after};
  auto& rt = self.control().runtime();
  // A taken name fails the start before anything is spawned (OTP's gen).
  if (info.name) {
    if (pid holder = info.name->whereis(rt))
      return start_begun{start_result::failed(
          term{atom{"already_started"}, std::move(holder)})};
  }
  // The server object is built here, in the caller; init runs in the new
  // process.
  auto* child =
      make_server<S>(rt, std::move(info), std::forward<Args>(args)...);
  pid id = child->self();
  ref monitor;
  if (mode == link_mode::link)
    self.control().adopt_link(*child, true);
  else
    monitor = self.control().adopt_monitor(*child);
  otp::detail::start_process(rt, child);
  return start_begun{std::move(id), mode, std::move(monitor), opt.timeout};
}

template <class S, class... Args>
task<start_result> start(process& self, link_mode mode, start_options opt,
                         Args&&... args) {
  return finish_start(self, begin_start<S>(self, mode, opt, false,
                                           std::forward<Args>(args)...));
}

template <class S, class... Args>
start_result start_blocking(runtime& rt, start_options opt, Args&&... args) {
  if (opt.name) {
    if (pid holder = opt.name->whereis(rt.core()))
      return start_result::failed(term{atom{"already_started"}, holder});
  }
  scoped_mailbox starter{rt};
  start_info info{starter.self(),      false,     false,
                  std::move(opt.name), opt.trace, opt.hibernate_after};
  auto* child =
      make_server<S>(rt.core(), std::move(info), std::forward<Args>(args)...);
  pid id = child->self();
  otp::detail::start_process(rt.core(), child);
  return await_ack_blocking(starter, id, opt.timeout);
}

} // namespace otp::gen_server::detail
