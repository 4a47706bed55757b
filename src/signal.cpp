#include "otp/detail/signal.hpp"

#include "otp/detail/pool.hpp"

namespace otp::detail {

void* signal::operator new(std::size_t size) {
  return pool_allocate(size);
}

void signal::operator delete(void* p, std::size_t size) noexcept {
  pool_free(p, size);
}

} // namespace otp::detail
