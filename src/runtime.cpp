#include "otp/runtime.hpp"

#include "runtime_core.hpp"

#include <fmt/format.h>

namespace otp {

runtime::runtime() : runtime(runtime_options{}) {}

runtime::runtime(runtime_options options)
    : core_(std::make_unique<detail::runtime_core>(
          internal::make_work_stealing_scheduler(
              options.workers, options.foreign_callers_run_servers),
          false)) {}

runtime::runtime(std::unique_ptr<detail::runtime_core> core)
    : core_(std::move(core)) {}

runtime::~runtime() {
  shutdown();
}

void runtime::send(const pid& to, term msg) {
  detail::send_message(to, std::move(msg));
}

expected<void, error> runtime::send(atom name, term msg) {
  return core_->send_to_name(name, std::move(msg));
}

void runtime::exit(const pid& to, term reason) {
  detail::send_exit(to, pid{}, std::move(reason));
}

expected<void, error> runtime::register_name(atom name, const pid& p) {
  return core_->register_name(name, p);
}

expected<void, error> runtime::unregister(atom name) {
  return core_->unregister(name);
}

pid runtime::whereis(atom name) const {
  return core_->whereis(name);
}

std::vector<atom> runtime::registered() const {
  return core_->registered();
}

bool runtime::is_alive(const pid& p) const noexcept {
  return p.is_local() &&
         static_cast<detail::process_base*>(p.block())->is_alive();
}

std::vector<pid> runtime::processes() const {
  return core_->processes();
}

std::size_t runtime::process_count() const noexcept {
  return core_->live();
}

std::optional<process_info> runtime::info(const pid& p) const {
  if (!p.is_local())
    return std::nullopt;
  process_info out;
  if (!static_cast<detail::process_base*>(p.block())->fill_info(out))
    return std::nullopt;
  return out;
}

std::size_t runtime::pending_timers() const {
  return core_->timers().pending();
}

std::size_t runtime::workers() const noexcept {
  return core_->scheduler().workers();
}

void runtime::shutdown() {
  core_->shutdown();
}

} // namespace otp
