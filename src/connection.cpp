#include "otp/connection.hpp"

namespace otp::connection::detail {

namespace {

gen_server::call_result bad_return() {
  return gen_server::stop_result{
      gen_server::detail::bad_return(atoms::undefined)};
}

step done(gen_server::call_result r) {
  return {step::kind::done, term{}, std::move(r)};
}

} // namespace

atom backoff_tag() noexcept {
  static const atom tag{"$connection_backoff"};
  return tag;
}

bool timer_message_of::operator()(const term& m) const {
  return m.is_tuple(3) && m[0].is_atom(atoms::timeout) && m[1].is_ref() &&
         m[2].is_atom(backoff_tag()) && m[1].as_ref() == timer;
}

// -- user results to steps ----------------------------------------------------

gen_server::init_result core::after_init(process& self, init_result& r) {
  if (auto* ok = r.get_if<ok_result>())
    return gen_server::ok_result{ok->next.get()};
  if (auto* c = r.get_if<connect_request>()) {
    // Connection acks the starter, then connects before entering the loop;
    // a continue is exactly that: it runs before any message.
    init_connect_ = std::move(c->info);
    return gen_server::ok_result{gen_server::continue_with{atom{"connect"}}};
  }
  if (auto* b = r.get_if<backoff_result>()) {
    start_backoff(self, b->delay);
    return gen_server::ok_result{b->next.get()};
  }
  if (r.get_if<ignore_result>())
    return gen_server::ignore_result{};
  if (auto* st = r.get_if<stop_result>())
    return gen_server::stop_result{std::move(st->reason)};
  return {}; // the engine's bad return value
}

step core::after_call(call_result& r, const from& caller) {
  if (auto* rep = r.get_if<reply_result>())
    return done(
        gen_server::reply_result{std::move(rep->reply), rep->next.get()});
  if (auto* n = r.get_if<noreply_result>())
    return noreply_step(n->next);
  if (auto* c = r.get_if<connect_request>())
    return {step::kind::connect, std::move(c->info), {}};
  if (auto* d = r.get_if<disconnect_request>())
    return {step::kind::disconnect, std::move(d->info), {}};
  if (auto* rc = r.get_if<reply_connect_request>()) {
    gen_server::reply(caller, std::move(rc->reply));
    return {step::kind::connect, std::move(rc->info), {}};
  }
  if (auto* rd = r.get_if<reply_disconnect_request>()) {
    gen_server::reply(caller, std::move(rd->reply));
    return {step::kind::disconnect, std::move(rd->info), {}};
  }
  if (auto* st = r.get_if<stop_result>())
    return done(gen_server::stop_result{std::move(st->reason)});
  if (auto* sr = r.get_if<stop_reply_result>())
    return done(gen_server::stop_reply_result{std::move(sr->reason),
                                              std::move(sr->reply)});
  return done(bad_return());
}

step core::after_cast(cast_result& r) {
  if (auto* n = r.get_if<noreply_result>())
    return noreply_step(n->next);
  if (auto* c = r.get_if<connect_request>())
    return {step::kind::connect, std::move(c->info), {}};
  if (auto* d = r.get_if<disconnect_request>())
    return {step::kind::disconnect, std::move(d->info), {}};
  if (auto* st = r.get_if<stop_result>())
    return done(gen_server::stop_result{std::move(st->reason)});
  return done(bad_return());
}

step core::after_connect(process& self, connect_result& r) {
  if (auto* ok = r.get_if<ok_result>())
    return noreply_step(ok->next);
  if (auto* b = r.get_if<backoff_result>()) {
    start_backoff(self, b->delay);
    return noreply_step(b->next);
  }
  if (auto* st = r.get_if<stop_result>())
    return done(gen_server::stop_result{std::move(st->reason)});
  return done(bad_return());
}

step core::after_disconnect(process& self, disconnect_result& r) {
  if (auto* c = r.get_if<connect_request>())
    return {step::kind::connect, std::move(c->info), {}};
  if (auto* b = r.get_if<backoff_result>()) {
    start_backoff(self, b->delay);
    return noreply_step(b->next);
  }
  if (auto* n = r.get_if<noconnect_result>())
    return noreply_step(n->next);
  if (auto* st = r.get_if<stop_result>())
    return done(gen_server::stop_result{std::move(st->reason)});
  return done(bad_return());
}

step core::noreply_step(const next_action& n) {
  return done(gen_server::noreply_result{n.get()});
}

// -- the backoff timer --------------------------------------------------------

void core::start_backoff(process& self, std::chrono::milliseconds delay) {
  // `infinity`: no timer, as Connection's start_backoff(:infinity).
  if (delay != infinity)
    backoff_ = self.start_timer(delay, self.self(), backoff_tag());
}

void core::cancel_backoff(process& self) {
  if (!backoff_)
    return;
  // Too late to cancel: the timer fired, so its message is queued (or, in
  // the multi-threaded runtime, on its way). Flush it before any message.
  if (!self.cancel_timer(backoff_))
    raced_ = backoff_;
  backoff_ = ref{};
}

timer_message core::classify(const term& msg) {
  if (!msg.is_tuple(3) || !msg[0].is_atom(atoms::timeout) ||
      !msg[2].is_atom(backoff_tag()) || !msg[1].is_ref())
    return timer_message::other;
  if (backoff_ && msg[1].as_ref() == backoff_) {
    backoff_ = ref{};
    return timer_message::current;
  }
  return timer_message::stale;
}

// -- finishing ----------------------------------------------------------------

gen_server::call_result core::finish_call(step&& s) {
  gen_server::call_result& r = s.result;
  gen_server::next_action* next = nullptr;
  if (auto* rep = r.get_if<gen_server::reply_result>())
    next = &rep->next;
  else if (auto* n = r.get_if<gen_server::noreply_result>())
    next = &n->next;
  if (!next)
    return std::move(r); // a stop: the process ends, nothing to flush
  last_ = *next;
  if (raced_)
    *next = gen_server::continue_with{atom{"flush"}};
  return std::move(r);
}

gen_server::cast_result core::finish_cast(step&& s) {
  gen_server::call_result r = finish_call(std::move(s));
  if (auto* n = r.get_if<gen_server::noreply_result>())
    return std::move(*n);
  if (auto* st = r.get_if<gen_server::stop_result>())
    return std::move(*st);
  // A cast's pipeline never replies.
  return gen_server::stop_result{
      gen_server::detail::bad_return(atoms::undefined)};
}

} // namespace otp::connection::detail
