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
#include <otp/logger.hpp>
#include <otp/runtime.hpp>
#include <otp/scoped_mailbox.hpp>
#include <otp/supervisor.hpp>
#include <random>
#include <stdexcept>

namespace kv {

using namespace otp::literals;
namespace app = otp::application;
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

namespace {

/// The tree for `cfg`. Every child spec that needs it shares one io
/// thread: it lives as long as the supervisor (its specs) or a socket
/// handle does.
sup::spec service_tree(otp::runtime& rt, const config& cfg) {
  auto io = std::make_shared<io_thread>(rt);
  return sup::spec{
      sup::flags{sup::rest_for_one}.with_intensity(cfg.max_restarts,
                                                   cfg.restart_period),
      table_heir_spec(),
      table_owner_spec(),
      worker_supervisor_spec(cfg.max_worker_restarts, cfg.restart_period),
      worker_pool_spec(cfg.workers),
      listener_spec(std::move(io), listener_options{cfg.port, cfg.workers})};
}

template <class T>
T env_number(otp::process& self, const char* key, T fallback) {
  const otp::term v = app::get_env(self, application_name(), otp::atom{key},
                                   static_cast<std::int64_t>(fallback));
  return v.is_integer() ? static_cast<T>(v.as_int()) : fallback;
}

config config_from_env(otp::process& self) {
  const config defaults;
  config cfg;
  cfg.port = env_number(self, "port", defaults.port);
  cfg.workers = env_number(self, "workers", defaults.workers);
  cfg.max_restarts = env_number(self, "max_restarts", defaults.max_restarts);
  cfg.max_worker_restarts =
      env_number(self, "max_worker_restarts", defaults.max_worker_restarts);
  cfg.restart_period = std::chrono::seconds{
      env_number(self, "restart_period", defaults.restart_period.count())};
  return cfg;
}

} // namespace

otp::atom application_name() {
  return "kv"_a;
}

app::spec application_spec(otp::runtime& rt) {
  const config defaults;
  app::spec s{application_name()};
  s.with_description("otp++ example key-value store")
      .with_version("1.0")
      .with_registered({names::top_supervisor()})
      .with_env("port"_a, defaults.port)
      .with_env("workers"_a, defaults.workers)
      .with_env("max_restarts"_a, defaults.max_restarts)
      .with_env("max_worker_restarts"_a, defaults.max_worker_restarts)
      .with_env("restart_period"_a, defaults.restart_period.count())
      .with_start([&rt](otp::process& self,
                        otp::term) -> otp::task<otp::gen_server::start_result> {
        config cfg = config_from_env(self);
        if (cfg.port == 0) {
          // Chosen once: a restart of the listener rebinds the same port.
          cfg.port = pick_free_port();
          app::set_env(self, application_name(), "port"_a, cfg.port);
        }
        sup::spec tree = service_tree(rt, cfg);
        otp::gen_server::start_options options{names::top_supervisor()};
        otp::gen_server::start_result started =
            co_await sup::start_link(self, options, std::move(tree));
        if (started)
          otp::log_notice("kv: listening on 127.0.0.1:{}", cfg.port);
        co_return started;
      });
  return s;
}

otp::expected<service, otp::term> start_service(otp::runtime& rt, config cfg) {
  const otp::atom kv = application_name();
  if (auto loaded = app::load(rt, application_spec(rt));
      !loaded && !(loaded.error().is_tuple(2) &&
                   loaded.error()[0] == otp::term{"already_loaded"_a}))
    return otp::unexpected<otp::term>(loaded.error());
  app::set_env(rt, kv, "port"_a, cfg.port);
  app::set_env(rt, kv, "workers"_a, cfg.workers);
  app::set_env(rt, kv, "max_restarts"_a, cfg.max_restarts);
  app::set_env(rt, kv, "max_worker_restarts"_a, cfg.max_worker_restarts);
  app::set_env(rt, kv, "restart_period"_a, cfg.restart_period.count());
  if (auto started = app::start(rt, kv); !started)
    return otp::unexpected<otp::term>(started.error());
  const otp::term port = app::get_env(rt, kv, "port"_a, 0);
  return service{rt.whereis(names::top_supervisor()),
                 static_cast<std::uint16_t>(port.as_int())};
}

otp::expected<void, otp::term> stop_service(otp::runtime& rt) {
  return app::stop(rt, application_name());
}

} // namespace kv
