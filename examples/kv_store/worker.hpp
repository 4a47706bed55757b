#pragma once
/// `kv::worker`: a request worker. Turns one protocol line into a request
/// to the table owner and the owner's answer into the reply line.
///
/// Workers are children of the simple_one_for_one `kv_worker_sup`
/// (worker_pool.hpp), started with the extra args `[Index]`; each
/// registers itself as `kv_worker_<Index>`, so connections find the pool
/// by name and a restarted worker (same extra args) takes its old name.
///
/// | request (call)    | reply                                          |
/// |-------------------|------------------------------------------------|
/// | `{request, Line}` | the reply line (binary), see protocol.hpp      |
///
/// handle_call is a coroutine: it waits for the owner in a selective
/// receive without blocking a scheduler thread. It calls the owner with no
/// timeout on purpose: a timed-out request could still be applied later,
/// after the client has moved on to its next write to that key, and undo
/// it. The call's monitor ends the wait at once if the owner dies, and the
/// client gets `ERROR unavailable`.
///
/// The cast `inject_crash` makes the worker throw from handle_cast (the
/// fault injector's exception fault).

#include <cstddef>
#include <cstdint>
#include <otp/gen_server.hpp>

namespace kv {

class worker : public otp::gen_server::server<worker> {
public:
  /// `extra_args`: `[Index]`, from `supervisor::start_child`.
  explicit worker(const otp::term& extra_args);

  init_result init();
  otp::task<call_result> handle_call(otp::term request, from caller);
  cast_result handle_cast(const otp::term& msg);
  [[nodiscard]] otp::term state() const override;

private:
  std::size_t index_;
  std::uint64_t served_ = 0;
};

} // namespace kv
