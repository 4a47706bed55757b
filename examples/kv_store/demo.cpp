#include "demo.hpp"

#include "service.hpp"

#include <fmt/format.h>
#include <otp/runtime.hpp>
#include <otp/scoped_mailbox.hpp>
#include <thread>

namespace kv {

demo_report run_demo(otp::runtime& rt, const demo_options& options,
                     const supervision_log& log) {
  using clock = std::chrono::steady_clock;
  demo_report report;
  config cfg;
  cfg.workers = options.workers;
  auto svc = start_service(rt, cfg);
  if (!svc) {
    report.error = fmt::format("the service did not start: {}", svc.error());
    return report;
  }
  report.port = svc->port;
  otp::scoped_mailbox me{rt};
  const otp::pid injector =
      rt.spawn(fault_injector, fault_options{options.owner_faults_per_second,
                                             options.worker_faults_per_second,
                                             options.workers, options.seed});
  const auto t0 = clock::now();
  {
    load_generator load{load_options{
        .port = svc->port, .clients = options.clients, .seed = options.seed}};
    // The load's length is the workload, not a synchronisation: the
    // results are read after everything has been stopped and joined.
    std::this_thread::sleep_for(options.duration);
    if (options.wait_for_restarts.count() > 0)
      (void)log.wait_until(
          [](const supervision_counts& c) {
            return c.owner_restarts > 0 && c.worker_restarts > 0;
          },
          options.wait_for_restarts);
    // Faults first: the clients' last requests then get through.
    if (auto counts =
            stop_fault_injector(me, injector, std::chrono::seconds{10}))
      report.faults = *counts;
    report.load = load.stop();
    report.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    report.verify = load.verify();
  }
  report.restarts = log.counts();
  report.stopped_cleanly = stop_service(rt).has_value();
  return report;
}

} // namespace kv
