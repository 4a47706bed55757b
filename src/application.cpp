#include "otp/application.hpp"

#include "application_registry.hpp"
#include "exception_reason.hpp"
#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"
#include "otp/term_parse.hpp"
#include "receive_patterns.hpp"
#include "runtime_core.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <semaphore.h>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace otp::application {

// A named namespace, not an anonymous one: its types live in coroutine
// frames, and the sanitizer presets build the library as one unit.
namespace app_impl {

using internal::down_of;
using internal::exit_of;

using registry = detail::application_registry;
using spec_ptr = std::shared_ptr<const spec>;

const atom controller_name{"application_controller"};

registry& registry_of(runtime& rt) {
  return rt.core().applications();
}
registry& registry_of(process& self) {
  return self.control().runtime().applications();
}

std::optional<start_type> from_atom(const term& t) {
  for (auto type :
       {start_type::temporary, start_type::transient, start_type::permanent})
    if (t.is_atom(to_atom(type)))
      return type;
  return std::nullopt;
}

term error(term reason) {
  return term{atoms::error, std::move(reason)};
}

/// The spec's defaults, then the config file's and the command line's
/// overrides (erl's order). Caller holds the lock.
void apply_env(registry& reg, const spec& s) {
  registry::env_table& env = registry::find_or_add(reg.env, s.name);
  for (const auto& [key, value] : s.env)
    registry::put(env, key, value);
  for (auto* layer : {&reg.config_overrides, &reg.command_line_overrides})
    if (auto* over = registry::find(*layer, s.name))
      for (const auto& [key, value] : *over)
        registry::put(env, key, value);
}

/// OTP's info_exited report (level notice).
void report_exit(atom app, const term& reason, start_type type) {
  if (!logger::enabled(log_level::notice))
    return;
  try {
    log_notice(log_metadata{{"domain", "otp"},
                            {"label", "{application_controller,exit}"}},
               "    application: {}\n    exited: {}\n    type: {}\n",
               app.text(), to_string(reason), to_atom(type).text());
  } catch (...) {
    // A report never takes the controller down.
  }
}

void notify_node_stop(registry& reg, term reason) {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock{reg.mutex};
    if (reg.node_stop_reason)
      return;
    reg.node_stop_reason = std::move(reason);
    for (auto& [id, hook] : reg.node_stop_hooks)
      hooks.push_back(hook);
  }
  for (auto& hook : hooks)
    hook();
}

// -- the master ---------------------------------------------------------------

/// The master's messages: `{'$app_started', Master, ok | {error, R}}` to the
/// controller, `'$app_terminate'` from it.
const atom started_tag{"$app_started"};
const atom terminate_tag{"$app_terminate"};

/// `{'EXIT', Top, _}` or the controller's terminate.
struct master_event {
  explicit master_event(pid t) : top(std::move(t)) {}
  pid top;
  bool operator()(const term& m) const {
    return m.is_atom(terminate_tag) ||
           (m.is_tuple(3) && m[0].is_atom(atoms::EXIT) && m[1].is_pid() &&
            m[1].as_pid() == top);
  }
};

/// `{App, start, [normal, Args]}`: OTP names the callback module; an
/// otp++ application's callback is its spec, named by the application.
term start_mfa(const spec& s) {
  return term{s.name, "start"_a, term::list({"normal"_a, s.start_args})};
}

/// Runs the start function; the error term of a failed start.
task<expected<gen_server::start_result, term>> run_start(process& self,
                                                         spec_ptr s) {
  std::exception_ptr thrown;
  try {
    gen_server::start_result r = co_await s->start(self, s->start_args);
    if (r.has_value())
      co_return r;
    if (r.ignored())
      co_return unexpected<term>(
          term{"bad_return"_a, term{start_mfa(*s), "ignore"_a}});
    co_return unexpected<term>(term{r.error(), start_mfa(*s)});
  } catch (...) {
    thrown = std::current_exception();
  }
  term reason = internal::exception_reason(thrown);
  co_return unexpected<term>(
      term{"bad_return"_a, term{start_mfa(*s), term{atoms::EXIT, reason}}});
}

/// OTP's application_master (its two processes folded into one): starts
/// the application, links to the top supervisor, and on the controller's
/// terminate runs prep_stop, shuts the supervisor down and runs stop. When
/// the supervisor ends on its own, it runs prep_stop and stop and exits
/// with the supervisor's reason, which the controller sees in its DOWN.
task<> app_master(process& self, spec_ptr s, pid controller) {
  self.trap_exit(true);
  auto started = co_await run_start(self, s);
  if (!started) {
    self.send(controller,
              term{started_tag, self.self(), error(started.error())});
    self.exit(started.error());
  }
  const pid top = started->value();
  self.link(top);
  term state = started->info ? *started->info : term::list({});
  self.send(controller, term{started_tag, self.self(), atoms::ok});

  term event = co_await self.receive(master_event{top});
  if (s->prep_stop)
    state = s->prep_stop(self, std::move(state));
  if (event.is_atom(terminate_tag)) {
    self.exit(top, atoms::shutdown);
    co_await self.receive(exit_of{top});
    if (s->stop)
      s->stop(self, std::move(state));
    co_return;
  }
  if (s->stop)
    s->stop(self, std::move(state));
  self.exit(event[2]);
}

// -- the controller -----------------------------------------------------------

struct started_of {
  explicit started_of(pid m, ref r) : master(std::move(m)), mon(std::move(r)) {}
  pid master;
  ref mon;
  bool operator()(const term& m) const {
    if (m.is_tuple(3) && m[0].is_atom(started_tag))
      return m[1].is_pid() && m[1].as_pid() == master;
    return m.is_tuple(5) && m[0].is_atom(atoms::DOWN) && m[1].is_ref() &&
           m[1].as_ref() == mon;
  }
};

/// OTP's application_controller: starts and stops applications one at a
/// time and watches their masters.
class controller : public gen_server::server<controller> {
public:
  init_result init() {
    reg_ = &registry_of(self());
    return ok();
  }

  task<call_result> handle_call(term request, from) {
    if (request.is_tuple(3) && request[0].is_atom("start"_a) &&
        request[1].is_atom()) {
      auto type = from_atom(request[2]);
      if (!type)
        co_return reply(error(term{"badarg"_a, request[2]}));
      co_return reply(co_await start_app(request[1].as_atom(), *type));
    }
    if (request.is_tuple(2) && request[0].is_atom("stop"_a) &&
        request[1].is_atom())
      co_return reply(co_await stop_app(request[1].as_atom()));
    if (request.is_atom("stop_all"_a)) {
      co_await stop_all();
      co_return reply(atoms::ok);
    }
    co_return reply(error(term{"bad_request"_a, request}));
  }

  /// A master's DOWN that no stop asked for: the application's top
  /// supervisor ended on its own.
  task<info_result> handle_info(term msg) {
    if (!(msg.is_tuple(5) && msg[0].is_atom(atoms::DOWN) && msg[1].is_ref()))
      co_return noreply();
    std::optional<registry::running_app> ended;
    {
      std::lock_guard lock{reg_->mutex};
      auto& running = reg_->running;
      auto it = std::find_if(running.begin(), running.end(), [&](auto& r) {
        return r.monitor == msg[1].as_ref();
      });
      if (it == running.end())
        co_return noreply();
      ended = *it;
      running.erase(it);
    }
    const term reason = msg[4];
    report_exit(ended->name, reason, ended->type);
    const bool stops_node = ended->type == start_type::permanent ||
                            (ended->type == start_type::transient &&
                             !reason.is_atom(atoms::normal));
    if (stops_node) {
      co_await stop_all();
      notify_node_stop(*reg_,
                       term{"application_terminated"_a, ended->name, reason});
    }
    co_return noreply();
  }

private:
  task<term> start_app(atom app, start_type type) {
    spec_ptr s;
    {
      std::lock_guard lock{reg_->mutex};
      auto* found = registry::find(reg_->loaded, app);
      if (!found)
        co_return error(term{"not_loaded"_a, app});
      s = *found;
      auto is_running = [&](atom a) {
        return std::any_of(reg_->running.begin(), reg_->running.end(),
                           [&](const auto& r) { return r.name == a; });
      };
      if (is_running(app))
        co_return error(term{"already_started"_a, app});
      for (atom dep : s->dependencies)
        if (!is_running(dep))
          co_return error(term{"not_started"_a, dep});
    }
    registry::running_app entry{app, type, pid{}, ref{}};
    if (s->start) {
      auto [master, mon] = self().spawn_monitor(app_master, s, self().self());
      term answer = co_await self().receive(started_of{master, mon});
      term result =
          answer[0].is_atom(atoms::DOWN) ? error(answer[4]) : answer[2];
      if (!result.is_atom(atoms::ok)) {
        self().demonitor(mon, flush);
        report_exit(app, result[1], type);
        co_return result;
      }
      entry.master = master;
      entry.monitor = mon;
    }
    std::lock_guard lock{reg_->mutex};
    reg_->running.insert(reg_->running.begin(), std::move(entry));
    co_return term{atoms::ok};
  }

  task<term> stop_app(atom app) {
    std::optional<registry::running_app> entry;
    {
      std::lock_guard lock{reg_->mutex};
      auto& running = reg_->running;
      auto it = std::find_if(running.begin(), running.end(),
                             [&](auto& r) { return r.name == app; });
      if (it == running.end())
        co_return error(term{"not_started"_a, app});
      entry = *it;
      running.erase(it);
    }
    co_await stop_master(*entry);
    co_return term{atoms::ok};
  }

  /// Every running application, most recently started first.
  task<> stop_all() {
    for (;;) {
      std::optional<registry::running_app> entry;
      {
        std::lock_guard lock{reg_->mutex};
        if (reg_->running.empty())
          co_return;
        entry = reg_->running.front();
        reg_->running.erase(reg_->running.begin());
      }
      co_await stop_master(*entry);
    }
  }

  /// Asks the master to stop the application and waits for it (OTP waits
  /// as long as the top supervisor's shutdown takes).
  task<> stop_master(registry::running_app entry) {
    if (entry.master) {
      self().send(entry.master, term{terminate_tag});
      co_await self().receive(down_of{entry.monitor});
    }
    report_exit(entry.name, "stopped"_a, entry.type);
  }

  registry* reg_ = nullptr;
};

/// The node's controller, started on first use.
task<pid> controller_of(process& self) {
  if (pid p = self.whereis(controller_name))
    co_return p;
  gen_server::start_options options{controller_name};
  auto started = co_await gen_server::start<controller>(self, options);
  if (started)
    co_return *started;
  co_return self.whereis(controller_name); // lost a race: the winner's
}

pid controller_of(runtime& rt) {
  if (pid p = rt.core().whereis(controller_name))
    return p;
  auto started = gen_server::start<controller>(
      rt, gen_server::start_options{controller_name});
  return started ? *started : rt.core().whereis(controller_name);
}

expected<void, term> to_void(const term& answer) {
  if (answer.is_atom(atoms::ok))
    return {};
  return unexpected<term>(answer.is_tuple(2) ? answer[1] : answer);
}

std::vector<atom> missing_first(registry& reg, atom app,
                                std::vector<atom>& seen,
                                std::optional<term>& failure) {
  // Dependencies first, depth first, each once (OTP's ensure_all_started
  // order). A dependency that is not loaded fails the whole start.
  std::vector<atom> order;
  if (std::find(seen.begin(), seen.end(), app) != seen.end())
    return order;
  seen.push_back(app);
  std::vector<atom> deps;
  {
    std::lock_guard lock{reg.mutex};
    auto* s = registry::find(reg.loaded, app);
    if (!s) {
      failure = term{app, term{"not_loaded"_a, app}};
      return order;
    }
    deps = (*s)->dependencies;
  }
  for (atom dep : deps) {
    auto sub = missing_first(reg, dep, seen, failure);
    if (failure)
      return order;
    order.insert(order.end(), sub.begin(), sub.end());
  }
  order.push_back(app);
  return order;
}

bool is_running(registry& reg, atom app) {
  std::lock_guard lock{reg.mutex};
  return std::any_of(reg.running.begin(), reg.running.end(),
                     [&](const auto& r) { return r.name == app; });
}

std::vector<app_info> running_rows(registry& reg) {
  std::vector<app_info> rows;
  std::lock_guard lock{reg.mutex};
  for (const auto& r : reg.running) {
    auto* s = registry::find(reg.loaded, r.name);
    rows.push_back(s ? app_info{r.name, (*s)->description, (*s)->version}
                     : app_info{r.name, {}, {}});
  }
  return rows;
}

} // namespace app_impl

using namespace app_impl;

atom to_atom(start_type t) noexcept {
  switch (t) {
  case start_type::transient:
    return "transient"_a;
  case start_type::permanent:
    return "permanent"_a;
  case start_type::temporary:
    break;
  }
  return "temporary"_a;
}

term app_info::to_term() const {
  return term{name, term::charlist(description), term::charlist(version)};
}

// -- loading ------------------------------------------------------------------

expected<void, term> load(runtime& rt, spec s) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  if (registry::find(reg.loaded, s.name))
    return unexpected<term>(term{"already_loaded"_a, s.name});
  auto shared = std::make_shared<const spec>(std::move(s));
  apply_env(reg, *shared);
  reg.loaded.emplace_back(shared->name, shared);
  return {};
}

expected<void, term> unload(runtime& rt, atom app) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  auto it = std::find_if(reg.loaded.begin(), reg.loaded.end(),
                         [&](const auto& l) { return l.first == app; });
  if (it == reg.loaded.end())
    return unexpected<term>(term{"not_loaded"_a, app});
  if (std::any_of(reg.running.begin(), reg.running.end(),
                  [&](const auto& r) { return r.name == app; }))
    return unexpected<term>(term{"running"_a, app});
  reg.loaded.erase(it);
  std::erase_if(reg.env, [&](const auto& e) { return e.first == app; });
  return {};
}

std::vector<app_info> loaded_applications(runtime& rt) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  std::vector<app_info> rows;
  for (auto it = reg.loaded.rbegin(); it != reg.loaded.rend(); ++it)
    rows.push_back({it->first, it->second->description, it->second->version});
  return rows;
}

// -- configuration ------------------------------------------------------------

namespace app_impl {

/// Records an override layer's value and applies it to a loaded
/// application (a command-line value is not overridden by a config file).
void add_override(registry& reg, registry::atom_map<registry::env_table>& layer,
                  atom app, atom key, term value) {
  registry::put(registry::find_or_add(layer, app), key, value);
  if (!registry::find(reg.loaded, app))
    return;
  if (&layer == &reg.config_overrides) {
    auto* cmd = registry::find(reg.command_line_overrides, app);
    if (cmd && registry::find(*cmd, key))
      return;
  }
  registry::put(registry::find_or_add(reg.env, app), key, std::move(value));
}

/// `[{App, [{Key, Value}]}]`: the error text, or empty.
std::string take_config(registry& reg, const term& config) {
  if (!config.is_list())
    return "the configuration is not a list";
  std::vector<std::tuple<atom, atom, term>> values;
  for (const term& entry : config.as_list()) {
    if (!(entry.is_tuple(2) && entry[0].is_atom() && entry[1].is_list()))
      return fmt::format("not an {{Application, [{{Key, Value}}]}} entry: {}",
                         to_string(entry));
    for (const term& pair : entry[1].as_list()) {
      if (!(pair.is_tuple(2) && pair[0].is_atom()))
        return fmt::format("not a {{Key, Value}} pair in {}'s entry: {}",
                           entry[0].as_atom().text(), to_string(pair));
      values.emplace_back(entry[0].as_atom(), pair[0].as_atom(), pair[1]);
    }
  }
  std::lock_guard lock{reg.mutex};
  for (auto& [app, key, value] : values)
    add_override(reg, reg.config_overrides, app, key, std::move(value));
  return {};
}

/// An erl flag naming an application: `-name` with an atom's spelling.
bool is_atom_text(std::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z'))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '@';
  });
}

} // namespace app_impl

expected<void, std::string> load_config(runtime& rt,
                                        const std::filesystem::path& file) {
  auto terms = consult_file(file);
  if (!terms)
    return unexpected<std::string>(
        fmt::format("{}: {}", file.string(), terms.error().message()));
  if (terms->size() != 1)
    return unexpected<std::string>(fmt::format(
        "{}: expected one term, found {}", file.string(), terms->size()));
  std::string bad = take_config(registry_of(rt), terms->front());
  if (!bad.empty())
    return unexpected<std::string>(fmt::format("{}: {}", file.string(), bad));
  return {};
}

expected<void, std::string> configure(runtime& rt, int argc,
                                      const char* const* argv) {
  // Config files first, whatever their place: the command line's values
  // override them (erl's rule).
  for (int i = 1; i < argc; ++i) {
    if (std::string_view{argv[i]} != "-config")
      continue;
    if (i + 1 >= argc)
      return unexpected<std::string>("-config needs a file name");
    std::filesystem::path file{argv[++i]};
    if (file.extension() != ".config" && !std::filesystem::exists(file))
      file += ".config";
    if (auto ok = load_config(rt, file); !ok)
      return ok;
  }
  registry& reg = registry_of(rt);
  for (int i = 1; i + 2 < argc; ++i) {
    std::string_view flag{argv[i]};
    if (flag.size() < 2 || flag[0] != '-' || flag == "-config" ||
        !is_atom_text(flag.substr(1)) || !is_atom_text(argv[i + 1]))
      continue;
    auto value = parse_term(argv[i + 2]);
    if (!value)
      return unexpected<std::string>(fmt::format("{} {} {}: {}", flag,
                                                 argv[i + 1], argv[i + 2],
                                                 value.error().message()));
    std::lock_guard lock{reg.mutex};
    add_override(reg, reg.command_line_overrides, atom{flag.substr(1)},
                 atom{argv[i + 1]}, std::move(*value));
    i += 2;
  }
  return {};
}

// -- environment --------------------------------------------------------------

namespace app_impl {

std::optional<term> env_value(registry& reg, atom app, atom key) {
  std::lock_guard lock{reg.mutex};
  auto* env = registry::find(reg.env, app);
  if (!env)
    return std::nullopt;
  auto* value = registry::find(*env, key);
  return value ? std::optional<term>{*value} : std::nullopt;
}

void put_env(registry& reg, atom app, atom key, term value) {
  std::lock_guard lock{reg.mutex};
  registry::put(registry::find_or_add(reg.env, app), key, std::move(value));
}

} // namespace app_impl

std::optional<term> get_env(runtime& rt, atom app, atom key) {
  return env_value(registry_of(rt), app, key);
}
term get_env(runtime& rt, atom app, atom key, term fallback) {
  auto v = get_env(rt, app, key);
  return v ? std::move(*v) : std::move(fallback);
}
std::optional<term> get_env(process& self, atom app, atom key) {
  return env_value(registry_of(self), app, key);
}
term get_env(process& self, atom app, atom key, term fallback) {
  auto v = get_env(self, app, key);
  return v ? std::move(*v) : std::move(fallback);
}

std::vector<std::pair<atom, term>> get_all_env(runtime& rt, atom app) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  auto* env = registry::find(reg.env, app);
  if (!env)
    return {};
  auto all = *env;
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first.text() < b.first.text();
  });
  return all;
}

void set_env(runtime& rt, atom app, atom key, term value) {
  put_env(registry_of(rt), app, key, std::move(value));
}
void set_env(process& self, atom app, atom key, term value) {
  put_env(registry_of(self), app, key, std::move(value));
}

void unset_env(runtime& rt, atom app, atom key) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  if (auto* env = registry::find(reg.env, app))
    std::erase_if(*env, [&](const auto& e) { return e.first == key; });
}

// -- starting and stopping ----------------------------------------------------

task<expected<void, term>> start(process& self, atom app, start_type type) {
  const pid c = co_await controller_of(self);
  term request{"start"_a, app, to_atom(type)};
  term answer = co_await gen_server::call(self, c, request, infinity);
  co_return to_void(answer);
}

task<expected<std::vector<atom>, term>>
ensure_all_started(process& self, atom app, start_type type) {
  std::vector<atom> seen;
  std::optional<term> failure;
  std::vector<atom> order =
      missing_first(registry_of(self), app, seen, failure);
  if (failure)
    co_return unexpected<term>(*failure);
  std::vector<atom> started;
  for (atom a : order) {
    if (is_running(registry_of(self), a))
      continue;
    auto ok = co_await start(self, a, type);
    if (!ok) {
      for (auto it = started.rbegin(); it != started.rend(); ++it)
        co_await stop(self, *it);
      co_return unexpected<term>(term{a, ok.error()});
    }
    started.push_back(a);
  }
  co_return started;
}

task<expected<void, term>> stop(process& self, atom app) {
  const pid c = co_await controller_of(self);
  term request{"stop"_a, app};
  term answer = co_await gen_server::call(self, c, request, infinity);
  co_return to_void(answer);
}

task<std::vector<app_info>> which_applications(process& self) {
  co_return running_rows(registry_of(self));
}

namespace app_impl {

expected<void, term> blocking_call(runtime& rt, term request) {
  scoped_mailbox me{rt};
  auto answer =
      gen_server::call(me, controller_of(rt), std::move(request), infinity);
  if (!answer)
    return unexpected<term>(answer.error());
  return to_void(*answer);
}

} // namespace app_impl

expected<void, term> start(runtime& rt, atom app, start_type type) {
  return blocking_call(rt, term{"start"_a, app, to_atom(type)});
}

expected<std::vector<atom>, term> ensure_all_started(runtime& rt, atom app,
                                                     start_type type) {
  std::vector<atom> seen;
  std::optional<term> failure;
  registry& reg = registry_of(rt);
  std::vector<atom> order = missing_first(reg, app, seen, failure);
  if (failure)
    return unexpected<term>(*failure);
  std::vector<atom> started;
  for (atom a : order) {
    if (is_running(reg, a))
      continue;
    if (auto ok = start(rt, a, type); !ok) {
      for (auto it = started.rbegin(); it != started.rend(); ++it)
        (void)stop(rt, *it);
      return unexpected<term>(term{a, ok.error()});
    }
    started.push_back(a);
  }
  return started;
}

expected<void, term> stop(runtime& rt, atom app) {
  return blocking_call(rt, term{"stop"_a, app});
}

std::vector<app_info> which_applications(runtime& rt) {
  return running_rows(registry_of(rt));
}

// -- the node -----------------------------------------------------------------

std::optional<term> node_stop_reason(runtime& rt) {
  registry& reg = registry_of(rt);
  std::lock_guard lock{reg.mutex};
  return reg.node_stop_reason;
}

void stop_node(runtime& rt) {
  notify_node_stop(registry_of(rt), atoms::normal);
}
void stop_node(process& self) {
  notify_node_stop(registry_of(self), atoms::normal);
}

namespace app_impl {

/// run_node's wake-up: posted by the signal handler (sem_post is
/// async-signal-safe; a condition variable is not) and by the node-stop
/// hook.
sem_t& wake_semaphore() {
  static sem_t sem = [] {
    sem_t s;
    sem_init(&s, 0, 0);
    return s;
  }();
  return sem;
}

volatile std::sig_atomic_t last_signal = 0;

extern "C" void on_stop_signal(int sig) {
  last_signal = sig;
  sem_post(&wake_semaphore());
}

/// Installs the SIGINT/SIGTERM handlers and the node-stop hook for its
/// lifetime; restores what was there before.
class stop_listener {
public:
  explicit stop_listener(registry& reg) : reg_(reg) {
    sem_t& sem = wake_semaphore();
    while (sem_trywait(&sem) == 0) {
    }
    last_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
    std::lock_guard lock{reg_.mutex};
    hook_ = reg_.next_hook_id++;
    reg_.node_stop_hooks.emplace_back(hook_,
                                      [] { sem_post(&wake_semaphore()); });
    if (reg_.node_stop_reason)
      sem_post(&wake_semaphore());
  }
  ~stop_listener() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    std::lock_guard lock{reg_.mutex};
    std::erase_if(reg_.node_stop_hooks,
                  [&](const auto& h) { return h.first == hook_; });
  }
  stop_listener(const stop_listener&) = delete;
  stop_listener& operator=(const stop_listener&) = delete;

  void wait() {
    while (sem_wait(&wake_semaphore()) != 0 && errno == EINTR) {
    }
  }

private:
  registry& reg_;
  int hook_ = 0;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

void stop_everything(runtime& rt) {
  if (auto stopped = blocking_call(rt, "stop_all"_a); !stopped)
    log_error("application_controller: stopping the applications: {}",
              to_string(stopped.error()));
}

} // namespace app_impl

int run_node(runtime& rt, const std::vector<atom>& apps, start_type type) {
  registry& reg = registry_of(rt);
  stop_listener listener{reg};
  for (atom app : apps) {
    if (auto ok = ensure_all_started(rt, app, type); !ok) {
      logger::log(log_level::critical,
                  "application_controller: {} did not start: {}", app.text(),
                  to_string(ok.error()));
      stop_everything(rt);
      return 1;
    }
  }
  listener.wait();
  std::optional<term> reason = node_stop_reason(rt);
  if (reason && reason->is_tuple(3)) {
    // The controller has stopped the other applications already.
    logger::log(log_level::critical,
                "Kernel pid terminated (application_controller) ({})",
                to_string(*reason));
    return 1;
  }
  if (last_signal != 0)
    log_notice("node: {} received, stopping the applications",
               last_signal == SIGINT ? "SIGINT" : "SIGTERM");
  stop_everything(rt);
  return 0;
}

} // namespace otp::application
