#pragma once
/// Names a behaviour registers under, and the ways to address a server.
///
/// | Erlang                               | otp++ |
/// |--------------------------------------|-------------------------------------|
/// | `{local, Name}`                      | `server_name{"name"_a}` | |
/// `{global, Name}`                     | `server_name{global_name{term}}`    |
/// | `{via, Mod, Name}`                   | `server_name{via{reg, term}}` | |
/// `Pid`, `Name`, `{global, N}`, `{via, M, N}` as a call's target |
/// `server_ref` (implicit from each) |
///
/// Global names live in the runtime's registry (`global_names(rt)`) until
/// the distribution makes them cluster-wide.

#include "otp/atom.hpp"
#include "otp/pid.hpp"
#include "otp/registry.hpp"
#include "otp/term.hpp"

#include <variant>

namespace otp {

namespace detail {
class runtime_core;
}

/// `{global, Name}`. (A constructor, not an aggregate: see start_options
/// in otp/gen_server.hpp for the g++ 12 bug that makes aggregates unsafe
/// inside co_await expressions.)
struct global_name {
  explicit global_name(term n) : name(std::move(n)) {}
  term name;
};

class runtime;

/// The runtime's registry of global names.
[[nodiscard]] registry& global_names(const runtime& rt);

/// The name a behaviour registers under as it starts.
class server_name {
public:
  server_name(atom local) : name_(local) {}
  server_name(global_name global) : name_(std::move(global)) {}
  server_name(via v) : name_(via_name{&v.reg, std::move(v.name)}) {}

  /// Registers `p`; false if the name is taken.
  [[nodiscard]] bool register_as(detail::runtime_core& rt, const pid& p) const;
  /// Frees the name (if `p` holds it).
  void unregister(detail::runtime_core& rt, const pid& p) const;
  /// Who holds the name now (null if nobody).
  [[nodiscard]] pid whereis(detail::runtime_core& rt) const;
  /// What crash reports and sys print: the atom, `{global, N}`,
  /// `{via, Reg, N}`.
  [[nodiscard]] term to_term() const;

private:
  friend class server_ref;
  struct via_name {
    registry* reg;
    term name;
  };
  std::variant<atom, global_name, via_name> name_;
};

/// What a call, cast or stop is addressed to.
class server_ref {
public:
  server_ref(pid p) : ref_(std::move(p)) {}
  server_ref(atom local) : ref_(local) {}
  server_ref(global_name global) : ref_(std::move(global)) {}
  server_ref(via v) : ref_(server_name::via_name{&v.reg, std::move(v.name)}) {}
  server_ref(const server_name& n);

  /// The process it names now: the null pid if none.
  [[nodiscard]] pid resolve(detail::runtime_core& rt) const;
  /// The pid it holds, if it was made from one (no lookup, no copy).
  [[nodiscard]] const pid* direct() const noexcept {
    return std::get_if<pid>(&ref_);
  }
  /// As Erlang prints it in exit reasons: the pid, the atom, `{global, N}`,
  /// `{via, Reg, N}`.
  [[nodiscard]] term to_term() const;

private:
  std::variant<pid, atom, global_name, server_name::via_name> ref_;
};

} // namespace otp
