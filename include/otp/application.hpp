#pragma once
/// `otp::application`: OTP's applications. An application is a named
/// component (a supervision tree and its configuration) that starts and
/// stops as a unit, after the applications it depends on.
///
/// ```cpp
/// namespace app = otp::application;
/// app::spec kv{"kv"_a};
/// kv.with_description("key-value store")
///     .with_version("1.0")
///     .with_dependencies({"logger_sink"_a})
///     .with_env("port"_a, 7000)
///     .with_start([](otp::process& self, otp::term /*args*/) {
///       return otp::supervisor::start_link(self, {"kv_sup"_a}, kv_tree());
///     });
///
/// int main(int argc, char** argv) {
///   otp::runtime rt;
///   app::load(rt, kv);
///   if (auto ok = app::configure(rt, argc, argv); !ok) { ... }
///   return app::run_node(rt, {"kv"_a});   // until SIGINT / SIGTERM
/// }
/// ```
///
/// How OTP's API maps to C++ (Erlang/OTP 25's application module, checked in
/// erl):
/// - the `.app` file: a `spec` (name, description, vsn, applications,
///   env, mod, registered), loaded with `load(rt, spec)` (`{error,
///   {already_loaded, App}}`) and dropped with `unload` (`{error, {running,
///   App}}`, `{error, {not_loaded, App}}`). There are no .app files: an
///   application that was not loaded is `{error, {not_loaded, App}}` where
///   OTP would look for its file.
/// - `Mod:start(normal, Args)`: the spec's start function, run in the
///   application's master process (its top supervisor links to that
///   process). It returns a `gen_server::start_result`: `{ok, Pid}`, or
///   `{ok, Pid, State}` through `result.info`, or `{error, R}`, which makes
///   the start `{error, {R, {App, start, [normal, Args]}}}`. An exception
///   (or `ignore`) is `{error, {bad_return, {{App, start, [normal, Args]},
///   {'EXIT', Reason}}}}`. A spec with no start function is a library
///   application: starting it only marks it running.
/// - `Mod:prep_stop(State)` and `Mod:stop(State)`: run in the master, the
///   first before the top supervisor is shut down, the second after (also
///   when the top supervisor ended on its own). State is `[]` after `{ok,
///   Pid}`.
/// - `start(App, Type)`: `{error, {already_started, App}}`, `{error,
///   {not_started, Dep}}` for a dependency not running; a failed start is
///   reported like an exit. `ensure_all_started(App, Type)`: the
///   applications it started, dependencies first; on a failure it stops
///   those again and returns `{error, {FailedApp, Reason}}`.
/// - `stop(App)`: `{error, {not_started, App}}`; reported as `exited:
///   stopped`. Dependents keep running (as in OTP).
/// - an application's top supervisor ending on its own is reported (level
///   notice: `application: A / exited: R / type: T`); then `temporary`: that
///   is all; `transient`: if R is not `normal`, and `permanent`: always, every
///   other application is stopped in reverse start order and the node stops
///   with `{application_terminated, App, R}` (`node_stop_reason`, and
///   `run_node` returns 1, where the BEAM halts with "Kernel pid terminated").
/// - `get_env`, `set_env`, `unset_env`, `get_all_env`: each application's
///   environment: the spec's defaults, overridden by a configuration file
///   (`sys.config`'s format, `[{App, [{Key, Value}]}].`) and then by the
///   command line (`-App Key Value`, the value an Erlang term), as `erl
///   -config F -App Key Value` does. Setting an application's env before it
///   is loaded works; loading it applies its defaults and the overrides;
///   unloading drops its env. The environment is read without a message
///   (as OTP reads its ETS table), so any thread may read it.
/// - `which_applications`, `loaded_applications`: `{Name, Description, Vsn}`
///   rows, most recently started first.
///
/// Where otp++ differs: no kernel or stdlib applications are listed, and
/// there are no distributed applications (start type `normal` only).
///
/// The requests go to the node's application controller, a gen_server
/// registered as `application_controller` and started on first use. Like
/// OTP's, it serves one start or stop at a time: an application's start
/// function must not start or stop applications itself.

#include "otp/atom.hpp"
#include "otp/expected.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/task.hpp"
#include "otp/term.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace otp {

class runtime;

namespace application {

/// What the node does when the application's top supervisor ends on its
/// own (see the header comment).
enum class start_type : std::uint8_t { temporary, transient, permanent };

/// `temporary`, `transient`, `permanent`.
[[nodiscard]] atom to_atom(start_type t) noexcept;

/// `Mod:start(normal, Args)`: runs in the application's master process.
using start_function =
    std::function<task<gen_server::start_result>(process& self, term args)>;
/// `Mod:prep_stop(State)`: returns the state given to `stop`.
using prep_stop_function = std::function<term(process& self, term state)>;
/// `Mod:stop(State)`.
using stop_function = std::function<void(process& self, term state)>;

/// An application's description: OTP's `.app` file and callback module.
class spec {
public:
  explicit spec(atom app_name) : name(app_name) {}

  atom name;
  std::string description;
  std::string version;
  /// Applications that must be running first (OTP's `applications`).
  std::vector<atom> dependencies;
  /// Default environment, in order (a later duplicate key wins).
  std::vector<std::pair<atom, term>> env;
  /// Names the application registers (documentation, as in OTP).
  std::vector<atom> registered;
  /// Null for a library application.
  start_function start;
  /// Given to `start` (OTP's `{mod, {Mod, Args}}`).
  term start_args = term::list({});
  prep_stop_function prep_stop;
  stop_function stop;

  spec& with_description(std::string d) & {
    description = std::move(d);
    return *this;
  }
  spec&& with_description(std::string d) && {
    return std::move(with_description(std::move(d)));
  }
  spec& with_version(std::string v) & {
    version = std::move(v);
    return *this;
  }
  spec&& with_version(std::string v) && {
    return std::move(with_version(std::move(v)));
  }
  spec& with_dependencies(std::vector<atom> deps) & {
    dependencies = std::move(deps);
    return *this;
  }
  spec&& with_dependencies(std::vector<atom> deps) && {
    return std::move(with_dependencies(std::move(deps)));
  }
  spec& with_env(atom key, term value) & {
    env.emplace_back(key, std::move(value));
    return *this;
  }
  spec&& with_env(atom key, term value) && {
    return std::move(with_env(key, std::move(value)));
  }
  spec& with_registered(std::vector<atom> names) & {
    registered = std::move(names);
    return *this;
  }
  spec&& with_registered(std::vector<atom> names) && {
    return std::move(with_registered(std::move(names)));
  }
  spec& with_start(start_function f, term args = term::list({})) & {
    start = std::move(f);
    start_args = std::move(args);
    return *this;
  }
  spec&& with_start(start_function f, term args = term::list({})) && {
    return std::move(with_start(std::move(f), std::move(args)));
  }
  spec& with_prep_stop(prep_stop_function f) & {
    prep_stop = std::move(f);
    return *this;
  }
  spec&& with_prep_stop(prep_stop_function f) && {
    return std::move(with_prep_stop(std::move(f)));
  }
  spec& with_stop(stop_function f) & {
    stop = std::move(f);
    return *this;
  }
  spec&& with_stop(stop_function f) && {
    return std::move(with_stop(std::move(f)));
  }
};

/// A row of `which_applications` / `loaded_applications`.
struct app_info {
  atom name;
  std::string description;
  std::string version;
  /// `{Name, Description, Vsn}` (the strings as charlists, as in OTP).
  [[nodiscard]] term to_term() const;
};

// -- loading (thread-safe, no message) ----------------------------------------

expected<void, term> load(runtime& rt, spec s);
expected<void, term> unload(runtime& rt, atom app);
[[nodiscard]] std::vector<app_info> loaded_applications(runtime& rt);

// -- configuration ------------------------------------------------------------

/// Reads a `sys.config`-style file (`[{App, [{Key, Value}, ...]}, ...].`)
/// whose values override the spec defaults. An error names the file and the
/// position.
expected<void, std::string> load_config(runtime& rt,
                                        const std::filesystem::path& file);
/// Takes erl's arguments from a command line: `-config File` (a config
/// file, `.config` added when missing) and `-App Key Value` (Value an
/// Erlang term), which override the config file. Other arguments are left
/// alone. An error names the bad argument.
expected<void, std::string> configure(runtime& rt, int argc,
                                      const char* const* argv);

// -- environment (thread-safe, no message) ------------------------------------

[[nodiscard]] std::optional<term> get_env(runtime& rt, atom app, atom key);
[[nodiscard]] term get_env(runtime& rt, atom app, atom key, term fallback);
[[nodiscard]] std::vector<std::pair<atom, term>> get_all_env(runtime& rt,
                                                             atom app);
void set_env(runtime& rt, atom app, atom key, term value);
void unset_env(runtime& rt, atom app, atom key);
/// The same from a process.
[[nodiscard]] std::optional<term> get_env(process& self, atom app, atom key);
[[nodiscard]] term get_env(process& self, atom app, atom key, term fallback);
void set_env(process& self, atom app, atom key, term value);

// -- starting and stopping (through the application controller) -------------

task<expected<void, term>> start(process& self, atom app,
                                 start_type type = start_type::temporary);
task<expected<std::vector<atom>, term>>
ensure_all_started(process& self, atom app,
                   start_type type = start_type::temporary);
task<expected<void, term>> stop(process& self, atom app);
task<std::vector<app_info>> which_applications(process& self);

/// The same from outside the runtime (they block the calling thread; not on
/// a testkit).
expected<void, term> start(runtime& rt, atom app,
                           start_type type = start_type::temporary);
expected<std::vector<atom>, term>
ensure_all_started(runtime& rt, atom app,
                   start_type type = start_type::temporary);
expected<void, term> stop(runtime& rt, atom app);
[[nodiscard]] std::vector<app_info> which_applications(runtime& rt);

// -- the node -----------------------------------------------------------------

/// Why the node stopped: `{application_terminated, App, Reason}` after a
/// permanent (or abnormally ended transient) application's death, `normal`
/// after `stop_node`, nullopt while it runs.
[[nodiscard]] std::optional<term> node_stop_reason(runtime& rt);
/// OTP's `init:stop()`: asks `run_node` to stop every application in reverse
/// start order and return 0. Thread-safe; may be called from a process.
void stop_node(runtime& rt);
void stop_node(process& self);

/// A node's main loop: starts `apps` (and their dependencies) with `type`,
/// then waits for SIGINT or SIGTERM, `stop_node`, or an application's death
/// that stops the node; then stops every running application in reverse
/// start order. Returns the process exit status: 0 for a requested stop, 1
/// when a start failed or an application's death stopped the node (logged
/// at level critical with the reason). One `run_node` at a time per OS
/// process (it owns SIGINT and SIGTERM while it runs).
int run_node(runtime& rt, const std::vector<atom>& apps,
             start_type type = start_type::permanent);

} // namespace application
} // namespace otp
