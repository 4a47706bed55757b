#include "otp/error.hpp"

namespace otp {

atom error::reason() const noexcept {
  switch (code_) {
  case errc::badarg:
    return atoms::badarg;
  case errc::noproc:
    return atoms::noproc;
  case errc::timeout:
    return atoms::timeout;
  case errc::already_registered:
    return atoms::already_registered;
  case errc::not_alive:
    return atoms::not_alive;
  case errc::not_local:
    return atoms::badarg;
  }
  return atoms::badarg;
}

std::string error::message() const {
  std::string out{reason().text()};
  if (!context_.empty()) {
    out += ": ";
    out += context_;
  }
  return out;
}

} // namespace otp
