#pragma once
/// `otp::error`: what a fallible otp++ call returns instead of a value.
///
/// A small value: a code (Erlang's error atoms, where Erlang has one) plus a
/// human-readable context. `reason()` gives the Erlang term for the error, so
/// an error can become an exit reason unchanged.

#include "otp/atom.hpp"

#include <string>
#include <string_view>

namespace otp {

enum class errc {
  badarg,             ///< a bad argument, e.g. a name that is not registered
  noproc,             ///< the process does not exist (or is no longer alive)
  timeout,            ///< the operation did not complete in time
  already_registered, ///< the name is taken, or the process already has one
  not_alive,          ///< the runtime has shut down
  not_local,          ///< the operation needs a local process or value
};

class error {
public:
  error(errc code, std::string context = {})
      : code_(code), context_(std::move(context)) {}

  [[nodiscard]] errc code() const noexcept { return code_; }
  [[nodiscard]] const std::string& context() const noexcept { return context_; }
  /// The Erlang atom for the code (`badarg`, `noproc`, ...).
  [[nodiscard]] atom reason() const noexcept;
  /// "noproc: <context>".
  [[nodiscard]] std::string message() const;

  friend bool operator==(const error& a, errc c) noexcept {
    return a.code_ == c;
  }

private:
  errc code_;
  std::string context_;
};

} // namespace otp
