#pragma once
/// `otp::runtime`: a node's processes, scheduler, timers and names.
///
/// Create one per program (or per test), spawn processes into it, and let it
/// go out of scope (or call `shutdown`) to stop: every live process then
/// ends with reason `shutdown`, links and monitors fire, and the worker
/// threads are joined. Every member is thread-safe.
///
/// ```cpp
/// otp::runtime rt;                       // one worker per core
/// auto echo = rt.spawn([](otp::process& self) -> otp::task<> {
///   for (;;) {
///     auto msg = co_await self.receive();
///     self.send(msg[0].as_pid(), msg[1]);
///   }
/// });
/// otp::scoped_mailbox me{rt};            // talk to it from main
/// me.send(echo, otp::term{me.self(), "hi"});
/// auto reply = me.receive(1s);
/// ```

#include "otp/detail/spawn.hpp"
#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/pid.hpp"
#include "otp/process.hpp"
#include "otp/process_info.hpp"
#include "otp/term.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace otp {

struct runtime_options {
  /// Worker threads; 0 means one per core.
  std::size_t workers = 0;
  /// A gen_server call from a thread outside the runtime (`scoped_mailbox`)
  /// that finds the server waiting runs the server's turn on the calling
  /// thread instead of handing it to a worker ("caller runs"; see
  /// docs/design/scheduler.md): about 4x faster here, as nothing crosses
  /// cores. The server's code then runs on that thread, with its stack and
  /// its thread-locals, and with any lock it holds (a handler that takes a
  /// lock its caller holds deadlocks); and the call's timeout cannot cut
  /// short that turn. False keeps every server on the workers.
  bool foreign_callers_run_servers = true;
};

class runtime {
public:
  runtime();
  explicit runtime(runtime_options options);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // -- spawning ---------------------------------------------------------------

  /// Starts `body(process&, args...)` (a coroutine returning `task<>`).
  /// Arguments are moved into the process: take them by value in `body`.
  template <class Body, class... Args>
  pid spawn(Body body, Args... args) {
    auto* p = detail::make_coroutine_process(*core_, std::move(body),
                                             std::move(args)...);
    pid id = p->self();
    detail::start_process(*core_, p);
    return id;
  }

  /// Starts an event-driven process (`Actor` derives from otp::actor).
  template <class Actor, class... Args>
  pid spawn_actor(Args&&... args) {
    static_assert(std::is_base_of_v<actor, Actor>,
                  "spawn_actor<A>: A derives from otp::actor");
    auto* p =
        new detail::actor_process<Actor>(*core_, std::forward<Args>(args)...);
    pid id = p->self();
    detail::start_process(*core_, p);
    return id;
  }

  // -- signals from outside any process ---------------------------------------

  /// Sends `msg` to `to`; a dead process drops it.
  void send(const pid& to, term msg);
  /// Sends to a registered name; `badarg` when not registered.
  [[nodiscard]] expected<void, error> send(atom name, term msg);
  /// Sends an exit signal (`From` is the null pid, printed `undefined`).
  void exit(const pid& to, term reason);

  // -- names ------------------------------------------------------------------

  [[nodiscard]] expected<void, error> register_name(atom name, const pid& p);
  [[nodiscard]] expected<void, error> unregister(atom name);
  [[nodiscard]] pid whereis(atom name) const;
  [[nodiscard]] std::vector<atom> registered() const;

  // -- introspection ----------------------------------------------------------

  [[nodiscard]] bool is_alive(const pid& p) const noexcept;
  [[nodiscard]] std::vector<pid> processes() const;
  [[nodiscard]] std::size_t process_count() const noexcept;
  /// nullopt when `p` is not a live local process.
  [[nodiscard]] std::optional<process_info> info(const pid& p) const;
  [[nodiscard]] std::size_t pending_timers() const;
  [[nodiscard]] std::size_t workers() const noexcept;

  /// Ends every process with `shutdown` and stops the workers. Idempotent.
  /// Not from inside a process.
  void shutdown();

  /// Runtime internals, for otp++'s own components.
  [[nodiscard]] detail::runtime_core& core() const noexcept { return *core_; }

protected:
  explicit runtime(std::unique_ptr<detail::runtime_core> core);

private:
  std::unique_ptr<detail::runtime_core> core_;
};

} // namespace otp
