#pragma once
/// Selective-receive patterns the behaviours share. They have constructors,
/// not aggregate initialisation: g++ 12 destroys aggregate temporaries
/// built inside a `co_await` expression twice.

#include "otp/atom.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"
#include "otp/term.hpp"

#include <utility>

namespace otp::internal {

/// `{'DOWN', Tag, _, _, _}`: the DOWN of monitor `tag`.
struct down_of {
  explicit down_of(ref t) : tag(std::move(t)) {}
  ref tag;
  bool operator()(const term& m) const {
    return m.is_tuple(5) && m[0].is_atom(atoms::DOWN) && m[1].is_ref() &&
           m[1].as_ref() == tag;
  }
};

/// `{'EXIT', Who, _}`.
struct exit_of {
  explicit exit_of(pid p) : who(std::move(p)) {}
  pid who;
  bool operator()(const term& m) const {
    return m.is_tuple(3) && m[0].is_atom(atoms::EXIT) && m[1].is_pid() &&
           m[1].as_pid() == who;
  }
};

} // namespace otp::internal
