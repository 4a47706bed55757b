#include "service.hpp"

#include "io_thread.hpp"
#include "listener.hpp"
#include "names.hpp"
#include "table_heir.hpp"
#include "table_owner.hpp"
#include "worker_pool.hpp"

#include <asio.hpp>
#include <memory>
#include <otp/gen_server.hpp>
#include <otp/runtime.hpp>
#include <otp/scoped_mailbox.hpp>
#include <otp/supervisor.hpp>
#include <random>
#include <stdexcept>

namespace kv {

using namespace otp::literals;
namespace sup = otp::supervisor;

std::uint16_t pick_free_port() {
  // From a random point, so programs running side by side (tests) do not
  // all reach for the same port.
  constexpr unsigned first = 20000, span = 12000;
  const unsigned start = std::random_device{}() % span;
  asio::io_context io;
  for (unsigned i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(first + (start + i) % span);
    asio::ip::tcp::acceptor probe{io};
    const asio::ip::tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    asio::error_code ec;
    probe.open(at.protocol(), ec);
    if (!ec)
      probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      probe.bind(at, ec);
    if (!ec)
      return port;
  }
  throw std::runtime_error("kv: no free port in 20000-31999");
}

otp::expected<service, otp::term> start_service(otp::runtime& rt, config cfg) {
  const std::uint16_t port = cfg.port ? cfg.port : pick_free_port();
  // Every child spec that needs it shares the io thread: it lives as long
  // as the supervisor (its specs) or a socket handle does.
  auto io = std::make_shared<io_thread>(rt);
  sup::spec tree{
      sup::flags{sup::rest_for_one}.with_intensity(cfg.max_restarts,
                                                   cfg.restart_period),
      table_heir_spec(),
      table_owner_spec(),
      worker_supervisor_spec(cfg.max_worker_restarts, cfg.restart_period),
      worker_pool_spec(cfg.workers),
      listener_spec(std::move(io), listener_options{port, cfg.workers})};
  auto started =
      sup::start(rt, otp::gen_server::start_options{names::top_supervisor()},
                 std::move(tree));
  if (!started)
    return otp::unexpected<otp::term>(started.error());
  return service{*started, port};
}

otp::expected<void, otp::term> stop_service(otp::scoped_mailbox& me,
                                            const service& s) {
  return otp::gen_server::stop(me, s.supervisor, otp::atoms::shutdown);
}

} // namespace kv
