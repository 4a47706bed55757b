#include "worker.hpp"

#include "names.hpp"
#include "protocol.hpp"
#include "table_owner.hpp"

#include <string>

namespace kv {

using namespace otp::literals;
using otp::term;

namespace worker_detail {

/// The owner's request for a table command.
term owner_request(const protocol::command& c) {
  switch (c.verb) {
  case protocol::verb::put:
    return term{"put"_a, c.key, c.value};
  case protocol::verb::get:
    return term{"get"_a, c.key};
  case protocol::verb::del:
    return term{"del"_a, c.key};
  case protocol::verb::ping:
    break;
  }
  return "ping"_a;
}

/// The reply line for the owner's answer (or for the call's failure).
std::string reply_line(const otp::expected<term, term>& answer) {
  if (!answer)
    return std::string{protocol::unavailable};
  const term& a = *answer;
  if (a == term{"ok"_a})
    return std::string{protocol::ok};
  if (a == term{"not_found"_a})
    return std::string{protocol::not_found};
  if (a.is_tuple(2) && a[0] == term{"value"_a} && a[1].is_binary())
    return protocol::value_reply(a[1].as_binary());
  return std::string{protocol::unavailable};
}

} // namespace worker_detail

worker::worker(const term& extra_args)
    : index_(static_cast<std::size_t>(extra_args.head().as_int())) {}

worker::init_result worker::init() {
  // The name is free by now: a dead process's names are dropped before
  // its links fire, so before the supervisor restarts it.
  if (auto r = self().register_name(names::worker(index_), self().self()); !r)
    return init_error(term{"name_taken"_a, static_cast<std::int64_t>(index_)});
  return ok();
}

otp::task<worker::call_result> worker::handle_call(term request, from) {
  if (!request.is_tuple(2) || request[0] != term{"request"_a} ||
      !request[1].is_binary())
    co_return reply(term{"error"_a, "bad_request"_a});
  auto command = protocol::parse(request[1].as_binary());
  if (!command)
    co_return reply(term{command.error()});
  if (command->verb == protocol::verb::ping)
    co_return reply(term{protocol::pong});
  term to_owner = worker_detail::owner_request(*command);
  auto answer = co_await otp::gen_server::try_call(
      self(), names::table_owner(), std::move(to_owner), otp::infinity);
  ++served_;
  co_return reply(term{worker_detail::reply_line(answer)});
}

worker::cast_result worker::handle_cast(const term& msg) {
  if (msg == term{"inject_crash"_a})
    throw injected_fault{"worker: injected fault"};
  return noreply();
}

term worker::state() const {
  return term{"worker"_a, static_cast<std::int64_t>(index_),
              static_cast<std::int64_t>(served_)};
}

} // namespace kv
