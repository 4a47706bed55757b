#pragma once
/// The table of live processes, for `processes()` and shutdown: slots in
/// chunks that never move (the BEAM's process table), so adding and
/// removing a process touches one slot, not its neighbours' memory as a
/// linked list would. Free slot numbers are cached per thread and traded
/// in batches, since processes are often made on one worker and end on
/// another.

#include "otp/detail/process_base.hpp"
#include "otp/pid.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace otp::internal {

class process_table {
public:
  process_table();
  ~process_table();
  process_table(const process_table&) = delete;
  process_table& operator=(const process_table&) = delete;

  /// Gives `p` a slot; returns its number. Thread-safe.
  std::uint32_t add(detail::process_base* p);
  /// Frees slot `index`, which holds `p`. Thread-safe.
  void remove(std::uint32_t index, detail::process_base* p) noexcept;
  /// Pids of every process in the table (a reference each). Thread-safe.
  [[nodiscard]] std::vector<pid> snapshot() const;

private:
  static constexpr std::uint32_t chunk_bits = 12;
  static constexpr std::uint32_t chunk_size = 1U << chunk_bits;
  static constexpr std::uint32_t max_chunks = 8192; // 32M processes
  using chunk = std::array<std::atomic<std::uintptr_t>, chunk_size>;

  std::atomic<std::uintptr_t>& slot(std::uint32_t index) const noexcept {
    return (*chunks_[index >> chunk_bits].load(
        std::memory_order_acquire))[index & (chunk_size - 1)];
  }
  std::uint32_t fresh_index();

  const std::uint64_t id_; ///< tells this table's per-thread caches apart
  std::array<std::atomic<chunk*>, max_chunks> chunks_{};
  std::atomic<std::uint32_t> used_{0}; ///< slots ever handed out
  std::mutex grow_mutex_;
  std::mutex free_mutex_;
  std::vector<std::uint32_t> free_; ///< batches returned by threads
};

} // namespace otp::internal
