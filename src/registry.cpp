#include "otp/registry.hpp"

#include "otp/detail/process_base.hpp"

namespace otp {
namespace {

bool alive(const pid& p) {
  // Remote pids are taken on trust: their node would tell us of a death.
  return p && (!p.is_local() ||
               static_cast<detail::process_base*>(p.block())->is_alive());
}

} // namespace

bool local_registry::register_name(const term& name, const pid& p) {
  if (!alive(p))
    return false;
  std::lock_guard lock{mutex_};
  auto [it, inserted] = names_.try_emplace(name, p);
  if (inserted)
    return true;
  if (alive(it->second))
    return false;
  it->second = p; // the previous holder has ended: the name is free
  return true;
}

void local_registry::unregister_name(const term& name) {
  std::lock_guard lock{mutex_};
  names_.erase(name);
}

pid local_registry::whereis_name(const term& name) const {
  std::lock_guard lock{mutex_};
  auto it = names_.find(name);
  if (it == names_.end() || !alive(it->second))
    return pid{};
  return it->second;
}

std::vector<term> local_registry::names() const {
  std::lock_guard lock{mutex_};
  std::vector<term> out;
  for (auto& [name, p] : names_)
    if (alive(p))
      out.push_back(name);
  return out;
}

} // namespace otp
