#pragma once
/// Turns an exception that escaped process code into an exit reason.

#include "otp/pid.hpp"
#include "otp/term.hpp"

#include <exception>

namespace otp::internal {

/// `exit_exception` gives its reason unchanged; anything else gives
/// `{exception, 'TypeName', <<"what()">>}` (the demangled type name; an
/// empty message for types that are not std::exception).
[[nodiscard]] term exception_reason(std::exception_ptr e) noexcept;

/// The exit reason for an exception that escaped process `self`'s code. A
/// crash (anything but exit_exception) is also reported through the logger
/// as Erlang reports it: "Error in process <0.42.0> with exit value: ...".
[[nodiscard]] term crash_reason(const pid& self, std::exception_ptr e) noexcept;

} // namespace otp::internal
