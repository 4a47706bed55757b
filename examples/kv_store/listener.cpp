#include "listener.hpp"

#include "connection.hpp"
#include "names.hpp"

#include <otp/match.hpp>
#include <vector>

namespace kv {

using namespace otp::literals;
using otp::term;

otp::task<listener::init_result> listener::init() {
  using namespace otp::patterns;
  self().trap_exit(true);
  socket_ = listen_handle{io_, self().self(), options_.port};
  const auto answer_pattern =
      one_of(tuple("kv_listening"_a, socket_.id()),
             tuple("kv_listen_failed"_a, socket_.id(), _));
  auto answer =
      co_await self().receive(answer_pattern, std::chrono::seconds{5});
  if (!answer)
    co_return stop(term{"listen_failed"_a, "timeout"_a});
  if ((*answer)[0] != term{"kv_listening"_a})
    co_return stop(term{"listen_failed"_a, (*answer)[2]});
  co_return ok();
}

listener::call_result listener::handle_call(const term& request, const from&) {
  if (request != term{"connections"_a})
    return reply(term{"error"_a, "bad_request"_a});
  std::vector<term> pids(connections_.begin(), connections_.end());
  return reply(term::list(std::span<const term>{pids}));
}

listener::info_result listener::handle_info(const term& msg) {
  if (msg.is_tuple(3) && msg[0] == term{"kv_accepted"_a} && msg[1].is_ref() &&
      msg[1].as_ref() == socket_.id()) {
    connection_handle conn{io_, msg};
    if (conn)
      connections_.insert(self().spawn_link(serve_connection, std::move(conn),
                                            options_.workers));
    return noreply();
  }
  if (msg.is_tuple(3) && msg[0].is_atom(otp::atoms::EXIT) && msg[1].is_pid()) {
    connections_.erase(msg[1].as_pid()); // a connection ended
    return noreply();
  }
  return noreply();
}

term listener::state() const {
  return term{"listener"_a, static_cast<std::int64_t>(options_.port),
              static_cast<std::int64_t>(connections_.size())};
}

otp::supervisor::child_spec listener_spec(std::shared_ptr<io_thread> io,
                                          listener_options options) {
  return otp::supervisor::child_spec::worker<listener>(
      "listener"_a, otp::gen_server::start_options{names::listener()},
      std::move(io), options);
}

} // namespace kv
