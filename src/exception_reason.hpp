#pragma once
/// Turns an exception that escaped process code into an exit reason.

#include "otp/term.hpp"

#include <exception>

namespace otp::internal {

/// `exit_exception` gives its reason unchanged; anything else gives
/// `{exception, 'TypeName', <<"what()">>}` (the demangled type name; an
/// empty message for types that are not std::exception).
[[nodiscard]] term exception_reason(std::exception_ptr e) noexcept;

} // namespace otp::internal
