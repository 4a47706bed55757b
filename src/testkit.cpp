#include "otp/testkit.hpp"

#include "deterministic_scheduler.hpp"
#include "runtime_core.hpp"

#include <stdexcept>

namespace otp {
namespace {

std::unique_ptr<detail::runtime_core>
make_core(internal::deterministic_scheduler*& out) {
  auto sched = std::make_unique<internal::deterministic_scheduler>();
  out = sched.get();
  return std::make_unique<detail::runtime_core>(std::move(sched), true);
}

task<> probe_body(process& self, bool trap) {
  self.trap_exit(trap);
  // Never matches: messages stay in the mailbox for the test to read.
  co_await self.receive([](const term&) { return false; });
}

} // namespace

testkit::testkit() : runtime(make_core(sched_)) {
  core().exit_observer = [this](const pid& p, const term& reason) {
    exits_.emplace_back(p, reason);
  };
}

testkit::~testkit() {
  shutdown();
}

bool testkit::run_once() {
  return sched_->run_once();
}

std::size_t testkit::run_until_idle() {
  // A process that never waits (a loop of yields) keeps the run queue busy
  // for ever: fail loudly instead of hanging the test.
  constexpr std::size_t max_turns = 10'000'000;
  std::size_t turns = 0;
  while (sched_->run_once())
    if (++turns == max_turns)
      throw std::runtime_error(
          "otp::testkit::run_until_idle: still runnable after 10M turns "
          "(a process that never waits?); use run_once instead");
  return turns;
}

std::size_t testkit::advance_time(std::chrono::milliseconds by) {
  auto fired = core().timers().advance(by);
  run_until_idle();
  return fired;
}

std::uint64_t testkit::now_ms() const {
  return core().timers().now_ms();
}

std::size_t testkit::runnable() const {
  return sched_->runnable();
}

std::vector<term> testkit::mailbox(const pid& p) const {
  if (!p.is_local())
    return {};
  return static_cast<detail::process_base*>(p.block())->peek_messages();
}

std::optional<term> testkit::exit_reason(const pid& p) const {
  for (auto& [who, reason] : exits_)
    if (who == p)
      return reason;
  return std::nullopt;
}

pid testkit::spawn_probe(bool trap_exit) {
  auto p = spawn(probe_body, trap_exit);
  run_until_idle();
  return p;
}

} // namespace otp
