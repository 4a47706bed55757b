// The ring demo: 100k processes pass a token around a ring, then one is
// killed and the link and monitor fallout is shown, with timings.
//
//   build/release/examples/ring_demo [processes] [laps]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <otp/otp.hpp>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::term;
using clock_type = std::chrono::steady_clock;

namespace {

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
      .count();
}

/// A ring member: learns its successor, links to it, then forwards tokens.
/// A token is {token, HopsLeft, ReportTo}; the last hop reports.
otp::task<> ring_node(otp::process& self) {
  auto setup = co_await self.receive();
  otp::pid next = setup[1].as_pid();
  self.link(next);
  self.send(setup[2].as_pid(), "linked"_a);
  for (;;) {
    auto token = co_await self.receive();
    auto hops = token[1].as_int();
    if (hops == 0)
      self.send(token[2].as_pid(), "lap_done"_a);
    else
      self.send(next, term{"token"_a, hops - 1, token[2]});
  }
}

/// Links to one ring member while trapping exits, and reports the 'EXIT'
/// it receives when the ring goes down.
otp::task<> watcher(otp::process& self, otp::pid member, otp::pid report_to) {
  self.trap_exit(true);
  self.link(member);
  self.send(report_to, "watching"_a);
  auto exit_msg = co_await self.receive();
  self.send(report_to, term{"watcher_saw"_a, exit_msg});
  co_await self.receive(); // stays alive: trapping saved it
}

} // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 100'000;
  const long laps = argc > 2 ? std::atol(argv[2]) : 10;
  if (n < 2 || laps < 1) {
    std::fprintf(stderr, "usage: ring_demo [processes >= 2] [laps >= 1]\n");
    return 2;
  }
  otp::runtime rt;
  otp::scoped_mailbox me{rt};
  std::printf("otp++ ring demo: %ld processes, %zu worker threads\n", n,
              rt.workers());

  auto t0 = clock_type::now();
  std::vector<otp::pid> ring;
  ring.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    ring.push_back(rt.spawn(ring_node));
  for (long i = 0; i < n; ++i)
    me.send(
        ring[static_cast<std::size_t>(i)],
        term{"next"_a, ring[static_cast<std::size_t>((i + 1) % n)], me.self()});
  for (long i = 0; i < n; ++i)
    if (!me.receive(30s)) {
      std::fprintf(stderr, "ring setup timed out\n");
      return 1;
    }
  double spawn_ms = ms_since(t0);
  std::printf("  spawned and linked a ring of %ld processes in %.1f ms "
              "(%.0f ns per process)\n",
              n, spawn_ms, spawn_ms * 1e6 / static_cast<double>(n));

  t0 = clock_type::now();
  me.send(ring[0], term{"token"_a, n * laps, me.self()});
  if (!me.receive(60s)) {
    std::fprintf(stderr, "token lost\n");
    return 1;
  }
  double lap_ms = ms_since(t0);
  std::printf("  the token went round %ld times (%ld hops) in %.1f ms "
              "(%.0f ns per hop)\n",
              laps, n * laps, lap_ms,
              lap_ms * 1e6 / static_cast<double>(n * laps));

  // The fallout: a trapping watcher linked to one member, and a monitor
  // from main on every member.
  auto victim = ring[static_cast<std::size_t>(n / 2)];
  auto w = rt.spawn(watcher, ring[static_cast<std::size_t>(n / 4)], me.self());
  me.receive(10s);
  for (auto& member : ring)
    (void)me.monitor(member);
  std::printf("  killing %s with exit(Pid, kill)...\n",
              to_string(victim).c_str());
  t0 = clock_type::now();
  me.exit(victim, "kill"_a);
  long downs = 0;
  std::map<std::string, long> reasons;
  while (downs < n) {
    auto m = me.receive(30s);
    if (!m) {
      std::fprintf(stderr, "fallout timed out after %ld DOWNs\n", downs);
      return 1;
    }
    if ((*m)[0] == term{"watcher_saw"_a}) {
      std::printf("  the trapping watcher survived and received %s\n",
                  to_string((*m)[1]).c_str());
      continue;
    }
    if (++downs == 1)
      std::printf("  first DOWN: %s\n", to_string(*m).c_str());
    ++reasons[to_string((*m)[4])];
  }
  std::printf("  link fallout: all %ld ring processes ended in %.1f ms; "
              "DOWN reasons:",
              n, ms_since(t0));
  for (auto& [reason, count] : reasons)
    std::printf(" %s x %ld", reason.c_str(), count);
  std::printf("\n  processes left: %zu (main's mailbox and the watcher)\n",
              rt.process_count());
  me.exit(w, "shutdown"_a);
  return 0;
}
