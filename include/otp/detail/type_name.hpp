#pragma once
/// Readable C++ type names, for exit reasons, process_info and printing.

#include "otp/atom.hpp"

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
/// The demangled name of `t` as an atom, remembered per thread: exit
/// reasons and default server states name the same few types again and
/// again. Throws as `atom` does (a name too long for an atom).
[[nodiscard]] atom type_atom(const std::type_info& t);

} // namespace otp::detail
