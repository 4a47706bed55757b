// otp++'s side of the benchmark comparison (scripts/bench runs it beside the
// Erlang and CAF twins in bench/erlang and bench/caf). Each workload prints
// one line: RESULT otp++ <workload> <value> <unit>.
//
//   otp_bench <workload|all> [N]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <otp/logger.hpp>
#include <otp/otp.hpp>
#include <otp/supervisor.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::term;
using bench_clock = std::chrono::steady_clock;
namespace gs = otp::gen_server;
namespace sv = otp::supervisor;

namespace {

/// OTP_BENCH_WORKERS overrides the worker count (default: one per core).
std::size_t workers_option() {
  const char* v = std::getenv("OTP_BENCH_WORKERS");
  return v ? static_cast<std::size_t>(std::atol(v)) : 0;
}

double elapsed_ns(bench_clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(bench_clock::now() - t0)
      .count();
}

/// The warm-up's size for a run of `n`: N/10, at most 100k (the twins').
long warmup_n(long n) {
  return std::min(100'000L, std::max(1L, n / 10));
}

/// While true, workloads run as a warm-up and report nothing (the twins
/// warm up the same way: a first run of N/10, at most 100k).
bool warming_up = false;

void report(const char* workload, double value, const char* unit) {
  if (warming_up)
    return;
  // Two decimals for small figures (a restart cycle's microseconds), where
  // one would hide a tenth of the figure.
  std::printf(value < 10 ? "RESULT otp++ %s %.2f %s\n"
                         : "RESULT otp++ %s %.1f %s\n",
              workload, value, unit);
  std::fflush(stdout);
}

std::size_t rss_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// A failed check: the reason on stderr, exit status 1. Callable from any
/// thread (no destructors run, so no worker waits for another).
template <class... Args>
[[noreturn]] void fail(const char* format, Args... args) {
  std::fprintf(stderr, format, args...);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::_Exit(1);
}

term wait_for(otp::scoped_mailbox& me) {
  auto m = me.receive(600s);
  if (!m) {
    std::fprintf(stderr, "benchmark timed out\n");
    std::exit(1);
  }
  return *m;
}

// -- spawn_exit
// ------------------------------------------------------------------

otp::task<> exits_at_once(otp::process&) {
  co_return;
}

// Batches of 1,000, as the Erlang and CAF twins spawn them: at most that many
// children (and monitors) are outstanding at once.
constexpr long spawn_batch = 1000;

otp::task<> spawner(otp::process& self, long n, otp::pid report_to) {
  for (long left = n; left > 0;) {
    long batch = std::min(spawn_batch, left);
    for (long i = 0; i < batch; ++i)
      (void)self.spawn_monitor(exits_at_once);
    for (long i = 0; i < batch; ++i)
      (void)co_await self.receive();
    left -= batch;
  }
  self.send(report_to, "done"_a);
}

void spawn_exit(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto t0 = bench_clock::now();
  rt.spawn(spawner, n, me.self());
  wait_for(me);
  report("spawn_exit", elapsed_ns(t0) / static_cast<double>(n), "ns/proc");
}

// -- idle_memory
// -----------------------------------------------------------------

otp::task<> idle(otp::process& self) {
  (void)co_await self.receive();
}

void idle_memory(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto before = rss_bytes();
  for (long i = 0; i < n; ++i)
    rt.spawn(idle);
  auto after = rss_bytes();
  report("idle_memory",
         static_cast<double>(after - before) / static_cast<double>(n),
         "B/proc");
}

// -- ping_pong
// -------------------------------------------------------------------

otp::task<> ponger(otp::process& self) {
  for (;;) {
    auto m = co_await self.receive();
    if (m.is_atom())
      co_return;
    self.send(m.as_pid(), "pong"_a);
  }
}

otp::task<> pinger(otp::process& self, long n, otp::pid report_to) {
  auto peer = self.spawn(ponger);
  auto me = self.self();
  for (long i = 0; i < n; ++i) {
    self.send(peer, me);
    (void)co_await self.receive();
  }
  self.send(peer, "stop"_a);
  self.send(report_to, "done"_a);
}

void ping_pong(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto t0 = bench_clock::now();
  rt.spawn(pinger, n, me.self());
  wait_for(me);
  report("ping_pong", elapsed_ns(t0) / static_cast<double>(n), "ns/op");
}

// -- send_throughput
// --------------------------------------------------------------

otp::task<> counter(otp::process& self) {
  long count = 0;
  for (;;) {
    auto m = co_await self.receive();
    if (m.is_pid()) {
      self.send(m.as_pid(), count);
      co_return;
    }
    ++count;
  }
}

otp::task<> sender(otp::process& self, long n, otp::pid report_to) {
  auto sink = self.spawn(counter);
  for (long i = 0; i < n; ++i)
    self.send(sink, i);
  self.send(sink, self.self());
  auto count = co_await self.receive();
  self.send(report_to, count);
}

void send_throughput(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto t0 = bench_clock::now();
  rt.spawn(sender, n, me.self());
  auto count = wait_for(me);
  if (count.as_int() != n) {
    std::fprintf(stderr, "send_throughput: %lld of %ld\n",
                 static_cast<long long>(count.as_int()), n);
    std::exit(1);
  }
  report("send_throughput", elapsed_ns(t0) / static_cast<double>(n), "ns/msg");
}

// -- skynet
// ----------------------------------------------------------------------

otp::task<> skynet_node(otp::process& self, otp::pid parent, long num,
                        long size) {
  if (size == 1) {
    self.send(parent, num);
    co_return;
  }
  auto child_size = size / 10;
  auto me = self.self();
  for (long i = 0; i < 10; ++i)
    self.spawn(skynet_node, me, num + i * child_size, child_size);
  long sum = 0;
  for (long i = 0; i < 10; ++i)
    sum += (co_await self.receive()).as_int();
  self.send(parent, sum);
}

void skynet(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto t0 = bench_clock::now();
  rt.spawn(skynet_node, me.self(), 0L, n);
  auto sum = wait_for(me).as_int();
  auto ms = elapsed_ns(t0) / 1e6;
  long expected = n * (n - 1) / 2;
  if (sum != expected) {
    std::fprintf(stderr, "skynet: sum %lld, expected %ld\n",
                 static_cast<long long>(sum), expected);
    std::exit(1);
  }
  report("skynet", ms, "ms");
}

// -- timers
// ----------------------------------------------------------------------

otp::task<> sleeper(otp::process& self, long ms, otp::pid parent) {
  (void)co_await self.receive([](const term&) { return false; },
                              std::chrono::milliseconds{ms});
  self.send(parent, "woke"_a);
}

otp::task<> timer_parent(otp::process& self, long n, otp::pid report_to) {
  std::mt19937 rng{42};
  std::uniform_int_distribution<long> delay{0, 10};
  auto me = self.self();
  for (long i = 0; i < n; ++i)
    self.spawn(sleeper, delay(rng), me);
  for (long i = 0; i < n; ++i)
    (void)co_await self.receive();
  self.send(report_to, "done"_a);
}

void timers(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto t0 = bench_clock::now();
  rt.spawn(timer_parent, n, me.self());
  wait_for(me);
  report("timers", elapsed_ns(t0) / 1e6, "ms");
}

// -- the gen_server workloads
// -----------------------------------------------------------------
// call, cast, contention and call_outside warm up in the same runtime and
// on the same server as their timed run, as the Erlang and CAF twins do, and
// time themselves in the client (a driving process, or the main thread).

/// The twins' server: `ping` → `pong`, `count` → the number of `inc` casts
/// so far. Anything else stops it, as a function_clause would in Erlang.
class bench_server : public gs::server<bench_server> {
public:
  explicit bench_server(std::int64_t count) : count_(count) {}

  call_result handle_call(const term& request, const from&) {
    if (request.is_atom("ping"_a))
      return reply("pong"_a);
    if (request.is_atom("count"_a))
      return reply(count_);
    return stop(term{"bad_call"_a, request});
  }
  cast_result handle_cast(const term& msg) {
    if (!msg.is_atom("inc"_a))
      return stop(term{"bad_cast"_a, msg});
    ++count_;
    return noreply();
  }

private:
  std::int64_t count_;
};

otp::task<otp::pid> start_server(otp::process& self) {
  auto started = co_await gs::start_link<bench_server>(self, {}, 0);
  if (!started)
    fail("start_link: %s", to_string(started.to_term()).c_str());
  co_return *started;
}

/// `n` sequential `call(Server, ping)`, each answer checked (`pong = ...`).
otp::task<> call_n(otp::process& self, const otp::pid& server, long n) {
  for (long i = 0; i < n; ++i) {
    auto answer = co_await gs::call(self, server, "ping"_a);
    if (!answer.is_atom("pong"_a))
      fail("call: got %s", to_string(answer).c_str());
  }
}

otp::task<> call_driver(otp::process& self, long n, otp::pid report_to) {
  auto server = co_await start_server(self);
  co_await call_n(self, server, warmup_n(n));
  auto t0 = bench_clock::now();
  co_await call_n(self, server, n);
  auto ns = elapsed_ns(t0);
  co_await gs::stop(self, server);
  self.send(report_to, ns / static_cast<double>(n));
}

void call(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(call_driver, n, me.self());
  report("call", wait_for(me).as_double(), "ns/call");
}

/// `n` casts of `inc` between two calls of `count`; the difference must be
/// `n`.
otp::task<> cast_n(otp::process& self, const otp::pid& server, long n) {
  auto base = (co_await gs::call(self, server, "count"_a)).as_int();
  for (long i = 0; i < n; ++i)
    gs::cast(self, server, "inc"_a);
  auto counted = (co_await gs::call(self, server, "count"_a)).as_int() - base;
  if (counted != n)
    fail("cast: server counted %lld of %ld", static_cast<long long>(counted),
         n);
}

otp::task<> cast_driver(otp::process& self, long n, otp::pid report_to) {
  auto server = co_await start_server(self);
  co_await cast_n(self, server, warmup_n(n));
  auto t0 = bench_clock::now();
  co_await cast_n(self, server, n);
  auto ns = elapsed_ns(t0);
  co_await gs::stop(self, server);
  self.send(report_to, ns / static_cast<double>(n));
}

void cast(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(cast_driver, n, me.self());
  report("cast", wait_for(me).as_double(), "ns/cast");
}

constexpr long contention_clients = 4;

otp::task<> contention_client(otp::process& self, otp::pid server, long n,
                              otp::pid parent) {
  co_await call_n(self, server, n);
  self.send(parent, term{"client_done"_a, self.self()});
}

/// Spawns (and links) the clients, each making `n` calls, and waits for all.
otp::task<> contention_round(otp::process& self, const otp::pid& server,
                             long n) {
  auto me = self.self();
  for (long i = 0; i < contention_clients; ++i)
    self.spawn_link(contention_client, server, n, me);
  auto client_done = [](const term& m) {
    return m.is_tuple(2) && m[0].is_atom("client_done"_a);
  };
  for (long i = 0; i < contention_clients; ++i)
    (void)co_await self.receive(client_done);
}

otp::task<> contention_driver(otp::process& self, long n, otp::pid report_to) {
  auto server = co_await start_server(self);
  co_await contention_round(self, server, warmup_n(n));
  auto t0 = bench_clock::now();
  co_await contention_round(self, server, n);
  auto seconds = elapsed_ns(t0) / 1e9;
  co_await gs::stop(self, server);
  self.send(report_to, static_cast<double>(contention_clients * n) / seconds);
}

void contention(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(contention_driver, n, me.self());
  report("contention", wait_for(me).as_double(), "calls/s");
}

/// Starts `n` servers one after the other with the synchronous, unlinked
/// `gen_server::start` (the pids are not kept), then says `done`.
otp::task<> start_servers(otp::process& self, long n, otp::pid report_to) {
  for (long i = 0; i < n; ++i) {
    auto started = co_await gs::start<bench_server>(self, {}, 0);
    if (!started)
      fail("start: %s", to_string(started.to_term()).c_str());
  }
  self.send(report_to, "done"_a);
}

/// As idle_memory: RSS growth over the servers' start, the runtime and the
/// mailbox already in place. The runtime's shutdown ends them.
void idle_genserver(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  auto before = rss_bytes();
  rt.spawn(start_servers, n, me.self());
  wait_for(me);
  auto after = rss_bytes();
  report("idle_genserver",
         static_cast<double>(after - before) / static_cast<double>(n),
         "B/server");
}

/// `n` sequential calls from a thread outside the runtime: each blocks the
/// thread until the reply comes.
void call_outside_n(otp::scoped_mailbox& me, const otp::pid& server, long n) {
  for (long i = 0; i < n; ++i) {
    auto answer = gs::call(me, server, "ping"_a);
    if (!answer)
      fail("call_outside: %s", to_string(answer.error()).c_str());
    if (!answer->is_atom("pong"_a))
      fail("call_outside: got %s", to_string(*answer).c_str());
  }
}

void call_outside(long n) {
  otp::runtime rt{{.workers = workers_option()}};
  auto started = gs::start<bench_server>(rt, {}, 0);
  if (!started)
    fail("start: %s", to_string(started.to_term()).c_str());
  otp::pid server = *started;
  otp::scoped_mailbox me{rt};
  call_outside_n(me, server, warmup_n(n));
  auto t0 = bench_clock::now();
  call_outside_n(me, server, n);
  auto ns = elapsed_ns(t0);
  if (auto stopped = gs::stop(me, server); !stopped)
    fail("call_outside: stop: %s", to_string(stopped.error()).c_str());
  report("call_outside", ns / static_cast<double>(n), "ns/call");
}

// -- supervisor_restart
// ---------------------------------------------------------
// A one_for_one supervisor with one permanent worker (brutal_kill); each
// cycle crashes the worker with an exception in handle_cast and waits for
// the restarted worker's "started" message, sent from its init. The
// intensity (2N + 10 per hour) never trips. Logging is off, as in the twin.

/// Tells `parent` `{worker_started, Self}` from init; a cast crashes it.
class restart_worker : public gs::server<restart_worker> {
public:
  explicit restart_worker(otp::pid parent) : parent_(std::move(parent)) {}
  init_result init() {
    self().send(parent_, term{"worker_started"_a, self().self()});
    return ok();
  }
  cast_result handle_cast(const term&) { throw std::runtime_error("crash"); }

private:
  otp::pid parent_;
};

bool is_worker_started(const term& m) {
  return m.is_tuple(2) && m[0].is_atom("worker_started"_a);
}

// (Not an aggregate: g++ 12 mishandles aggregate temporaries around
// co_await.)
struct started_supervisor {
  started_supervisor(otp::pid s, otp::pid w)
      : sup(std::move(s)), worker(std::move(w)) {}
  otp::pid sup;
  otp::pid worker;
};

otp::task<started_supervisor> start_restart_supervisor(otp::process& self,
                                                       long cycles) {
  const sv::spec spec{
      sv::flags{sv::one_for_one, static_cast<int>(2 * cycles + 10), 3600s},
      sv::child_spec::worker<restart_worker>("worker"_a, self.self())
          .with_shutdown(sv::brutal_kill)};
  gs::start_result started = co_await sv::start_link(self, {}, spec);
  if (!started)
    fail("supervisor start_link: %s", to_string(started.to_term()).c_str());
  term m = co_await self.receive(is_worker_started);
  co_return started_supervisor{*started, m[1].as_pid()};
}

/// As the twin's: unlink, exit(Sup, shutdown), wait for its DOWN.
otp::task<> stop_supervisor(otp::process& self, otp::pid sup) {
  otp::ref mon = self.monitor(sup);
  self.unlink(sup);
  self.exit(sup, otp::atoms::shutdown);
  auto down = [mon](const term& m) {
    return m.is_tuple(5) && m[0].is_atom(otp::atoms::DOWN) && m[1].is_ref() &&
           m[1].as_ref() == mon;
  };
  (void)co_await self.receive(down);
}

otp::task<otp::pid> restart_cycles(otp::process& self, otp::pid worker,
                                   long n) {
  for (long i = 0; i < n; ++i) {
    gs::cast(self, worker, "crash"_a);
    term m = co_await self.receive(is_worker_started);
    worker = m[1].as_pid();
  }
  co_return worker;
}

/// µs per cycle over `n` cycles of a fresh supervisor, its start and stop
/// not timed.
otp::task<double> timed_restart_cycles(otp::process& self, long n) {
  started_supervisor s = co_await start_restart_supervisor(self, n);
  auto t0 = bench_clock::now();
  (void)co_await restart_cycles(self, s.worker, n);
  const double ns = elapsed_ns(t0);
  co_await stop_supervisor(self, s.sup);
  co_return ns / static_cast<double>(n) / 1000;
}

/// Reports `{First100, All}` in µs per cycle. The first 100 cycles are
/// timed on `head_trials` fresh supervisors, and the median is reported:
/// one 100-cycle window is a fraction of a millisecond, which one pause of
/// the machine can skew (the twin does the same). All N cycles are timed on
/// one more supervisor.
otp::task<> supervisor_restart_driver(otp::process& self, long n,
                                      int head_trials, otp::pid report_to) {
  self.trap_exit(true);
  started_supervisor warm = co_await start_restart_supervisor(self, 10);
  (void)co_await restart_cycles(self, warm.worker, 10);
  co_await stop_supervisor(self, warm.sup);
  std::vector<double> heads;
  for (int t = 0; t < head_trials; ++t)
    heads.push_back(co_await timed_restart_cycles(self, std::min(100L, n)));
  std::sort(heads.begin(), heads.end());
  const double head = heads.empty() ? 0.0 : heads[heads.size() / 2];
  const double all = co_await timed_restart_cycles(self, n);
  self.send(report_to, term{head, all});
}

void supervisor_restart(long n) {
  otp::logger::set_level(otp::log_level::none);
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(supervisor_restart_driver, n, 5, me.self());
  term figures = wait_for(me);
  report("supervisor_restart_first100", figures[0].as_double(), "us/cycle");
  report("supervisor_restart", figures[1].as_double(), "us/cycle");
}

// -- supervisor_restart_logged
// --------------------------------------------------
// supervisor_restart with the default logging: the stderr handler at level
// notice, so every cycle writes the server's crash report and the
// supervisor's child_terminated report in full (synchronously: the writes
// are inside the timing). scripts/bench sends stderr to a file and counts
// the reports, to show none was dropped.

void supervisor_restart_logged(long n) {
  otp::logger::set_level(otp::log_level::notice);
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(supervisor_restart_driver, n, 0, me.self());
  term figures = wait_for(me);
  report("supervisor_restart_logged", figures[1].as_double(), "us/cycle");
}

// -- sofo_start_shutdown
// --------------------------------------------------------
// A simple_one_for_one supervisor starts N children (bench_server
// gen_servers, temporary) with start_child, one after the other, then is
// shut down: its parent unlinks and sends exit(Sup, shutdown), and it stops
// all N at once. The figure is the total time, the supervisor's start
// included.

otp::task<> sofo_cycle(otp::process& self, long n) {
  const sv::spec spec{sv::flags{sv::simple_one_for_one},
                      sv::child_spec::worker<bench_server>("worker"_a, 0)
                          .with_restart(sv::temporary)
                          .with_shutdown(5000ms)};
  gs::start_result started = co_await sv::start_link(self, {}, spec);
  if (!started)
    fail("supervisor start_link: %s", to_string(started.to_term()).c_str());
  const otp::pid sup = *started;
  const term no_args;
  for (long i = 0; i < n; ++i) {
    auto child = co_await sv::start_child(self, sup, no_args);
    if (!child || !child->child)
      fail("start_child: %s",
           to_string(child ? child->to_term() : child.error()).c_str());
  }
  auto counts = co_await sv::count_children(self, sup);
  if (!counts || counts->active != static_cast<std::size_t>(n))
    fail("sofo_start_shutdown: %s children active, want %ld",
         counts ? std::to_string(counts->active).c_str() : "no", n);
  co_await stop_supervisor(self, sup);
}

otp::task<> sofo_driver(otp::process& self, long n, otp::pid report_to) {
  self.trap_exit(true);
  co_await sofo_cycle(self, warmup_n(n));
  auto t0 = bench_clock::now();
  co_await sofo_cycle(self, n);
  self.send(report_to, elapsed_ns(t0) / 1e6);
}

void sofo_start_shutdown(long n) {
  otp::logger::set_level(otp::log_level::none);
  otp::runtime rt{{.workers = workers_option()}};
  otp::scoped_mailbox me{rt};
  rt.spawn(sofo_driver, n, me.self());
  report("sofo_start_shutdown", wait_for(me).as_double(), "ms");
}

} // namespace

int main(int argc, char** argv) {
  /// How main warms a workload up before its run.
  enum class warm_up : std::uint8_t {
    separate_run, // a whole first run of N/10 (at most 100k), not reported
    own,          // the workload warms up itself (the gen_server ones)
    none,         // memory workloads
  };
  struct workload {
    std::function<void(long)> run;
    long default_n;
    warm_up warm;
  };
  const std::map<std::string, workload> workloads{
      {"spawn_exit", {spawn_exit, 1'000'000, warm_up::separate_run}},
      {"idle_memory", {idle_memory, 1'000'000, warm_up::none}},
      {"ping_pong", {ping_pong, 1'000'000, warm_up::separate_run}},
      {"send_throughput", {send_throughput, 1'000'000, warm_up::separate_run}},
      {"skynet", {skynet, 1'000'000, warm_up::separate_run}},
      {"timers", {timers, 100'000, warm_up::separate_run}},
      {"call", {call, 1'000'000, warm_up::own}},
      {"cast", {cast, 1'000'000, warm_up::own}},
      {"contention", {contention, 200'000, warm_up::own}},
      {"idle_genserver", {idle_genserver, 100'000, warm_up::none}},
      {"call_outside", {call_outside, 1'000'000, warm_up::own}},
      {"supervisor_restart", {supervisor_restart, 10'000, warm_up::own}},
      {"supervisor_restart_logged",
       {supervisor_restart_logged, 10'000, warm_up::own}},
      {"sofo_start_shutdown", {sofo_start_shutdown, 100'000, warm_up::own}},
  };
  std::string which = argc > 1 ? argv[1] : "all";
  long n = argc > 2 ? std::atol(argv[2]) : 0;
  bool any = false;
  for (auto& [name, w] : workloads)
    if (which == "all" || which == name) {
      long count = n > 0 ? n : w.default_n;
      if (w.warm == warm_up::separate_run) {
        warming_up = true;
        // skynet's N must stay a power of ten.
        w.run(name == "skynet" ? std::max(10L, count / 10) : warmup_n(count));
        warming_up = false;
      }
      w.run(count);
      any = true;
    }
  if (!any) {
    // (Exit status 3 tells scripts/bench a workload is "not yet" written.)
    std::fprintf(stderr, "unknown workload %s\n", which.c_str());
    return 2;
  }
}
