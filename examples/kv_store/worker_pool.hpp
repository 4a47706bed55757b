#pragma once
/// The request workers' pool: the simple_one_for_one supervisor
/// `kv_worker_sup` and `kv_worker_pool`, the process that fills it.
///
/// A simple_one_for_one supervisor starts with no children, and when the
/// top supervisor restarts it (rest_for_one, after the table owner
/// crashed) it comes back empty. `kv_worker_pool` is the next child: its
/// init starts the workers `[0]` .. `[Size-1]` with `start_child`, so every
/// restart of the worker supervisor refills the pool before the listener
/// (started after both) accepts a connection. It then only answers `size`.

#include <chrono>
#include <cstddef>
#include <otp/gen_server.hpp>
#include <otp/supervisor.hpp>

namespace kv {

class worker_pool : public otp::gen_server::server<worker_pool> {
public:
  explicit worker_pool(std::size_t size) : size_(size) {}

  otp::task<init_result> init();
  call_result handle_call(const otp::term& request, const from& caller);
  [[nodiscard]] otp::term state() const override;

private:
  std::size_t size_;
};

/// `kv_worker_sup`: simple_one_for_one over permanent workers, with at most
/// `intensity` restarts in `period`.
[[nodiscard]] otp::supervisor::child_spec
worker_supervisor_spec(int intensity, std::chrono::seconds period);

/// `kv_worker_pool`, filling the pool with `size` workers.
[[nodiscard]] otp::supervisor::child_spec worker_pool_spec(std::size_t size);

} // namespace kv
