#include "otp/detail/pool.hpp"
#include "otp/task.hpp"

namespace otp::detail {

void* allocate_frame(std::size_t size) { return pool_allocate(size); }

void free_frame(void* p, std::size_t size) noexcept { pool_free(p, size); }

} // namespace otp::detail
