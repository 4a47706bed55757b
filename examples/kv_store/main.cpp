// kv_demo: a key-value store service on otp++, under fire.
//
//   kv_demo [--seconds N] [--clients N] [--workers N] [--seed N] [--verbose]
//       Starts the service on a free port of 127.0.0.1, runs client
//       connections doing PUT/GET/DEL for N seconds (3) while a fault
//       injector kills and crashes the table owner and the request workers,
//       then reads back every acknowledged write. Exits 1 if any was lost.
//       --verbose also prints the supervisors' and servers' crash reports.
//
//   kv_demo --serve [--port P] [--workers N] [-config File] [-kv Key Value]
//       Runs the service alone, as the application `kv` of a node, until
//       SIGINT or SIGTERM; talk to it with `nc 127.0.0.1 P` (see README.md
//       for the protocol). -config reads a sys.config, and -kv Key Value
//       sets one key of its environment (port, workers, max_restarts, ...).
#include "demo.hpp"
#include "service.hpp"
#include "supervision_log.hpp"

#include <charconv>
#include <cstdio>
#include <optional>
#include <otp/runtime.hpp>
#include <string_view>

namespace kv_demo {

struct arguments {
  bool serve = false;
  bool verbose = false;
  std::uint16_t port = 0;
  double seconds = 3;
  std::size_t clients = 8;
  std::size_t workers = 8;
  std::uint64_t seed = 1;
};

template <class T>
bool parse_number(const char* text, T& out) {
  const std::string_view s{text};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

void usage() {
  std::fprintf(stderr,
               "usage: kv_demo [--seconds N] [--clients N] [--workers N] "
               "[--seed N] [--verbose]\n"
               "       kv_demo --serve [--port P] [--workers N] [-config File] "
               "[-kv Key Value]\n");
}

std::optional<arguments> parse(int argc, char** argv) {
  arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg{argv[i]};
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (arg == "--serve") {
      a.serve = true;
      continue;
    }
    if (arg == "--verbose") {
      a.verbose = true;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      // erl's `-config File` and `-App Key Value`: for --serve's configure.
      i += arg == "-config" ? 1 : 2;
      continue;
    }
    if (!value) {
      usage();
      return std::nullopt;
    }
    if (arg == "--seconds")
      ok = parse_number(value, a.seconds) && a.seconds > 0;
    else if (arg == "--port")
      ok = parse_number(value, a.port);
    else if (arg == "--clients")
      ok = parse_number(value, a.clients) && a.clients > 0;
    else if (arg == "--workers")
      ok = parse_number(value, a.workers) && a.workers > 0;
    else if (arg == "--seed")
      ok = parse_number(value, a.seed);
    else
      ok = false;
    if (!ok) {
      usage();
      return std::nullopt;
    }
    ++i;
  }
  return a;
}

/// The service as a node: the `kv` application, permanent, run by
/// otp::application::run_node until SIGINT or SIGTERM (or until the
/// application dies). erl's `-config File` and `-kv Key Value` arguments
/// set its environment; --port and --workers are shorthands.
int serve(const arguments& args, int argc, char** argv) {
  namespace app = otp::application;
  otp::runtime rt;
  if (auto loaded = app::load(rt, kv::application_spec(rt)); !loaded) {
    std::fprintf(stderr, "kv_demo: %s\n", to_string(loaded.error()).c_str());
    return 1;
  }
  if (args.port != 0)
    app::set_env(rt, kv::application_name(), otp::atom{"port"}, args.port);
  app::set_env(rt, kv::application_name(), otp::atom{"workers"}, args.workers);
  if (auto configured = app::configure(rt, argc, argv); !configured) {
    std::fprintf(stderr, "kv_demo: %s\n", configured.error().c_str());
    return 2;
  }
  std::printf("kv_store node: the kv application runs until Ctrl-C "
              "(SIGINT) or SIGTERM\n");
  std::fflush(stdout);
  return app::run_node(rt, {kv::application_name()});
}

using count = unsigned long long;

void print(const kv::demo_report& r, const arguments& args) {
  const auto& l = r.load;
  const auto& f = r.faults;
  const auto& s = r.restarts;
  std::printf("  requests served:     %llu in %.1f s (%.0f/s)\n",
              count{l.requests}, r.seconds,
              r.seconds > 0 ? static_cast<double>(l.requests) / r.seconds : 0);
  std::printf("  crashes injected:    table owner %llu (%llu killed, %llu "
              "exceptions), workers %llu (%llu killed, %llu exceptions)\n",
              count{f.owner()}, count{f.owner_kills}, count{f.owner_exceptions},
              count{f.workers()}, count{f.worker_kills},
              count{f.worker_exceptions});
  std::printf("  restarts reported:   table owner %llu (by kv_sup), workers "
              "%llu (by kv_worker_sup)",
              count{s.owner_restarts}, count{s.worker_restarts});
  if (s.other_restarts || s.start_errors)
    std::printf(", other %llu, failed starts retried %llu",
                count{s.other_restarts}, count{s.start_errors});
  std::printf("; supervisors gave up: %llu\n", count{s.gave_up});
  std::printf("  clients retried:     %llu reconnects, %llu requests after a "
              "dropped connection, %llu after ERROR unavailable\n",
              count{l.reconnects}, count{l.dropped}, count{l.unavailable});
  std::printf("  reads checked:       %llu during the load, stale: %llu\n",
              count{l.reads_checked}, count{l.stale_reads});
  std::printf("  acknowledged writes: %llu, lost: %llu (the last write to each "
              "of %llu keys read back)\n",
              count{l.acked_writes}, count{r.verify.lost},
              count{r.verify.keys_checked});
  for (const auto& e : r.verify.examples)
    std::printf("    lost: %s\n", e.c_str());
  if (!r.verify.complete)
    std::printf("  not every key could be read back\n");
  if (l.gave_up)
    std::printf("  %llu clients gave up on a request\n", count{l.gave_up});
  if (!args.verbose)
    std::printf("  (--verbose prints the supervisor and crash reports)\n");
}

int demo(const arguments& args) {
  otp::runtime rt;
  kv::scoped_supervision_log log{args.verbose};
  kv::demo_options options;
  options.duration =
      std::chrono::milliseconds{static_cast<std::int64_t>(args.seconds * 1000)};
  options.clients = args.clients;
  options.workers = args.workers;
  options.seed = args.seed;
  std::printf("otp++ kv_store demo: %zu clients, %.1f s, %zu request "
              "workers, %zu scheduler threads;\n"
              "a fault injector kills or crashes the table owner (~%.0f/s) "
              "and the workers (~%.0f/s)\n",
              options.clients, args.seconds, options.workers, rt.workers(),
              options.owner_faults_per_second,
              options.worker_faults_per_second);
  std::fflush(stdout);
  const kv::demo_report r = kv::run_demo(rt, options, log.log());
  if (!r.error.empty()) {
    std::fprintf(stderr, "kv_demo: %s\n", r.error.c_str());
    return 1;
  }
  print(r, args);
  const bool ok = r.passed();
  std::printf("%s\n", ok ? "OK: no acknowledged write was lost"
                         : "FAILED: the store lost data or a client gave up");
  return ok ? 0 : 1;
}

} // namespace kv_demo

int main(int argc, char** argv) {
  const auto args = kv_demo::parse(argc, argv);
  if (!args)
    return 2;
  return args->serve ? kv_demo::serve(*args, argc, argv) : kv_demo::demo(*args);
}
