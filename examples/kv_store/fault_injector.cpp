#include "fault_injector.hpp"

#include "names.hpp"

#include <algorithm>
#include <otp/gen_server.hpp>
#include <otp/match.hpp>
#include <otp/scoped_mailbox.hpp>
#include <random>
#include <vector>

namespace kv {

using namespace otp::literals;
using otp::term;

namespace fault_injector_detail {

enum class fault_kind { kill, exception };

/// Picks the faults: a fixed first round of one of each, then random.
class fault_plan {
public:
  explicit fault_plan(const fault_options& o)
      : rng_(o.seed), owner_share_(o.owner_per_second /
                                   (o.owner_per_second + o.workers_per_second)),
        gap_(o.owner_per_second + o.workers_per_second) {}

  /// Milliseconds to the next fault (at least 1).
  std::chrono::milliseconds next_delay() {
    const double seconds = gap_(rng_);
    return std::chrono::milliseconds{
        std::max<std::int64_t>(1, static_cast<std::int64_t>(seconds * 1000))};
  }
  /// Whether the next fault hits the owner, and how.
  std::pair<bool, fault_kind> next_fault() {
    if (first_round_ < 4) {
      const int i = first_round_++;
      return {i % 2 == 0, i < 2 ? fault_kind::kill : fault_kind::exception};
    }
    const bool owner = std::bernoulli_distribution{owner_share_}(rng_);
    const bool kill = std::bernoulli_distribution{0.5}(rng_);
    return {owner, kill ? fault_kind::kill : fault_kind::exception};
  }
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>{0, n - 1}(rng_);
  }

private:
  std::mt19937_64 rng_;
  double owner_share_;
  std::exponential_distribution<double> gap_;
  int first_round_ = 0;
};

term counts_term(const fault_counts& c) {
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  return term::tuple("fault_counts"_a, n(c.owner_kills), n(c.owner_exceptions),
                     n(c.worker_kills), n(c.worker_exceptions), n(c.missed));
}

} // namespace fault_injector_detail

otp::task<> fault_injector(otp::process& self, fault_options options) {
  using namespace otp::patterns;
  using fault_injector_detail::fault_kind;
  fault_injector_detail::fault_plan plan{options};
  std::vector<otp::atom> workers;
  for (std::size_t i = 0; i < options.workers; ++i)
    workers.push_back(names::worker(i));
  fault_counts counts;
  const auto stop_request = tuple("stop"_a, _pid);
  for (;;) {
    // The wait is the injector's clock; a stop request ends it early.
    if (auto stop = co_await self.receive(stop_request, plan.next_delay())) {
      self.send((*stop)[1].as_pid(),
                fault_injector_detail::counts_term(counts));
      co_return;
    }
    const auto [at_owner, kind] = plan.next_fault();
    const otp::atom name = at_owner || workers.empty()
                               ? names::table_owner()
                               : workers[plan.pick(workers.size())];
    const otp::pid target = self.whereis(name);
    if (!target) {
      ++counts.missed;
      continue;
    }
    if (kind == fault_kind::kill)
      self.exit(target, otp::atoms::kill);
    else
      otp::gen_server::cast(self, target, "inject_crash"_a);
    std::uint64_t& n =
        at_owner ? (kind == fault_kind::kill ? counts.owner_kills
                                             : counts.owner_exceptions)
                 : (kind == fault_kind::kill ? counts.worker_kills
                                             : counts.worker_exceptions);
    ++n;
  }
}

std::optional<fault_counts>
stop_fault_injector(otp::scoped_mailbox& me, const otp::pid& injector,
                    std::chrono::milliseconds timeout) {
  using namespace otp::patterns;
  me.send(injector, term{"stop"_a, me.self()});
  auto answer = me.receive(
      tuple("fault_counts"_a, _int, _int, _int, _int, _int), timeout);
  if (!answer)
    return std::nullopt;
  auto n = [&](std::size_t i) {
    return static_cast<std::uint64_t>((*answer)[i].as_int());
  };
  return fault_counts{n(1), n(2), n(3), n(4), n(5)};
}

} // namespace kv
