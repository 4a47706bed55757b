#include "otp/sys.hpp"

#include "exception_reason.hpp"
#include "otp/scoped_mailbox.hpp"
#include "runtime_core.hpp"

#include <chrono>
#include <ctime>

namespace otp::gen_server::detail {

namespace {

/// `{{Y, M, D}, {H, Mi, S}}` in local time, as erlang:localtime/0.
term local_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  return term{term{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday},
              term{tm.tm_hour, tm.tm_min, tm.tm_sec}};
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

term unknown(const term& request) {
  return term{atoms::error, term{atom{"unknown_system_msg"}, request}};
}

term status(const server_context& ctx, server_base& server) {
  term sys_state = ctx.suspended ? atoms::suspended : atoms::running;
  term state;
  try {
    state = server.format_status();
  } catch (...) {
    state = atom{"format_status_crashed"};
  }
  auto text = [](std::string_view s) { return term::charlist(s); };
  term misc = term::list(
      {term{atom{"header"},
            text("Status for generic server " + to_string(ctx.name_term()))},
       term{atom{"data"}, term::list({term{text("Status"), sys_state},
                                      term{text("Parent"), ctx.parent()},
                                      term{text("Logged events"), term{}}})},
       term{atom{"data"}, term::list({term{text("State"), state}})}});
  return term{atom{"status"}, ctx.self.self(),
              term{atom{"module"}, atoms::gen_server},
              term::list({term{}, sys_state, ctx.parent(), term{}, misc})};
}

} // namespace

std::optional<term> handle_system(server_context& ctx, const term& msg,
                                  system_hooks hooks) {
  auto caller = from::from_term(msg[1]);
  const term& request = msg[2];
  auto answer = [&](term value) { reply(*caller, std::move(value)); };

  if (request.is_atom()) {
    const atom what = request.as_atom();
    if (what == atom{"get_state"}) {
      try {
        answer(hooks.server.state());
      } catch (...) {
        answer(term{atoms::error, term{atom{"callback_failed"},
                                       internal::exception_reason(
                                           std::current_exception())}});
      }
    } else if (what == atom{"get_status"}) {
      answer(status(ctx, hooks.server));
    } else if (what == atom{"suspend"}) {
      ctx.suspended = true;
      answer(atoms::ok);
    } else if (what == atom{"resume"}) {
      ctx.suspended = false;
      answer(atoms::ok);
    } else {
      answer(unknown(request));
    }
    return std::nullopt;
  }
  if (request.is_tuple(2) && request[0].is_atom()) {
    const atom what = request[0].as_atom();
    const term& arg = request[1];
    if (what == atom{"terminate"}) {
      answer(atoms::ok); // sys answers, then the server terminates
      return arg;
    }
    if (what == atom{"replace_state"}) {
      const auto* fn = arg.try_get<sys::detail::state_function>();
      if (!fn) {
        answer(unknown(request));
        return std::nullopt;
      }
      try {
        answer((*fn)(hooks.server));
      } catch (...) {
        answer(
            term{atoms::error,
                 term{atom{"callback_failed"},
                      term{atoms::gen_server, atom{"system_replace_state"}},
                      internal::exception_reason(std::current_exception())}});
      }
      return std::nullopt;
    }
    if (what == atom{"statistics"}) {
      if (arg.is_atom(atoms::true_)) {
        ctx.statistics = true;
        ctx.stats_start = now_seconds();
        ctx.messages_in = ctx.messages_out = ctx.callbacks = 0;
        answer(atoms::ok);
      } else if (arg.is_atom(atoms::false_)) {
        ctx.statistics = false;
        answer(atoms::ok);
      } else if (arg.is_atom(atom{"get"})) {
        if (!ctx.statistics) {
          answer(term{atoms::ok, atom{"no_statistics"}});
        } else {
          answer(term{
              atoms::ok,
              term::list({term{atom{"start_time"}, local_time(ctx.stats_start)},
                          term{atom{"current_time"}, local_time(now_seconds())},
                          term{atom{"reductions"}, ctx.callbacks},
                          term{atom{"messages_in"}, ctx.messages_in},
                          term{atom{"messages_out"}, ctx.messages_out}})});
        }
      } else {
        answer(unknown(request));
      }
      return std::nullopt;
    }
    if (what == atom{"debug"} && arg.is_tuple(2) &&
        arg[0].is_atom(atom{"trace"})) {
      ctx.trace = arg[1].is_atom(atoms::true_);
      answer(atoms::ok);
      return std::nullopt;
    }
  }
  if (request.is_tuple(4) && request[0].is_atom(atom{"change_code"}) &&
      ctx.suspended) {
    // OTP's sys changes code only in a suspended process.
    try {
      auto r = hooks.code_change(hooks.server, request[2], request[3]);
      answer(r ? term{atoms::ok} : term{atoms::error, r.error()});
    } catch (...) {
      // OTP catches code_change: {error, {'EXIT', Reason}}.
      answer(term{atoms::error,
                  term{atoms::EXIT,
                       internal::exception_reason(std::current_exception())}});
    }
    return std::nullopt;
  }
  answer(unknown(request));
  return std::nullopt;
}

} // namespace otp::gen_server::detail

namespace otp::sys {

namespace {

using std::chrono::milliseconds;

/// `{Reason, {sys, Function, [Server | Args]}}`.
term failure(term reason, atom function, const server_ref& server,
             const term& args) {
  std::vector<term> all{server.to_term()};
  for (const term& a : args.as_list())
    all.push_back(a);
  return term{std::move(reason), term{atom{"sys"}, function, term::list(all)}};
}

/// A `{error, Reason}` answer that OTP's sys turns into `error(Reason)`.
bool failed(const term& answer) {
  return answer.is_tuple(2) && answer[0].is_atom(atoms::error);
}

} // namespace

namespace detail {

task<term> sys_call(process& self, server_ref server, term request,
                    atom function, term args, milliseconds timeout) {
  pid target = server.resolve(self.control().runtime());
  if (!target)
    self.exit(failure(atoms::noproc, function, server, args));
  if (target == self.self())
    self.exit(failure(atoms::calling_self, function, server, args));
  auto r = co_await gen_server::detail::gen_call(self, atoms::system, target,
                                                 std::move(request), timeout);
  if (!r)
    self.exit(failure(std::move(r.error()), function, server, args));
  co_return std::move(*r);
}

task<term> replace_state_call(process& self, server_ref server, term request,
                              milliseconds timeout) {
  term answer = co_await sys_call(self, server, std::move(request),
                                  atom{"replace_state"}, term{}, timeout);
  if (failed(answer))
    self.exit(answer[1]); // OTP: error(Reason) in the caller
  co_return answer;
}

expected<term, term> sys_call(scoped_mailbox& me, const server_ref& server,
                              term request, milliseconds timeout) {
  pid target = server.resolve(me.core());
  if (!target)
    return unexpected<term>(atoms::noproc);
  return gen_server::detail::gen_call(me, atoms::system, target,
                                      std::move(request), timeout);
}

void wrong_server_type(const char* expected_type) {
  throw std::invalid_argument(
      std::string{"sys::replace_state: the server is not a "} + expected_type);
}

} // namespace detail

task<term> get_state(process& self, server_ref server, milliseconds timeout) {
  term answer = co_await detail::sys_call(self, server, atom{"get_state"},
                                          atom{"get_state"}, term{}, timeout);
  if (failed(answer))
    self.exit(answer[1]);
  co_return answer;
}

expected<term, term> get_state(scoped_mailbox& me, const server_ref& server,
                               milliseconds timeout) {
  auto r = detail::sys_call(me, server, atom{"get_state"}, timeout);
  if (r && failed(*r))
    return unexpected<term>((*r)[1]);
  return r;
}

task<term> get_status(process& self, server_ref server, milliseconds timeout) {
  co_return co_await detail::sys_call(self, server, atom{"get_status"},
                                      atom{"get_status"}, term{}, timeout);
}

expected<term, term> get_status(scoped_mailbox& me, const server_ref& server,
                                milliseconds timeout) {
  return detail::sys_call(me, server, atom{"get_status"}, timeout);
}

task<void> suspend(process& self, server_ref server, milliseconds timeout) {
  (void)co_await detail::sys_call(self, server, atom{"suspend"},
                                  atom{"suspend"}, term{}, timeout);
}

task<void> resume(process& self, server_ref server, milliseconds timeout) {
  (void)co_await detail::sys_call(self, server, atom{"resume"}, atom{"resume"},
                                  term{}, timeout);
}

task<term> statistics(process& self, server_ref server, stats what,
                      milliseconds timeout) {
  term flag = what == stats::enable    ? term{atoms::true_}
              : what == stats::disable ? term{atoms::false_}
                                       : term{atom{"get"}};
  // Arguments built before co_await: g++ 12 miscompiles an
  // initializer_list temporary inside a co_await expression.
  term args = term::list({flag});
  co_return co_await detail::sys_call(
      self, server, term{atom{"statistics"}, flag}, atom{"statistics"},
      std::move(args), timeout);
}

task<void> trace(process& self, server_ref server, bool on,
                 milliseconds timeout) {
  term args = term::list({term{on}});
  (void)co_await detail::sys_call(self, server,
                                  term{atom{"debug"}, term{atom{"trace"}, on}},
                                  atom{"trace"}, std::move(args), timeout);
}

task<term> change_code(process& self, server_ref server, term old_vsn,
                       term extra, milliseconds timeout) {
  term args = term::list({atoms::gen_server, old_vsn, extra});
  co_return co_await detail::sys_call(
      self, server,
      term{atom{"change_code"}, atoms::gen_server, std::move(old_vsn),
           std::move(extra)},
      atom{"change_code"}, std::move(args), timeout);
}

task<void> terminate(process& self, server_ref server, term reason,
                     milliseconds timeout) {
  // As OTP's: the server answers ok, then terminates.
  term args = term::list({reason});
  (void)co_await detail::sys_call(self, server,
                                  term{atom{"terminate"}, std::move(reason)},
                                  atom{"terminate"}, std::move(args), timeout);
}

} // namespace otp::sys
