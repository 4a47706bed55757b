#include "otp/gen_server.hpp"

#include "exception_reason.hpp"
#include "otp/detail/type_name.hpp"
#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"
#include "runtime_core.hpp"

#include <array>
#include <cxxabi.h>
#include <stdexcept>
#include <typeinfo>

namespace otp::gen_server {

// -- from and reply -----------------------------------------------------------

std::optional<from> from::from_term(const term& t) {
  if (!t.is_tuple(2) || !t[0].is_pid())
    return std::nullopt;
  return from{t[0].as_pid(), t[1]};
}

void reply(const from& to, term value) {
  const term& tag = to.tag;
  // OTP 24+: a tag `[alias | Ref]` is the caller's alias, so a reply that
  // comes after the caller gave up never lands in its mailbox.
  if (tag.is_cons() && tag.head().is_atom(atoms::alias) &&
      tag.tail().is_ref()) {
    otp::detail::send_gen_reply(to.caller, tag, std::move(value));
    return;
  }
  otp::detail::send_message(to.caller, term{tag, std::move(value)});
}

// -- server_base --------------------------------------------------------------

term server_base::state() const {
  return otp::detail::type_atom(typeid(*this));
}

namespace detail {

void bind(server_base& s, process& self, server_context& ctx) noexcept {
  s.self_ = &self;
  s.context_ = &ctx;
}

void log_unhandled_info(const server_base& s, const term& msg) {
  log_warning(
      log_metadata{{"pid", to_string(s.self().self())}, {"domain", "otp"}},
      "** Undefined handle_info in {}\n** Unhandled message: {}",
      otp::detail::type_name(typeid(s)), to_string(msg));
}

} // namespace detail

// -- start_result and response ------------------------------------------------

const pid& start_result::value() const& {
  if (auto* p = std::get_if<0>(&v_))
    return *p;
  throw_failed();
}

pid start_result::value() && {
  if (auto* p = std::get_if<0>(&v_))
    return std::move(*p);
  throw_failed();
}

void start_result::throw_failed() const {
  throw std::logic_error("otp::gen_server::start_result: the start failed: " +
                         to_string(to_term()));
}

term start_result::error() const {
  if (v_.index() == 1)
    return atom{"ignore"};
  if (auto* r = std::get_if<2>(&v_))
    return *r;
  return term{};
}

term start_result::to_term() const {
  if (auto* p = std::get_if<0>(&v_))
    return info ? term{atoms::ok, *p, *info} : term{atoms::ok, *p};
  if (v_.index() == 1)
    return atom{"ignore"};
  return term{atoms::error, std::get<2>(v_)};
}

term response::to_term() const {
  switch (kind_) {
  case kind::reply:
    return term{atoms::reply, value_};
  case kind::error:
    return term{atoms::error, value_};
  case kind::timeout:
    return atoms::timeout;
  case kind::no_reply:
    break;
  }
  return atom{"no_reply"};
}

// -- the engine's non-template half -------------------------------------------

namespace detail {

server_context::server_context(process& s, start_info&& info)
    : self(s), own_parent(info.linked ? pid{} : s.self()),
      name(std::move(info.name)), hibernate_after(info.hibernate_after),
      trace(info.trace), bare_ack(info.bare_ack) {}

term server_context::name_term() const {
  return name ? name->to_term() : term{self.self()};
}

message_kind classify(const term& msg, const pid& parent) noexcept {
  if (!msg.is_tuple())
    return message_kind::info;
  const auto elems = msg.elements();
  if (elems.size() == 3 && elems[0].is_atom()) {
    const bool well_formed_from = elems[1].is_tuple(2) && elems[1][0].is_pid();
    if (elems[0].is_atom(atoms::gen_call) && well_formed_from)
      return message_kind::call;
    if (elems[0].is_atom(atoms::system) && well_formed_from)
      return message_kind::system;
    if (elems[0].is_atom(atoms::EXIT) && elems[1].is_pid() &&
        elems[1].as_pid() == parent)
      return message_kind::parent_exit;
  } else if (elems.size() == 2 && elems[0].is_atom(atoms::gen_cast)) {
    return message_kind::cast;
  }
  return message_kind::info;
}

void ack(process& self, const pid& starter, term result) {
  self.send(starter, term{atoms::ack, self.self(), std::move(result)});
}

void ack_ok(process& self, const pid& starter, bool bare) {
  otp::detail::send_start_ack(starter, self.control(), bare);
}

term current_exception_reason() noexcept {
  return internal::exception_reason(std::current_exception());
}

term exception_reason_of(std::exception_ptr e) noexcept {
  return internal::exception_reason(std::move(e));
}

bool is_quiet_exit(const term& reason) noexcept {
  return reason.is_atom(atoms::normal) || reason.is_atom(atoms::shutdown) ||
         (reason.is_tuple(2) && reason[0].is_atom(atoms::shutdown));
}

void report_terminating(const server_context& ctx, const term& last_message,
                        const term& state, const term& reason) noexcept {
  if (!logger::enabled(log_level::error))
    return; // its arguments would be formatted for nothing
  try {
    log_error(
        log_metadata{{"pid", to_string(ctx.self.self())}, {"domain", "otp"}},
        "** Generic server {} terminating \n"
        "** Last message in was {}\n"
        "** When Server state == {}\n"
        "** Reason for termination ==\n"
        "** {}",
        to_string(ctx.name_term()), to_string(last_message), to_string(state),
        to_string(reason));
  } catch (...) {
    // A report must never take the server's exit down with it.
  }
}

void trace_in(const server_context& ctx, const term& msg) {
  const auto name = to_string(ctx.name_term());
  switch (classify(msg, ctx.parent())) {
  case message_kind::call:
    log_notice("*DBG* {} got call {} from {}", name, to_string(msg[2]),
               to_string(msg[1][0]));
    return;
  case message_kind::cast:
    log_notice("*DBG* {} got cast {}", name, to_string(msg[1]));
    return;
  default:
    log_notice("*DBG* {} got {}", name, to_string(msg));
  }
}

void trace_out(const server_context& ctx, const term& reply, const pid& to) {
  log_notice("*DBG* {} sent {} to {}", to_string(ctx.name_term()),
             to_string(reply), to_string(to));
}

void send_reply(server_context& ctx, const from& to, term value) {
  if (ctx.trace)
    trace_out(ctx, value, to.caller);
  ++ctx.messages_out;
  const term& tag = to.tag;
  if (tag.is_cons() && tag.head().is_atom(atoms::alias) &&
      tag.tail().is_ref()) {
    // The server answers its own caller: it drops the caller's monitor
    // now, and the reply tells the caller, so no demonitor signal follows.
    bool released = ctx.self.control().release_monitor(tag.tail().as_ref());
    otp::detail::send_gen_reply(to.caller, tag, std::move(value), released);
    return;
  }
  gen_server::reply(to, std::move(value));
}

term bad_return(term value) {
  return term{atoms::bad_return_value, std::move(value)};
}

outcome to_outcome(call_result& r) {
  if (auto* rep = r.get_if<reply_result>())
    return {
        outcome::kind::next, std::move(rep->next), {}, std::move(rep->reply)};
  if (auto* n = r.get_if<noreply_result>())
    return {outcome::kind::next, std::move(n->next), {}, {}};
  if (auto* st = r.get_if<stop_result>())
    return {outcome::kind::stop, {}, std::move(st->reason), {}};
  if (auto* sr = r.get_if<stop_reply_result>())
    return {
        outcome::kind::stop, {}, std::move(sr->reason), std::move(sr->reply)};
  return {outcome::kind::stop, {}, bad_return(atoms::undefined), {}};
}

outcome to_outcome(cast_result& r) {
  if (auto* n = r.get_if<noreply_result>())
    return {outcome::kind::next, std::move(n->next), {}, {}};
  if (auto* st = r.get_if<stop_result>())
    return {outcome::kind::stop, {}, std::move(st->reason), {}};
  return {outcome::kind::stop, {}, bad_return(atoms::undefined), {}};
}

bool is_plain_exception(const std::exception& x) noexcept {
  // The types seen to be plain, per thread: a crash names the same few
  // types again and again. Only plain types are kept; the others are rare
  // and take the slow path each time.
  thread_local std::array<const std::type_info*, 8> plain{};
  thread_local std::size_t next = 0;
  const std::type_info* t = &typeid(x);
  for (const std::type_info* p : plain) {
    if (p == t)
      return true;
  }
  // A catch clause and a cross dynamic_cast both need a public unambiguous
  // base: the casts say which of the earlier clauses would have taken it.
  if (dynamic_cast<const noreply_result*>(&x) ||
      dynamic_cast<const stop_result*>(&x) ||
      dynamic_cast<const reply_result*>(&x) ||
      dynamic_cast<const stop_reply_result*>(&x) ||
      dynamic_cast<const exit_exception*>(&x))
    return false;
  plain[next] = t;
  next = (next + 1) % plain.size();
  return true;
}

term std_exception_reason(const std::exception& x) noexcept {
  try {
    const std::type_info* t = abi::__cxa_current_exception_type();
    return term{atoms::exception,
                t ? otp::detail::type_atom(*t) : atom{"unknown"},
                std::string_view{x.what()}};
  } catch (...) {
    return atoms::exception; // out of memory building the reason
  }
}

outcome thrown_result(reply_result& r, bool in_call) {
  if (in_call)
    return {outcome::kind::next, std::move(r.next), {}, std::move(r.reply)};
  return {outcome::kind::stop, {}, bad_return(term{atoms::reply, r.reply}), {}};
}

outcome thrown_result(stop_reply_result& r, bool in_call) {
  if (in_call)
    return {outcome::kind::stop, {}, std::move(r.reason), std::move(r.reply)};
  return {outcome::kind::stop,
          {},
          bad_return(term{atoms::stop, r.reason, r.reply}),
          {}};
}

outcome thrown_outcome(std::exception_ptr e, bool in_call) {
  auto stop = [](term reason) {
    return outcome{outcome::kind::stop, {}, std::move(reason), {}};
  };
  try {
    std::rethrow_exception(e);
  } catch (noreply_result& r) {
    return {outcome::kind::next, std::move(r.next), {}, {}};
  } catch (stop_result& r) {
    return stop(std::move(r.reason));
  } catch (reply_result& r) {
    if (in_call)
      return {outcome::kind::next, std::move(r.next), {}, std::move(r.reply)};
    return stop(bad_return(term{atoms::reply, r.reply}));
  } catch (stop_reply_result& r) {
    if (in_call)
      return {outcome::kind::stop, {}, std::move(r.reason), std::move(r.reply)};
    return stop(bad_return(term{atoms::stop, r.reason, r.reply}));
  } catch (...) {
    return stop(current_exception_reason());
  }
}

// -- synchronous start --------------------------------------------------------

// Named namespaces, not anonymous ones: their types live in coroutine frames
// of functions with external linkage (g++ -Wsubobject-linkage in unity
// builds).
namespace start_impl {

start_result from_ack(const term& answer) {
  if (answer.is_tuple(2)) {
    const auto e = answer.elements();
    if (e[0].is_atom(atoms::ok) && e[1].is_pid())
      return start_result::ok(e[1].as_pid());
  }
  if (answer.is_atom(atom{"ignore"}))
    return start_result::ignore();
  if (answer.is_tuple(2) && answer[0].is_atom(atoms::error))
    return start_result::failed(answer[1]);
  return start_result::failed(bad_return(answer));
}

bool is_ack_from(const term& m, const pid& child) {
  if (!m.is_tuple(3))
    return false;
  const auto e = m.elements(); // once: operator[] checks each time
  return e[0].is_atom(atoms::ack) && e[1].is_pid() && e[1].as_pid() == child;
}

bool is_down_for(const term& m, const ref& tag) {
  return m.is_tuple(5) && m[0].is_atom(atoms::DOWN) && m[1] == term{tag};
}

bool is_exit_from(const term& m, const pid& p) {
  return m.is_tuple(3) && m[0].is_atom(atoms::EXIT) && m[1].is_pid() &&
         m[1].as_pid() == p;
}

struct exit_from {
  explicit exit_from(pid who) : p(std::move(who)) {}
  pid p;
  bool operator()(const term& m) const { return is_exit_from(m, p); }
};

struct down_for {
  explicit down_for(ref t) : tag(t) {}
  ref tag;
  bool operator()(const term& m) const { return is_down_for(m, tag); }
};

/// `result` at once.
task<start_result> ready_start(start_result result) {
  co_return result;
}

} // namespace start_impl
using namespace start_impl;

bool start_answer::operator()(const term& m) const {
  return is_ack_from(m, child) ||
         (mode == link_mode::link ? is_exit_from(m, child)
                                  : is_down_for(m, monitor));
}

start_result linked_answer(const term& got, const pid& child) {
  const term& answer = got.elements()[2]; // an ack, or {'EXIT', Child, R}
  // An ack that went well never comes here: linked_ack takes it unboxed.
  return is_ack_from(got, child) ? from_ack(answer)
                                 : start_result::failed(answer);
}

task<start_result> finish_start(process& self, start_begun begun) {
  if (begun.early)
    return ready_start(std::move(*begun.early));
  return await_ack(self, std::move(begun.child), begun.mode, begun.monitor,
                   begun.timeout);
}

task<start_result> await_ack(process& self, pid child, link_mode mode,
                             ref monitor, std::chrono::milliseconds timeout) {
  start_answer answer{child, mode, monitor};
  std::optional<term> got;
  if (timeout == infinity)
    got = co_await self.receive(answer);
  else
    got = co_await self.receive(answer, timeout);

  start_result result = start_result::failed(atoms::timeout);
  bool dead = false; // the child's end is known (its EXIT or DOWN taken)
  if (!got) {
    // proc_lib's kill_flush: the starter gives up and makes sure.
    self.unlink(child);
    self.exit(child, atoms::kill);
    if (mode == link_mode::link)
      (void)co_await self.receive(exit_from{child},
                                  std::chrono::milliseconds{0});
  } else if (is_ack_from(*got, child)) {
    result = from_ack((*got)[2]);
  } else if (mode == link_mode::link) {
    result = start_result::failed((*got)[2]); // {'EXIT', Child, Reason}
    dead = true;
  } else {
    result = start_result::failed((*got)[4]); // its DOWN
    dead = true;
  }
  if (mode == link_mode::none) {
    self.demonitor(monitor, flush);
  } else if (mode == link_mode::monitor) {
    if (result.has_value()) {
      result.monitor = monitor;
    } else if (!dead) {
      // OTP's start_monitor: on failure, wait for the end and take its
      // DOWN, so nothing is left behind and the process is gone.
      (void)co_await self.receive(down_for{monitor});
    }
  }
  co_return result;
}

start_result await_ack_blocking(scoped_mailbox& starter, const pid& child,
                                std::chrono::milliseconds timeout) {
  ref monitor = starter.monitor(child);
  auto answer = [&](const term& m) {
    return is_ack_from(m, child) || is_down_for(m, monitor);
  };
  auto wait =
      timeout == infinity
          ? std::chrono::milliseconds{std::chrono::hours{24 * 365 * 100}}
          : timeout;
  std::optional<term> got = starter.receive(answer, wait);
  start_result result = start_result::failed(atoms::timeout);
  if (!got)
    starter.exit(child, atoms::kill);
  else if (is_ack_from(*got, child))
    result = from_ack((*got)[2]);
  else
    result = start_result::failed((*got)[4]);
  starter.demonitor(monitor, flush);
  return result;
}

} // namespace detail

// -- calls --------------------------------------------------------------------

namespace call_impl {

using std::chrono::milliseconds;

constexpr milliseconds default_timeout{5000};

term timeout_term(milliseconds t) {
  if (t == infinity)
    return atoms::infinity;
  return term{static_cast<std::int64_t>(t.count())};
}

/// `{Reason, {gen_server, call, [Server, Request | Timeout]}}`.
term call_failure(term reason, const server_ref& server, const term& request,
                  milliseconds timeout) {
  term args =
      timeout == default_timeout
          ? term::list({server.to_term(), request})
          : term::list({server.to_term(), request, timeout_term(timeout)});
  return term{std::move(reason), term{atoms::gen_server, atoms::call, args}};
}

/// The reply to the call whose monitor (and alias) is `tag`, or its DOWN.
/// (The tag is kept as a term: a local ref inside a term compares as one
/// word.)
struct call_answer {
  explicit call_answer(const ref& t) : tag(t) {}
  term tag;
  bool operator()(const term& m) const {
    if (m.is_tuple(2)) {
      const term& t = m[0];
      return t.is_cons() && t.tail() == tag && t.head().is_atom(atoms::alias);
    }
    return m.is_tuple(5) && m[1] == tag && m[0].is_atom(atoms::DOWN);
  }
};

struct reply_only {
  explicit reply_only(const ref& t) : answer(t) {}
  call_answer answer;
  bool operator()(const term& m) const { return m.is_tuple(2) && answer(m); }
};

term call_message(atom label, const pid& me, const ref& tag, term request) {
  return term{label, term{me, term::cons(atoms::alias, tag)},
              std::move(request)};
}

/// What a call waits for: the reply, or the DOWN.
struct call_outcome {
  std::optional<term> message; ///< none: timed out
  bool reply = false;          ///< `message` is the bare reply
};

/// A call's selective receive (`call_answer`), which takes the reply the
/// server sent unboxed without building its `{Tag, Reply}` term.
struct call_wait {
  call_wait(process& self, const ref& tag, const term& alias_tag,
            milliseconds timeout)
      : proc(static_cast<otp::detail::coroutine_process_base&>(self.control())),
        answer(tag) {
    request.match = [](const void* p, const term& m) {
      return (*static_cast<const call_answer*>(p))(m);
    };
    request.pred = &answer;
    request.reply_tag = &alias_tag;
    request.timeout_ms = timeout == infinity ? -1 : timeout.count();
  }
  call_wait(const call_wait&) = delete;
  call_wait& operator=(const call_wait&) = delete;

  bool await_ready() { return proc.receive_ready(request); }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    proc.receive_suspend(request, h);
  }
  call_outcome await_resume() {
    return {std::move(request.result), request.reply};
  }

  otp::detail::coroutine_process_base& proc;
  call_answer answer;
  otp::detail::receive_request request;
};

milliseconds far_future() {
  return std::chrono::hours{24 * 365 * 100};
}

} // namespace call_impl
using namespace call_impl;

namespace detail {

task<expected<term, term>> gen_call(process& self, atom label, pid server,
                                    term request, milliseconds timeout) {
  // The caller checked `server` is known and not itself.
  ref tag = ref::make();
  term alias_tag = term::cons(atoms::alias, tag);
  self.control().send_gen_call(server, tag, alias_tag, label,
                               std::move(request));
  call_outcome answer = co_await call_wait{self, tag, alias_tag, timeout};
  std::optional<term>& got = answer.message;
  if (!got) {
    self.demonitor(tag, flush); // also ends the alias: no late reply lands
    // A reply that made it in before the alias went stays valid (OTP).
    if (auto late = co_await self.receive(reply_only{tag}, milliseconds{0}))
      co_return (*late)[1];
    co_return unexpected<term>(atoms::timeout);
  }
  if (answer.reply) {
    self.demonitor(tag, flush);
    co_return std::move(*got);
  }
  if (got->is_tuple(2)) {
    self.demonitor(tag, flush);
    co_return (*got)[1];
  }
  co_return unexpected<term>((*got)[4]); // the server's exit reason
}

expected<term, term> gen_call(scoped_mailbox& me, atom label, const pid& server,
                              term request, milliseconds timeout) {
  ref tag = ref::make();
  term alias_tag = term::cons(atoms::alias, tag);
  otp::detail::mailbox_access::send_gen_call(me, server, tag, alias_tag, label,
                                             std::move(request));
  call_answer answer{tag};
  // Takes the reply unboxed and drops the monitor (flush) as it takes it.
  auto got = otp::detail::mailbox_access::receive_call(
      me,
      [](const void* p, const term& m) {
        return (*static_cast<const call_answer*>(p))(m);
      },
      &answer, timeout == infinity ? far_future() : timeout, {tag, alias_tag});
  if (!got.message) {
    me.demonitor(tag, flush);
    // A reply that made it in before the alias went stays valid (OTP).
    if (auto late = me.receive(reply_only{tag}, milliseconds{0}))
      return (*late)[1];
    return unexpected<term>(atoms::timeout);
  }
  if (got.reply)
    return std::move(*got.message);
  if (got.message->is_tuple(2))
    return (*got.message)[1];
  return unexpected<term>((*got.message)[4]); // the server's exit reason
}

} // namespace detail

namespace detail {

template <bool Exit>
call_awaitable<Exit>::call_awaitable(process& self, server_ref server,
                                     term request, milliseconds timeout)
    : self_(&self), server_(std::move(server)), request_(std::move(request)),
      timeout_(timeout) {
  const pid* direct = server_.direct();
  pid target = direct ? *direct : server_.resolve(self.control().runtime());
  if (!target) {
    early_ = atoms::noproc;
  } else if (target.block() == &self.control()) {
    early_ = atoms::calling_self;
  } else {
    inner_ =
        gen_call(self, atoms::gen_call, std::move(target), request_, timeout_);
    awaiter_.emplace(std::move(inner_).operator co_await());
  }
}

template <bool Exit>
term call_awaitable<Exit>::failure(term why) const {
  return call_failure(std::move(why), server_, request_, timeout_);
}

template class call_awaitable<true>;
template class call_awaitable<false>;

} // namespace detail

expected<term, term> call(scoped_mailbox& me, server_ref server, term request,
                          milliseconds timeout) {
  pid target = server.resolve(me.core());
  if (!target)
    return unexpected<term>(
        call_failure(atoms::noproc, server, request, timeout));
  auto r = detail::gen_call(me, atoms::gen_call, target, request, timeout);
  if (!r)
    return unexpected<term>(
        call_failure(std::move(r.error()), server, request, timeout));
  return std::move(*r);
}

void cast(process& self, const server_ref& server, term msg) {
  if (const pid* to = server.direct()) {
    otp::detail::send_gen_cast(*to, std::move(msg));
  } else if (pid target = server.resolve(self.control().runtime())) {
    otp::detail::send_gen_cast(target, std::move(msg));
  }
}

void cast(process&, const pid& server, term msg) {
  otp::detail::send_gen_cast(server, std::move(msg));
}

void cast(runtime& rt, const server_ref& server, term msg) {
  if (pid target = server.resolve(rt.core()))
    otp::detail::send_gen_cast(target, std::move(msg));
}

// -- stop ---------------------------------------------------------------------

namespace call_impl {

/// The request of `{system, {Self, [alias|Tag]}, {terminate, Reason}}`:
/// the server answers `ok` (to the alias), runs terminate and exits; the
/// DOWN says how.
term terminate_request(term reason) {
  return term{atom{"terminate"}, std::move(reason)};
}

expected<void, term> stop_outcome(const std::optional<term>& down,
                                  const term& reason) {
  if (!down)
    return unexpected<term>(atoms::timeout);
  const term& why = (*down)[4];
  if (why == reason)
    return {};
  return unexpected<term>(why);
}

} // namespace call_impl
using namespace call_impl;

task<void> stop(process& self, server_ref server, term reason,
                milliseconds timeout) {
  pid target = server.resolve(self.control().runtime());
  if (!target)
    self.exit(atoms::noproc);
  ref tag = ref::make();
  self.control().send_gen_call(target, tag, term::cons(atoms::alias, tag),
                               atoms::system, terminate_request(reason));
  std::optional<term> got;
  if (timeout == infinity)
    got = co_await self.receive(detail::down_for{tag});
  else
    got = co_await self.receive(detail::down_for{tag}, timeout);
  if (!got)
    self.demonitor(tag, flush); // ends the alias too
  // The `ok` came before the DOWN: take it out of the mailbox.
  (void)co_await self.receive(reply_only{tag}, milliseconds{0});
  auto r = stop_outcome(got, reason);
  if (!r)
    self.exit(std::move(r.error()));
}

expected<void, term> stop(scoped_mailbox& me, server_ref server, term reason,
                          milliseconds timeout) {
  pid target = server.resolve(me.core());
  if (!target)
    return unexpected<term>(atoms::noproc);
  ref tag = ref::make();
  otp::detail::mailbox_access::send_gen_call(
      me, target, tag, term::cons(atoms::alias, tag), atoms::system,
      terminate_request(reason));
  auto got =
      me.receive([&tag](const term& m) { return detail::is_down_for(m, tag); },
                 timeout == infinity ? far_future() : timeout);
  if (!got)
    me.demonitor(tag, flush);
  (void)me.receive(reply_only{tag}, milliseconds{0});
  return stop_outcome(got, reason);
}

// -- asynchronous requests ----------------------------------------------------

request_id send_request(process& self, const server_ref& server, term request) {
  pid target = server.resolve(self.control().runtime());
  if (!target) {
    // As monitoring an unregistered name does: the DOWN comes at once.
    ref tag = self.make_ref();
    self.send(self.self(), term{atoms::DOWN, tag, atoms::process,
                                server.to_term(), atoms::noproc});
    return {tag, server.to_term()};
  }
  ref tag = self.monitor(target, alias_demonitor);
  self.send(target, call_message(atoms::gen_call, self.self(), tag,
                                 std::move(request)));
  return {tag, server.to_term()};
}

response check_response(process& self, const term& msg, const request_id& id) {
  if (!call_answer{id.tag}(msg))
    return response::none();
  if (msg.is_tuple(2)) {
    self.demonitor(id.tag, flush);
    return response::reply(msg[1]);
  }
  return response::error(term{msg[4], id.server});
}

task<response> wait_response(process& self, request_id id,
                             milliseconds timeout) {
  std::optional<term> got;
  if (timeout == infinity)
    got = co_await self.receive(call_answer{id.tag});
  else
    got = co_await self.receive(call_answer{id.tag}, timeout);
  if (!got)
    co_return response::timed_out();
  co_return check_response(self, *got, id);
}

void forget(process& self, const request_id& id) {
  self.demonitor(id.tag, flush);
}

} // namespace otp::gen_server
