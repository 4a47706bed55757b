#pragma once
/// Readable C++ type names, for exit reasons, process_info and printing.

#include <string>
#include <typeinfo>

namespace otp::detail {

/// The demangled form of a mangled name (the name itself if that fails).
[[nodiscard]] std::string demangle(const char* mangled);
/// `demangle`, remembered per thread.
[[nodiscard]] std::string demangle_cached(const char* mangled);
/// The demangled name of `t`.
[[nodiscard]] inline std::string type_name(const std::type_info& t) {
  return demangle_cached(t.name());
}

} // namespace otp::detail
