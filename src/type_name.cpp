#include "otp/detail/type_name.hpp"

#include <cstdlib>
#include <cxxabi.h>
#include <memory>
#include <unordered_map>

namespace otp::detail {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out{
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free};
  return status == 0 && out ? std::string{out.get()} : std::string{mangled};
}

std::string demangle_cached(const char* mangled) {
  // Mangled names are static strings: their address is their identity.
  // Per thread, so no lock: crash reasons and reports name the same few
  // types again and again, and demangling costs microseconds.
  thread_local std::unordered_map<const char*, std::string> cache;
  auto it = cache.find(mangled);
  if (it == cache.end())
    it = cache.emplace(mangled, demangle(mangled)).first;
  return it->second;
}

atom type_atom(const std::type_info& t) {
  const char* mangled = t.name();
  thread_local std::unordered_map<const char*, atom> cache;
  auto it = cache.find(mangled);
  if (it == cache.end()) {
    atom a{demangle_cached(mangled)}; // a failure is not remembered
    it = cache.emplace(mangled, a).first;
  }
  return it->second;
}

} // namespace otp::detail
