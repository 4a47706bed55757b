#pragma once
/// A node's application bookkeeping that needs no process: loaded specs,
/// each application's environment and its overrides, the running list (as
/// the controller keeps it) and the node's stop reason. Thread-safe: every
/// member is read and written under `mutex`.

#include "otp/application.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace otp::detail {

class application_registry {
public:
  /// Keyed by atom, in insertion order (a node has a handful of
  /// applications and a few keys each: a vector is the cheapest map).
  template <class V>
  using atom_map = std::vector<std::pair<atom, V>>;
  using env_table = atom_map<term>;

  struct running_app {
    atom name;
    application::start_type type;
    pid master; ///< null for a library application
    ref monitor;
  };

  std::mutex mutex;
  atom_map<std::shared_ptr<const application::spec>> loaded;
  atom_map<env_table> env;
  /// Overrides from a config file, then from the command line (applied in
  /// that order over the spec's defaults when an application is loaded).
  atom_map<env_table> config_overrides;
  atom_map<env_table> command_line_overrides;
  /// Most recently started first (OTP's order for which_applications and
  /// for stopping).
  std::vector<running_app> running;
  std::optional<term> node_stop_reason;
  /// Told once when the node must stop (run_node's wake-up).
  std::vector<std::pair<int, std::function<void()>>> node_stop_hooks;
  int next_hook_id = 0;

  template <class V>
  static V* find(atom_map<V>& m, atom key) {
    for (auto& [k, v] : m)
      if (k == key)
        return &v;
    return nullptr;
  }
  template <class V>
  static V& find_or_add(atom_map<V>& m, atom key) {
    if (V* v = find(m, key))
      return *v;
    return m.emplace_back(key, V{}).second;
  }
  static void put(env_table& t, atom key, term value) {
    find_or_add(t, key) = std::move(value);
  }
};

} // namespace otp::detail
