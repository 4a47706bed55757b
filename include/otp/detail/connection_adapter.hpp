#pragma once
/// The gen_server that runs a connection: Elixir's Connection module, which
/// is a GenServer callback module wrapping the user's. `adapter<S>` derives
/// from the user's class `S` (so `self()`, `state()` and the members are
/// the server's own) and hides its callbacks with gen_server ones that call
/// `S`'s and act on their results. The non-template half (the result
/// translation and the backoff timer) is `core`, in src/connection.cpp.
///
/// One callback's pipeline: the user's callback, then as many `connect` /
/// `disconnect` as its results ask for (disconnect may answer
/// `then_connect`), then the gen_server result. The pipeline is a direct
/// call when every callback it may run is synchronous, a coroutine
/// otherwise.
///
/// Flushing a raced backoff timer needs a receive, which only a coroutine
/// can do: when a cancel comes too late, the pipeline ends in a gen_server
/// `{continue, ...}` whose handler (a coroutine) takes the timer message
/// out with `receive ... after 0` and then applies the result's own next
/// action. A continue runs before any other message, as Connection's
/// flush does. In the multi-threaded runtime the message may still be in
/// flight then; `handle_info` drops any late one (it carries a private tag
/// and a ref that is no longer the pending timer's).

#include "otp/connection.hpp"
#include "otp/gen_server.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

namespace otp::connection::detail {

using gen_server::detail::is_task;

/// The tag of backoff timer messages: `{timeout, Ref, Tag}`.
[[nodiscard]] atom backoff_tag() noexcept;

/// Where a pipeline is after a user callback.
struct step {
  enum class kind : std::uint8_t { done, connect, disconnect };
  kind what = kind::done;
  term info;                      ///< connect/disconnect: the info
  gen_server::call_result result; ///< done: what the gen_server does
};

/// A message to handle_info, as the backoff timer sees it.
enum class timer_message : std::uint8_t { other, current, stale };

/// The state Connection adds to the user's: the backoff timer, and what a
/// continue is for. Owner process only.
class core {
public:
  // -- user results to steps --------------------------------------------------

  /// `init`'s result as gen_server's; `then_connect` becomes a continue.
  gen_server::init_result after_init(process& self, init_result& r);
  /// A call's result; `reply_then_*` replies to `caller` here.
  step after_call(call_result& r, const from& caller);
  /// A cast's or info's result.
  step after_cast(cast_result& r);
  step after_connect(process& self, connect_result& r);
  step after_disconnect(process& self, disconnect_result& r);

  // -- the backoff timer ------------------------------------------------------

  /// Before connect or disconnect runs: cancels a pending backoff timer
  /// (and notes one whose message is already on its way, to flush it).
  void cancel_backoff(process& self);
  /// Whether `msg` is a backoff timer message; a current one is consumed
  /// (no timer is pending afterwards).
  timer_message classify(const term& msg);
  /// The result that drops a stale timer message without effect.
  gen_server::cast_result drop_stale() const { return noreply(last_); }

  // -- finishing --------------------------------------------------------------

  /// The gen_server result of a finished pipeline: a continue first when a
  /// raced timer message must be flushed.
  gen_server::call_result finish_call(step&& s);
  gen_server::cast_result finish_cast(step&& s);

  // -- continues --------------------------------------------------------------

  /// The info of init's `then_connect`, once (nullopt afterwards).
  std::optional<term> take_init_connect() {
    return std::exchange(init_connect_, std::nullopt);
  }
  /// The raced timer to flush (null if none), once.
  ref take_raced() noexcept { return std::exchange(raced_, ref{}); }
  /// The next action to apply once the flush is done.
  gen_server::continue_result after_flush() { return noreply(last_); }

private:
  static gen_server::noreply_result noreply(gen_server::next_action n) {
    return {std::move(n)};
  }
  void start_backoff(process& self, std::chrono::milliseconds delay);
  step noreply_step(const next_action& n);

  ref backoff_; ///< the pending backoff timer; null when none
  ref raced_;   ///< a cancelled timer whose message is to be flushed
  std::optional<term> init_connect_;
  gen_server::next_action last_; ///< the last next action handed on
};

/// A pattern matching the message of backoff timer `timer`.
struct timer_message_of {
  ref timer;
  bool operator()(const term& m) const;
};

template <class S>
struct traits {
  static constexpr bool init_async =
      is_task<decltype(std::declval<S&>().init())>;
  static constexpr bool connect_async =
      is_task<decltype(std::declval<S&>().connect(
          std::declval<const term&>()))>;
  static constexpr bool disconnect_async =
      is_task<decltype(std::declval<S&>().disconnect(
          std::declval<const term&>()))>;
  static constexpr bool call_async =
      is_task<decltype(std::declval<S&>().handle_call(
          std::declval<const term&>(), std::declval<const from&>()))>;
  static constexpr bool cast_async =
      is_task<decltype(std::declval<S&>().handle_cast(
          std::declval<const term&>()))>;
  static constexpr bool info_async =
      is_task<decltype(std::declval<S&>().handle_info(
          std::declval<const term&>()))>;
  /// Whether a pipeline that may run connect/disconnect must be a coroutine.
  static constexpr bool link_async = connect_async || disconnect_async;
};

template <class S>
class adapter final : public S {
  static_assert(std::is_base_of_v<behaviour<S>, S>,
                "a connection derives from otp::connection::behaviour<Self>");
  using t = traits<S>;

public:
  using S::S;

  auto init() {
    if constexpr (t::init_async) {
      return init_async();
    } else {
      init_result r = S::init();
      return core_.after_init(this->self(), r);
    }
  }

  auto handle_call(const term& request, const from& caller) {
    if constexpr (t::call_async || t::link_async) {
      return call_async(request, caller);
    } else {
      call_result r = S::handle_call(request, caller);
      return core_.finish_call(run(core_.after_call(r, caller)));
    }
  }

  auto handle_cast(const term& msg) {
    if constexpr (t::cast_async || t::link_async) {
      return cast_async(msg);
    } else {
      cast_result r = S::handle_cast(msg);
      return core_.finish_cast(run(core_.after_cast(r)));
    }
  }

  auto handle_info(const term& msg) {
    if constexpr (t::info_async || t::link_async) {
      return info_async(msg);
    } else {
      switch (core_.classify(msg)) {
      case timer_message::stale:
        return core_.drop_stale();
      case timer_message::current:
        return core_.finish_cast(run(connect_step(atom{"backoff"})));
      case timer_message::other:
        break;
      }
      info_result r = S::handle_info(msg);
      return core_.finish_cast(run(core_.after_cast(r)));
    }
  }

  /// Only the adapter asks for continues: init's connect, and flushes.
  task<gen_server::continue_result> handle_continue(const term&) {
    if (auto info = core_.take_init_connect()) {
      step s = connect_step(std::move(*info));
      if constexpr (t::link_async)
        s = co_await run_async(std::move(s));
      else
        s = run(std::move(s));
      co_return core_.finish_cast(std::move(s));
    }
    if (ref raced = core_.take_raced())
      (void)co_await this->self().receive(timer_message_of{raced},
                                          std::chrono::milliseconds{0});
    co_return core_.after_flush();
  }

private:
  static step connect_step(term info) {
    return {step::kind::connect, std::move(info), {}};
  }

  /// Runs connect/disconnect until the pipeline is done (synchronous ones).
  step run(step s) {
    while (s.what != step::kind::done) {
      core_.cancel_backoff(this->self());
      if (s.what == step::kind::connect) {
        connect_result r = S::connect(s.info);
        s = core_.after_connect(this->self(), r);
      } else {
        disconnect_result r = S::disconnect(s.info);
        s = core_.after_disconnect(this->self(), r);
      }
    }
    return s;
  }

  task<step> run_async(step s) {
    while (s.what != step::kind::done) {
      core_.cancel_backoff(this->self());
      if (s.what == step::kind::connect) {
        connect_result r;
        if constexpr (t::connect_async)
          r = co_await S::connect(s.info);
        else
          r = S::connect(s.info);
        s = core_.after_connect(this->self(), r);
      } else {
        disconnect_result r;
        if constexpr (t::disconnect_async)
          r = co_await S::disconnect(s.info);
        else
          r = S::disconnect(s.info);
        s = core_.after_disconnect(this->self(), r);
      }
    }
    co_return s;
  }

  task<gen_server::init_result> init_async() {
    init_result r = co_await S::init();
    co_return core_.after_init(this->self(), r);
  }

  task<gen_server::call_result> call_async(const term& request,
                                           const from& caller) {
    call_result r;
    if constexpr (t::call_async)
      r = co_await S::handle_call(request, caller);
    else
      r = S::handle_call(request, caller);
    step s = core_.after_call(r, caller);
    if constexpr (t::link_async)
      s = co_await run_async(std::move(s));
    else
      s = run(std::move(s));
    co_return core_.finish_call(std::move(s));
  }

  task<gen_server::cast_result> cast_async(const term& msg) {
    cast_result r;
    if constexpr (t::cast_async)
      r = co_await S::handle_cast(msg);
    else
      r = S::handle_cast(msg);
    co_return co_await finish_async(core_.after_cast(r));
  }

  task<gen_server::info_result> info_async(const term& msg) {
    switch (core_.classify(msg)) {
    case timer_message::stale:
      co_return core_.drop_stale();
    case timer_message::current:
      co_return co_await finish_async(connect_step(atom{"backoff"}));
    case timer_message::other:
      break;
    }
    info_result r;
    if constexpr (t::info_async)
      r = co_await S::handle_info(msg);
    else
      r = S::handle_info(msg);
    co_return co_await finish_async(core_.after_cast(r));
  }

  task<gen_server::cast_result> finish_async(step s) {
    if constexpr (t::link_async)
      s = co_await run_async(std::move(s));
    else
      s = run(std::move(s));
    co_return core_.finish_cast(std::move(s));
  }

  core core_;
};

} // namespace otp::connection::detail
