#include "otp/process.hpp"

#include "otp/detail/spawn.hpp"
#include "otp/local_node.hpp"
#include "runtime_core.hpp"

#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <memory>

namespace otp {

using detail::coroutine_process_base;
using detail::signal;
using detail::signal_kind;

pid process::self() const {
  return p_->self();
}

void process::send(const pid& to, term msg) const {
  detail::send_message(to, std::move(msg));
}

expected<void, error> process::send(atom name, term msg) const {
  return p_->runtime().send_to_name(name, std::move(msg));
}

expected<void, error> process::send(const via& name, term msg) const {
  auto to = name.reg.whereis_name(name.name);
  if (!to)
    return unexpected(
        error{errc::badarg,
              fmt::format("no process is registered as {} in the via registry",
                          to_string(name.name))});
  send(to, std::move(msg));
  return {};
}

bool process::receive_ready(detail::process_base& p,
                            detail::receive_request& r) {
  return static_cast<coroutine_process_base&>(p).receive_ready(r);
}

void process::receive_suspend(detail::process_base& p,
                              detail::receive_request& r,
                              std::coroutine_handle<> h) noexcept {
  static_cast<coroutine_process_base&>(p).receive_suspend(r, h);
}

void process::yield_suspend(detail::process_base& p,
                            std::coroutine_handle<> h) noexcept {
  static_cast<coroutine_process_base&>(p).yield_suspend(h);
}

void process::link(const pid& to) const {
  p_->link(to);
}
void process::unlink(const pid& to) const {
  p_->unlink(to);
}

void process::exit(const pid& to, term reason) const {
  if (to.block() == p_) {
    p_->exit_self(reason);
    return;
  }
  detail::send_exit(to, p_->self(), std::move(reason));
}

void process::exit(term reason) const {
  throw exit_exception{std::move(reason)};
}

bool process::trap_exit(bool on) const {
  bool old = p_->trap_exit();
  p_->set_trap_exit(on);
  return old;
}

bool process::trap_exit() const {
  return p_->trap_exit();
}

ref process::monitor(const pid& target) const {
  return p_->monitor(target, term{target});
}

ref process::monitor(atom name) const {
  term object{name, local_node()};
  return p_->monitor(p_->runtime().whereis(name), object);
}

ref process::monitor(const pid& target, alias_demonitor_t) const {
  return p_->monitor_with_alias(target);
}

ref process::alias() const {
  return p_->make_alias();
}

bool process::unalias(const ref& alias) const {
  return p_->remove_alias(alias);
}

bool process::demonitor(const ref& tag) const {
  return p_->demonitor(tag, false);
}

bool process::demonitor(const ref& tag, flush_t) const {
  return p_->demonitor(tag, true);
}

expected<void, error> process::register_name(atom name, const pid& p) const {
  return p_->runtime().register_name(name, p);
}

expected<void, error> process::unregister(atom name) const {
  return p_->runtime().unregister(name);
}

pid process::whereis(atom name) const {
  return p_->runtime().whereis(name);
}

namespace {
ref start(detail::process_base& owner, std::chrono::milliseconds delay, pid to,
          atom name, bool wrap, term msg) {
  auto tag = ref::make();
  internal::timer_payload p;
  p.target = std::move(to);
  p.name = name;
  p.key = tag.counter();
  p.msg = wrap ? term{atoms::timeout, tag, std::move(msg)} : std::move(msg);
  // A timer aimed at a local pid dies with that process (Erlang's rule). It
  // is tied to it after it starts, so the process's end cancels a timer
  // that exists; if the process has ended already, cancel it here.
  auto* target = p.target.is_local()
                     ? static_cast<detail::process_base*>(p.target.block())
                     : nullptr;
  auto key = p.key;
  auto& timers = owner.runtime().timers();
  timers.start(delay, std::move(p));
  if (target && !target->add_timer(key))
    timers.cancel(key);
  return tag;
}
} // namespace

ref process::send_after(std::chrono::milliseconds delay, const pid& to,
                        term msg) const {
  return start(*p_, delay, to, atom{}, false, std::move(msg));
}

ref process::send_after(std::chrono::milliseconds delay, atom to,
                        term msg) const {
  return start(*p_, delay, pid{}, to, false, std::move(msg));
}

ref process::start_timer(std::chrono::milliseconds delay, const pid& to,
                         term msg) const {
  return start(*p_, delay, to, atom{}, true, std::move(msg));
}

std::optional<std::chrono::milliseconds>
process::cancel_timer(const ref& timer) const {
  return p_->runtime().timers().cancel(timer.counter());
}

namespace detail {

std::uint64_t next_process_number(runtime_core& rt) noexcept {
  return rt.next_number();
}

void start_process(runtime_core& rt, process_base* p) noexcept {
  rt.add(p);
  // Checked after joining the table: shutdown either saw this process in
  // the table or we see its flag here (see runtime_core::shutdown).
  if (rt.shutting_down())
    p->request_shutdown();
  rt.scheduler().spawn(p);
}

} // namespace detail

} // namespace otp
