#pragma once
/// Pluggable name registries: Erlang's `{via, Module, Name}`.
///
/// Local names (`register_name`, `whereis` on a runtime or a process) are
/// atoms in the runtime's own table. A `via` name is any term resolved by a
/// `registry` of the user's choice (a cluster-wide one, a sharded one, a
/// test double). `otp::local_registry` is a ready one for names that are
/// not atoms, e.g. `{session, 42}`.
///
/// | Erlang                                  | otp++ |
/// |-----------------------------------------|------------------------------------|
/// | `Mod:register_name(Name, Pid)`          | `reg.register_name(name, pid)` |
/// | `Mod:unregister_name(Name)`             | `reg.unregister_name(name)` | |
/// `Mod:whereis_name(Name)`                | `reg.whereis_name(name)` | |
/// `Mod:send(Name, Msg)` (badarg if none)  | `self.send(otp::via{reg, name},
/// m)`|

#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/pid.hpp"
#include "otp/term.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

namespace otp {

class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  virtual ~registry() = default;

  /// Registers `p` as `name`; false if the name is taken. Thread-safe.
  [[nodiscard]] virtual bool register_name(const term& name, const pid& p) = 0;
  /// Forgets `name` (no error if unknown). Thread-safe.
  virtual void unregister_name(const term& name) = 0;
  /// The pid registered as `name`, or the null pid. Thread-safe.
  [[nodiscard]] virtual pid whereis_name(const term& name) const = 0;
};

/// A name resolved through a registry: `otp::via{reg, term{"session"_a, 42}}`.
/// (A constructor, not an aggregate: g++ 12 destroys aggregate temporaries
/// built inside a co_await expression twice.)
struct via {
  via(registry& r, term n) : reg(r), name(std::move(n)) {}
  registry& reg;
  term name;
};

/// A thread-safe in-memory registry. A name whose process has ended is
/// free again: whereis_name answers the null pid and register_name
/// accepts it (the registry checks liveness rather than monitoring).
class local_registry final : public registry {
public:
  [[nodiscard]] bool register_name(const term& name, const pid& p) override;
  void unregister_name(const term& name) override;
  [[nodiscard]] pid whereis_name(const term& name) const override;
  /// Live names, in no particular order.
  [[nodiscard]] std::vector<term> names() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<term, pid> names_;
};

} // namespace otp
