#include "otp/detail/pool.hpp"
#include "otp/task.hpp"

namespace otp::detail {
namespace {
thread_local std::size_t last_size = 0;
} // namespace

void* allocate_frame(std::size_t size) {
  last_size = size;
  return pool_allocate(size);
}

void free_frame(void* p, std::size_t size) noexcept {
  pool_free(p, size);
}

std::size_t last_frame_size() noexcept {
  return last_size;
}

} // namespace otp::detail
