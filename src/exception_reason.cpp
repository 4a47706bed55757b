#include "exception_reason.hpp"

#include "otp/detail/type_name.hpp"
#include "otp/logger.hpp"
#include "otp/process.hpp"

#include <cstdlib>
#include <cxxabi.h>
#include <memory>
#include <string>
#include <typeinfo>

namespace otp::internal {
namespace {

atom current_type_atom() {
  const std::type_info* t = abi::__cxa_current_exception_type();
  return t ? detail::type_atom(*t) : atom{"unknown"};
}

/// The reason for `e`; `crash` is false for an exit_exception. One
/// rethrow for both answers: each costs a full unwind.
term thrown_reason(const std::exception_ptr& e, bool& crash) noexcept {
  crash = true;
  try {
    try {
      std::rethrow_exception(e);
    } catch (const exit_exception& x) {
      crash = false;
      return x.reason;
    } catch (const std::exception& x) {
      return term{atoms::exception, current_type_atom(),
                  std::string_view{x.what()}};
    } catch (...) {
      return term{atoms::exception, current_type_atom(), std::string_view{}};
    }
  } catch (...) {
    // Building the reason itself failed (out of memory): still end cleanly.
    return atoms::exception;
  }
}

} // namespace

term exception_reason(std::exception_ptr e) noexcept {
  bool crash = true;
  return thrown_reason(e, crash);
}

term crash_reason(const pid& self, std::exception_ptr e) noexcept {
  bool crash = true;
  term reason = thrown_reason(e, crash);
  if (!crash)
    return reason; // exit/1: an ordinary end, not a crash
  // The pid and the reason are formatted only for a report that is written.
  if (!logger::enabled(log_level::error))
    return reason;
  try {
    log_error(log_metadata{{"pid", to_string(self)}, {"domain", "otp"}},
              "Error in process {} with exit value:\n{}", to_string(self),
              to_string(reason));
  } catch (...) {
    // Logging must never take the runtime down.
  }
  return reason;
}

} // namespace otp::internal
