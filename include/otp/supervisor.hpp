#pragma once
/// `otp::supervisor`: OTP's supervisor, a gen_server that starts, watches
/// and restarts child processes.
///
/// A supervisor is given its flags and child specs (OTP's `init/1` result)
/// as a `spec`, or as an `init_function` that runs in the new supervisor
/// (OTP's callback module):
///
/// ```cpp
/// namespace sup = otp::supervisor;
/// auto started = co_await sup::start_link(
///     self, {"top"_a},
///     sup::spec{sup::flags{sup::one_for_all}.with_intensity(3, 10s),
///               sup::child_spec::worker<cache>("cache"_a, 100),
///               sup::child_spec::worker<db>("db"_a).with_shutdown(2s)});
/// auto kids = co_await sup::which_children(self, "top"_a);
/// ```
///
/// How OTP's API maps to C++:
/// - `supervisor:start_link(Name, Mod, Args)`: `start_link(self, {name},
///   spec)`, or `start_link(self, {name}, init_function)` (Mod:init/1).
/// - sup_flags `#{strategy, intensity, period, auto_shutdown}`: `flags`.
/// - child_spec `#{id, start, restart, significant, shutdown, type,
///   modules}`: `child_spec`; its start `{M, F, A}` is a `start_function`
///   returning `gen_server::start_result` (`{ok, Pid}`, `{ok, Pid, Info}`
///   through `result.info`, `ignore`, `{error, E}`).
/// - `start_child(Sup, Spec)` / `start_child(Sup, ExtraArgs)`:
///   `start_child(self, sup, child_spec)` / `start_child(self, sup, term)`.
/// - `terminate_child`, `restart_child`, `delete_child`, `get_childspec`:
///   the same names.
/// - `which_children`, `count_children`: typed rows (`child_info`,
///   `child_counts`), each with `to_term()` giving OTP's term.
/// - `check_childspecs(Specs, AutoShutdown)`: `check_childspecs(specs,
///   auto_shutdown)`.
///
/// Results: each API call returns `otp::expected<T, term>`. The error is
/// OTP's own error term (`already_present`, `{already_started, Pid}`,
/// `not_found`, `running`, `restarting`, `simple_one_for_one`, a start
/// error), or, when the call itself fails, the reason OTP's caller would
/// exit with: `{noproc, {gen_server, call, [Sup, Request, infinity]}}` for
/// a dead or unknown supervisor, `{Reason, {gen_server, call, ...}}` when it
/// dies during the call, and `{not_a_supervisor, {gen_server, call, ...}}`
/// for a live local process that is not a supervisor (OTP would send it the
/// request and crash it or wait for ever; otp++ never sends it). Calls wait
/// as long as the supervisor takes (OTP's `infinity`). Where otp++ differs:
/// a `child_spec` given to a simple_one_for_one's `start_child` is
/// `{error, simple_one_for_one}` (OTP crashes the supervisor), and an
/// unknown call stops the supervisor with `{bad_call, Request}` (OTP:
/// function_clause).
///
/// Behaviour (Erlang/OTP 25's supervisor.erl, checked in erl):
/// - start: the children start in order, each synchronously. `ignore`
///   keeps the spec with no pid (a temporary child's spec is dropped). A
///   failed start stops the started children in reverse order and the
///   supervisor start returns `{error, {shutdown, {failed_to_start_child,
///   Id, Reason}}}`. An exception in a start function is the start error
///   `{'EXIT', Reason}`; a start function's own timeout (see
///   `gen_server::start_options::with_timeout`) is `{error, timeout}`.
///   Invalid flags or specs fail the start before anything starts:
///   `{supervisor_data, E}`, `{start_spec, E}`, `{bad_start_spec, Specs}`.
/// - restarts: permanent always; transient unless the reason is normal,
///   shutdown or `{shutdown, _}`; temporary never (its spec is dropped).
///   one_for_one restarts the child, one_for_all stops the others in reverse
///   start order and starts all in order, rest_for_one the same for the
///   children started after it. A restart that fails is retried through a
///   message to itself (other requests are served in between), each retry
///   counting as a restart.
/// - more than `intensity` restarts within `period` seconds: the supervisor
///   logs `reached_max_restart_intensity`, stops every child in reverse
///   start order and exits with `shutdown`.
/// - stopping a child: monitor it, then brutal_kill: `exit(Child, kill)`;
///   a timeout T: `exit(Child, shutdown)`, wait up to T, then kill;
///   infinity: `exit(Child, shutdown)` and wait. Any other end than the one
///   asked for (killed for brutal_kill, shutdown otherwise; normal and
///   `{shutdown, _}` too for a child that is not permanent) is logged as a
///   shutdown_error. A simple_one_for_one supervisor stops its children all
///   at once.
/// - the supervisor traps exits; when it stops (its parent's exit signal,
///   the restart intensity, auto_shutdown) it stops every child in reverse
///   start order first.
/// - reports (level error, domain `otp,sasl`) with OTP's text:
///   `errorContext: child_terminated | start_error | shutdown_error |
///   shutdown` (the last with `reason: reached_max_restart_intensity`);
///   started children are logged at level info (OTP's progress report).
///
/// g++ 12.2 cannot build an `std::initializer_list` inside a `co_await`
/// expression, and destroys aggregate temporaries there twice: every type
/// here has constructors, and `spec` takes its children as a variadic list
/// (`spec{flags, a, b}`) or as a vector built before the `co_await`.

#include "otp/atom.hpp"
#include "otp/expected.hpp"
#include "otp/gen_server.hpp"
#include "otp/pid.hpp"
#include "otp/process.hpp"
#include "otp/server_ref.hpp"
#include "otp/task.hpp"
#include "otp/term.hpp"

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace otp {
class runtime;
} // namespace otp

namespace otp::supervisor {

using namespace std::chrono_literals;

// -- flags --------------------------------------------------------------------

enum class strategy : std::uint8_t {
  one_for_one,
  one_for_all,
  rest_for_one,
  simple_one_for_one
};
inline constexpr strategy one_for_one = strategy::one_for_one;
inline constexpr strategy one_for_all = strategy::one_for_all;
inline constexpr strategy rest_for_one = strategy::rest_for_one;
inline constexpr strategy simple_one_for_one = strategy::simple_one_for_one;

/// When significant children ending on their own stop the supervisor.
enum class auto_shutdown : std::uint8_t {
  never,
  any_significant,
  all_significant
};
inline constexpr auto_shutdown never = auto_shutdown::never;
inline constexpr auto_shutdown any_significant = auto_shutdown::any_significant;
inline constexpr auto_shutdown all_significant = auto_shutdown::all_significant;

/// OTP's `sup_flags()`: `flags{one_for_all}`, `flags{one_for_one, 3, 10s}`
/// or `flags{}.with_intensity(3, 10s).with_auto_shutdown(any_significant)`.
class flags {
public:
  flags() = default;
  flags(otp::supervisor::strategy s) : strategy(s) {}
  flags(otp::supervisor::strategy s, int max_restarts,
        std::chrono::seconds within)
      : strategy(s), intensity(max_restarts), period(within) {}

  otp::supervisor::strategy strategy = otp::supervisor::strategy::one_for_one;
  /// At most this many restarts within `period` (default 1 in 5 s).
  int intensity = 1;
  std::chrono::seconds period{5};
  otp::supervisor::auto_shutdown auto_shutdown =
      otp::supervisor::auto_shutdown::never;

  flags& with_intensity(int max_restarts, std::chrono::seconds within) & {
    intensity = max_restarts;
    period = within;
    return *this;
  }
  flags&& with_intensity(int max_restarts, std::chrono::seconds within) && {
    return std::move(with_intensity(max_restarts, within));
  }
  flags& with_auto_shutdown(otp::supervisor::auto_shutdown a) & {
    auto_shutdown = a;
    return *this;
  }
  flags&& with_auto_shutdown(otp::supervisor::auto_shutdown a) && {
    return std::move(with_auto_shutdown(a));
  }
};

// -- child specs --------------------------------------------------------------

enum class restart_type : std::uint8_t { permanent, transient, temporary };
inline constexpr restart_type permanent = restart_type::permanent;
inline constexpr restart_type transient = restart_type::transient;
inline constexpr restart_type temporary = restart_type::temporary;

enum class child_type : std::uint8_t { worker, supervisor };

struct brutal_kill_t {
  explicit constexpr brutal_kill_t() = default;
};
/// A child's shutdown: `exit(Child, kill)` at once.
inline constexpr brutal_kill_t brutal_kill{};

/// How a child is stopped: `brutal_kill`, a timeout, or `otp::infinity`.
class child_shutdown {
public:
  child_shutdown(brutal_kill_t) noexcept : brutal_(true) {}
  template <class Rep, class Period>
  child_shutdown(std::chrono::duration<Rep, Period> t) noexcept
      : timeout_(
            t >= infinity
                ? infinity
                : std::chrono::duration_cast<std::chrono::milliseconds>(t)) {}

  [[nodiscard]] bool is_brutal_kill() const noexcept { return brutal_; }
  [[nodiscard]] bool is_infinity() const noexcept {
    return !brutal_ && timeout_ == infinity;
  }
  /// The wait before the kill (meaningless for brutal_kill).
  [[nodiscard]] std::chrono::milliseconds timeout() const noexcept {
    return timeout_;
  }
  /// `brutal_kill`, `infinity` or the milliseconds.
  [[nodiscard]] term to_term() const;

  friend bool operator==(const child_shutdown&,
                         const child_shutdown&) = default;

private:
  bool brutal_ = false;
  std::chrono::milliseconds timeout_{0};
};

/// Starts one child, linked to `supervisor` (the supervisor's own process,
/// where it runs). `extra_args` is `[]`, except for a simple_one_for_one
/// child: the list given to `start_child`. `{ok, Pid}` (with
/// `result.info` set: `{ok, Pid, Info}`), `ignore` or `{error, E}`; an
/// exception is the start error `{'EXIT', Reason}`.
using start_function = std::function<task<gen_server::start_result>(
    process& supervisor, const term& extra_args)>;

class spec;

namespace detail {
/// The atom for a C++ type (its name, cut at 255 bytes).
[[nodiscard]] atom module_atom(const std::type_info& t);
/// `{error, {bad_extra_args, Args}}` at once: a start function given
/// simple_one_for_one extra args it cannot take.
task<gen_server::start_result> bad_extra_args(term extra_args);
/// `result` at once.
task<gen_server::start_result> ready(gen_server::start_result result);

/// How `child_spec::worker` starts its gen_server: up to the ack wait with
/// no coroutine, so a supervisor can wait for the ack in its own frame.
class server_starter {
public:
  server_starter() = default;
  server_starter(const server_starter&) = delete;
  server_starter& operator=(const server_starter&) = delete;
  virtual ~server_starter() = default;
  /// Spawns the server linked to `supervisor`, or fails at once.
  /// `linked_ack_waits`: see gen_server::detail::begin_start.
  virtual gen_server::detail::start_begun
  begin(process& supervisor, const term& extra,
        bool linked_ack_waits) const = 0;
};

/// `child_spec::worker<S>`'s start function: the start of `starter`, its
/// ack wait included. A supervisor finds it with `start.target<>()` and
/// waits for the ack itself.
class server_start {
public:
  explicit server_start(std::shared_ptr<const server_starter> s)
      : starter_(std::move(s)) {}
  task<gen_server::start_result> operator()(process& supervisor,
                                            const term& extra) const {
    return gen_server::detail::finish_start(
        supervisor, starter_->begin(supervisor, extra, false));
  }
  [[nodiscard]] const server_starter& starter() const noexcept {
    return *starter_;
  }

private:
  std::shared_ptr<const server_starter> starter_;
};

/// `gen_server::start_link<S>(supervisor, options, args..., [extra])`.
template <class S, class... Args>
class server_starter_of final : public server_starter {
public:
  explicit server_starter_of(gen_server::start_options options, Args... args)
      : options_(std::move(options)), args_(std::move(args)...) {}

  gen_server::detail::start_begun begin(process& supervisor, const term& extra,
                                        bool linked_ack_waits) const override {
    return std::apply(
        [&](const Args&... args) {
          if constexpr (std::is_constructible_v<S, const Args&...,
                                                const term&>) {
            return gen_server::detail::begin_start<S>(
                supervisor, gen_server::link_mode::link, options_,
                linked_ack_waits, args..., extra);
          } else {
            if (!extra.is_nil())
              return gen_server::detail::start_begun{
                  gen_server::start_result::failed(
                      term{atom{"bad_extra_args"}, extra})};
            return gen_server::detail::begin_start<S>(
                supervisor, gen_server::link_mode::link, options_,
                linked_ack_waits, args...);
          }
        },
        args_);
  }

private:
  gen_server::start_options options_;
  std::tuple<Args...> args_;
};
} // namespace detail

/// OTP's `child_spec()`. Build it with a helper (`worker`, `supervisor`,
/// `spawn_link`) or from an id and a start function, then adjust:
/// `child_spec::worker<db>("db"_a).with_restart(transient)`.
class child_spec {
public:
  child_spec(term child_id, start_function start_with)
      : id(std::move(child_id)), start(std::move(start_with)) {}

  /// A gen_server of type `S` built from `args` (copied for each start) and
  /// started with `gen_server::start_link<S>(supervisor, options, args...)`.
  /// A simple_one_for_one's extra args are passed as the constructor's last
  /// argument when `S` is constructible from `(args..., const term&)` (`[]`
  /// for other supervisors, as OTP's `A ++ []`); otherwise extra args are
  /// the start error `{bad_extra_args, Args}`.
  template <class S, class... Args>
  static child_spec worker(term child_id, Args... args) {
    return worker<S>(std::move(child_id), gen_server::start_options{},
                     std::move(args)...);
  }
  /// As above with start options: a name, a start timeout, tracing.
  template <class S, class... Args>
  static child_spec worker(term child_id, gen_server::start_options options,
                           Args... args);

  /// A nested supervisor: type `supervisor`, shutdown infinity.
  static child_spec supervisor(term child_id, otp::supervisor::spec s,
                               gen_server::start_options options = {});

  /// A plain process: `supervisor.spawn_link(body, args...)`, `{ok, Pid}`
  /// at once. Extra args are passed last when `body` takes them (`term`).
  template <class Body, class... Args>
  static child_spec spawn_link(term child_id, Body body, Args... args);

  child_spec& with_restart(restart_type r) & {
    restart = r;
    return *this;
  }
  child_spec&& with_restart(restart_type r) && {
    return std::move(with_restart(r));
  }
  child_spec& with_shutdown(child_shutdown s) & {
    shutdown = s;
    return *this;
  }
  child_spec&& with_shutdown(child_shutdown s) && {
    return std::move(with_shutdown(s));
  }
  child_spec& with_type(child_type t) & {
    type = t;
    return *this;
  }
  child_spec&& with_type(child_type t) && { return std::move(with_type(t)); }
  child_spec& with_significant(bool on = true) & {
    significant = on;
    return *this;
  }
  child_spec&& with_significant(bool on = true) && {
    return std::move(with_significant(on));
  }
  child_spec& with_modules(term mods) & {
    modules = std::move(mods);
    return *this;
  }
  child_spec&& with_modules(term mods) && {
    return std::move(with_modules(std::move(mods)));
  }

  /// Unique among a supervisor's children (any term).
  term id;
  start_function start;
  restart_type restart = restart_type::permanent;
  /// Unset: 5000 ms for a worker, infinity for a supervisor.
  std::optional<child_shutdown> shutdown;
  child_type type = child_type::worker;
  /// Ending on its own stops an auto_shutdown supervisor (transient and
  /// temporary children only).
  bool significant = false;
  /// OTP's `modules`: a list of atoms or `dynamic` (for which_children and
  /// release handling). The helpers set `[Type]`.
  term modules;
  /// How reports and `to_term` show the start function (OTP's `{M, F,
  /// A}`). The helpers set `{Type, start_link, []}`.
  term mfargs = atoms::undefined;

  /// The shutdown in effect (the default for the type when unset).
  [[nodiscard]] child_shutdown effective_shutdown() const {
    if (shutdown)
      return *shutdown;
    if (type == child_type::supervisor)
      return child_shutdown{infinity};
    return child_shutdown{std::chrono::milliseconds{5000}};
  }
  /// OTP's map: `#{id, start, restart, significant, shutdown, type,
  /// modules}` (`start` is `mfargs`).
  [[nodiscard]] term to_term() const;
};

/// OTP's `{ok, {SupFlags, [ChildSpec]}}`: what a supervisor runs.
class spec {
public:
  explicit spec(otp::supervisor::flags f = {},
                std::vector<child_spec> specs = {})
      : flags(std::move(f)), children(std::move(specs)) {}
  /// `spec{flags, child_a, child_b}`: usable inside `co_await` (g++ 12
  /// cannot build an initializer list there).
  template <std::same_as<child_spec>... More>
  spec(otp::supervisor::flags f, child_spec first, More... more)
      : flags(std::move(f)) {
    children.reserve(1 + sizeof...(More));
    children.push_back(std::move(first));
    (children.push_back(std::move(more)), ...);
  }

  otp::supervisor::flags flags;
  std::vector<child_spec> children;
};

/// OTP's `Mod:init(Args)`, run in the new supervisor: the spec, or
/// nullopt for `ignore` (the start returns `ignore`). An exception fails
/// the start with its reason.
using init_function = std::function<std::optional<spec>(process& self)>;

// -- starting -----------------------------------------------------------------

/// `supervisor:start_link`: returns once every child has started (or the
/// start failed). Options: a name, a start timeout (the children's starts
/// included), tracing.
task<gen_server::start_result>
start_link(process& self, gen_server::start_options options, spec s);
task<gen_server::start_result> start_link(process& self,
                                          gen_server::start_options options,
                                          init_function init);
/// The same from outside the runtime, not linked (blocks the calling
/// thread; not on a testkit).
gen_server::start_result start(runtime& rt, gen_server::start_options options,
                               spec s);

// -- the dynamic API ----------------------------------------------------------

/// `{ok, Pid}`, `{ok, Pid, Info}` or `{ok, undefined}` (null `child`: an
/// ignored start).
struct child_started {
  pid child;
  std::optional<term> info;
  [[nodiscard]] term to_term() const;
};

/// One row of `which_children`: `{Id, Pid | restarting | undefined, Type,
/// Modules}`.
struct child_info {
  term id; ///< `undefined` for simple_one_for_one children
  pid child;
  bool restarting = false; ///< a restart failed and is being retried
  child_type type = child_type::worker;
  term modules;
  [[nodiscard]] term to_term() const;
};

/// `count_children`'s `[{specs, N}, {active, N}, {supervisors, N},
/// {workers, N}]`.
struct child_counts {
  std::size_t specs = 0;
  std::size_t active = 0;
  std::size_t supervisors = 0;
  std::size_t workers = 0;
  [[nodiscard]] term to_term() const;
};

/// `start_child(Sup, ChildSpec)`: `{error, already_present}` (stopped, spec
/// kept), `{error, {already_started, Pid}}`, `{error, E}` for an invalid
/// spec, `{error, {Reason, ChildRecord}}` for a failed start.
task<expected<child_started, term>> start_child(process& self, server_ref sup,
                                                child_spec child);
/// `start_child(Sup, ExtraArgs)` of a simple_one_for_one supervisor.
task<expected<child_started, term>> start_child(process& self, server_ref sup,
                                                term extra_args);
/// Stops a child by id (by pid for simple_one_for_one); the spec stays
/// (unless temporary). `not_found`, `simple_one_for_one`.
task<expected<void, term>> terminate_child(process& self, server_ref sup,
                                           term id);
/// Starts a stopped child whose spec was kept. `running`, `restarting`,
/// `not_found`, `simple_one_for_one`, or the start error.
task<expected<child_started, term>> restart_child(process& self, server_ref sup,
                                                  term id);
/// Removes a stopped child's spec. `running`, `restarting`, `not_found`,
/// `simple_one_for_one`.
task<expected<void, term>> delete_child(process& self, server_ref sup, term id);
/// A child's spec (by id, or by pid for simple_one_for_one). `not_found`.
task<expected<child_spec, term>> get_childspec(process& self, server_ref sup,
                                               term id);
/// Every child in OTP's order (reverse start order; simple_one_for_one:
/// unordered).
task<expected<std::vector<child_info>, term>> which_children(process& self,
                                                             server_ref sup);
task<expected<child_counts, term>> count_children(process& self,
                                                  server_ref sup);

/// `check_childspecs(Specs, AutoShutdown)`: the first problem as OTP names
/// it (`{duplicate_child_name, Id}`, `missing_start`, `{invalid_restart_type,
/// R}`, `{invalid_shutdown, S}`, `{invalid_child_type, T}`,
/// `{invalid_modules, M}`, `{bad_combination, ..}`). Without
/// `auto_shutdown`, significant children are not checked against it.
[[nodiscard]] expected<void, term> check_childspecs(
    const std::vector<child_spec>& specs,
    std::optional<otp::supervisor::auto_shutdown> auto_shutdown = std::nullopt);

// -- the helpers' templates ---------------------------------------------------

template <class S, class... Args>
child_spec child_spec::worker(term child_id, gen_server::start_options options,
                              Args... args) {
  start_function start_with{detail::server_start{
      std::make_shared<detail::server_starter_of<S, Args...>>(
          std::move(options), std::move(args)...)}};
  child_spec c{std::move(child_id), std::move(start_with)};
  const atom module = detail::module_atom(typeid(S));
  c.modules = term::list({module});
  c.mfargs = term{module, atom{"start_link"}, term::list({})};
  return c;
}

template <class Body, class... Args>
child_spec child_spec::spawn_link(term child_id, Body body, Args... args) {
  start_function start_with =
      [body = std::move(body), ... args = std::move(args)](
          process& sup, const term& extra) -> task<gen_server::start_result> {
    if constexpr (std::is_invocable_r_v<task<>, const Body&, process&,
                                        const Args&..., term>) {
      return detail::ready(
          gen_server::start_result::ok(sup.spawn_link(body, args..., extra)));
    } else {
      if (!extra.is_nil())
        return detail::bad_extra_args(extra);
      return detail::ready(
          gen_server::start_result::ok(sup.spawn_link(body, args...)));
    }
  };
  child_spec c{std::move(child_id), std::move(start_with)};
  const atom module = detail::module_atom(typeid(Body));
  c.modules = term::list({module});
  c.mfargs = term{module, atom{"spawn_link"}, term::list({})};
  return c;
}

} // namespace otp::supervisor
