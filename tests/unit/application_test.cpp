// application (SEMANTICS §6): load and unload, start with dependencies,
// ensure_all_started, stop with prep_stop and stop, the start types'
// reactions to a top supervisor's death, the environment and its
// overrides, which_applications, and the node's main loop. Results checked
// against Erlang/OTP 25 (application.erl in erl).

#include "otp/application.hpp"

#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"
#include "sigtest.hpp"

#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;

namespace application_test {

using otp::atom;
using otp::pid;
using otp::term;
namespace app = otp::application;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;

/// What the applications did, in order. Guarded by a mutex for the tests
/// on the real runtime.
struct world {
  std::mutex mutex;
  std::vector<term> log; ///< {start, App, Args}, {prep_stop, App, State},
                         ///< {stop, App, State}, {top_exit, App, Reason}
  std::map<std::string, pid> tops;
  /// App → how its start goes: error, throw, ignore (default: ok).
  std::map<std::string, std::string> mode;

  void add(term t) {
    std::lock_guard lock{mutex};
    log.push_back(std::move(t));
  }
  std::vector<term> events() {
    std::lock_guard lock{mutex};
    return log;
  }
  pid top(atom a) {
    std::lock_guard lock{mutex};
    return tops[std::string{a.text()}];
  }
};

/// An application's top process: exits with R on `{die, R}`, and logs the
/// shutdown its master asks for.
otp::task<> top_body(otp::process& self, world* w, atom app) {
  self.trap_exit(true);
  for (;;) {
    term m = co_await self.receive();
    if (sigtest::is_exit(m)) {
      w->add(term{"top_exit"_a, app, m[2]});
      self.exit(m[2]);
    }
    if (m.is_tuple(2) && m[0] == term{"die"_a})
      self.exit(m[1]);
  }
}

app::spec make_app(world& w, atom name, std::vector<atom> deps = {}) {
  app::spec s{name};
  s.with_description(std::string{name.text()} + " app")
      .with_version("1.0")
      .with_dependencies(std::move(deps))
      .with_start(
          [&w, name](otp::process& self,
                     term args) -> otp::task<gs::start_result> {
            w.add(term{"start"_a, name, args});
            std::string mode;
            {
              std::lock_guard lock{w.mutex};
              mode = w.mode[std::string{name.text()}];
            }
            if (mode == "error")
              co_return gs::start_result::failed("boom"_a);
            if (mode == "throw")
              throw std::runtime_error("no start");
            if (mode == "ignore")
              co_return gs::start_result::ignore();
            pid top = self.spawn_link(top_body, &w, name);
            {
              std::lock_guard lock{w.mutex};
              w.tops[std::string{name.text()}] = top;
            }
            co_return gs::start_result::ok(top, term{"state"_a, name});
          },
          term::list({"arg"_a}))
      .with_prep_stop([&w, name](otp::process&, term state) {
        w.add(term{"prep_stop"_a, name, state});
        return term{"prepped"_a, state};
      })
      .with_stop([&w, name](otp::process&, term state) {
        w.add(term{"stop"_a, name, std::move(state)});
      });
  return s;
}

term err(term reason) {
  return term{atoms::error, std::move(reason)};
}

term as_term(const otp::expected<void, term>& r) {
  return r ? term{atoms::ok} : err(r.error());
}
term as_term(const otp::expected<std::vector<atom>, term>& r) {
  if (!r)
    return err(r.error());
  std::vector<term> names(r->begin(), r->end());
  return term{atoms::ok, term::list(names)};
}

std::vector<atom> names(const std::vector<app::app_info>& rows) {
  std::vector<atom> out;
  for (const auto& r : rows)
    out.push_back(r.name);
  return out;
}

/// Runs `step` in a fresh process on the testkit until everything is idle.
template <class Step>
void in_process(otp::testkit& kit, Step step) {
  kit.spawn([step](otp::process& self) -> otp::task<> { co_await step(self); });
  kit.run_until_idle();
}

term start_in(otp::testkit& kit, atom a,
              app::start_type type = app::start_type::temporary) {
  term out;
  in_process(kit, [&out, a, type](otp::process& self) -> otp::task<> {
    out = as_term(co_await app::start(self, a, type));
  });
  return out;
}

term stop_in(otp::testkit& kit, atom a) {
  term out;
  in_process(kit, [&out, a](otp::process& self) -> otp::task<> {
    out = as_term(co_await app::stop(self, a));
  });
  return out;
}

term ensure_in(otp::testkit& kit, atom a,
               app::start_type type = app::start_type::temporary) {
  term out;
  in_process(kit, [&out, a, type](otp::process& self) -> otp::task<> {
    out = as_term(co_await app::ensure_all_started(self, a, type));
  });
  return out;
}

std::vector<atom> running(otp::testkit& kit) {
  std::vector<atom> out;
  in_process(kit, [&out](otp::process& self) -> otp::task<> {
    out = names(co_await app::which_applications(self));
  });
  return out;
}

class Application : public ::testing::Test {
protected:
  sigtest::log_capture logs;
  world w;
  otp::testkit kit;
};

// -- load and unload ----------------------------------------------------------

TEST_F(Application, LoadTwiceIsAlreadyLoaded) {
  EXPECT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  EXPECT_EQ(as_term(app::load(kit, make_app(w, "a1"_a))),
            err(term{"already_loaded"_a, "a1"_a}));
  auto loaded = app::loaded_applications(kit);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].to_term(),
            (term{"a1"_a, term::charlist("a1 app"), term::charlist("1.0")}));
}

TEST_F(Application, UnloadNotLoadedOrRunningFails) {
  EXPECT_EQ(as_term(app::unload(kit, "a1"_a)),
            err(term{"not_loaded"_a, "a1"_a}));
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(as_term(app::unload(kit, "a1"_a)), err(term{"running"_a, "a1"_a}));
  ASSERT_EQ(stop_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_TRUE(app::unload(kit, "a1"_a));
  EXPECT_TRUE(app::loaded_applications(kit).empty());
}

// -- start --------------------------------------------------------------------

TEST_F(Application, StartRunsTheStartFunctionWithItsArgs) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  EXPECT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(w.events(), (std::vector<term>{
                            term{"start"_a, "a1"_a, term::list({"arg"_a})}}));
  EXPECT_EQ(running(kit), (std::vector<atom>{"a1"_a}));
  auto rows = app::which_applications(kit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].description, "a1 app");
  EXPECT_EQ(rows[0].version, "1.0");
}

TEST_F(Application, TheTopProcessIsLinkedToTheMaster) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  auto info = kit.info(w.top("a1"_a));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->links.size(), 1u);
}

TEST_F(Application, StartTwiceIsAlreadyStarted) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(start_in(kit, "a1"_a), err(term{"already_started"_a, "a1"_a}));
}

TEST_F(Application, StartWithADependencyNotRunningIsNotStarted) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a, {"a1"_a})));
  EXPECT_EQ(start_in(kit, "a2"_a), err(term{"not_started"_a, "a1"_a}));
  EXPECT_TRUE(w.events().empty());
}

TEST_F(Application, StartOfAnApplicationNotLoadedIsNotLoaded) {
  EXPECT_EQ(start_in(kit, "nosuch"_a), err(term{"not_loaded"_a, "nosuch"_a}));
}

TEST_F(Application, AStartErrorNamesTheCallbackAndIsReported) {
  w.mode["a3"] = "error";
  ASSERT_TRUE(app::load(kit, make_app(w, "a3"_a)));
  const term mfa{"a3"_a, "start"_a,
                 term::list({"normal"_a, term::list({"arg"_a})})};
  EXPECT_EQ(start_in(kit, "a3"_a), err(term{"boom"_a, mfa}));
  EXPECT_TRUE(running(kit).empty());
  EXPECT_EQ(logs.count("application: a3\n    exited: {boom,{a3,start,"), 1u);
}

TEST_F(Application, AStartExceptionIsABadReturn) {
  w.mode["a3"] = "throw";
  ASSERT_TRUE(app::load(kit, make_app(w, "a3"_a)));
  term r = start_in(kit, "a3"_a);
  ASSERT_TRUE(r.is_tuple(2) && r[1].is_tuple(2)) << otp::to_string(r);
  EXPECT_EQ(r[1][0], term{"bad_return"_a});
  EXPECT_EQ(r[1][1][1][0], term{atoms::EXIT});
  EXPECT_NE(otp::to_string(r).find("no start"), std::string::npos);
  EXPECT_TRUE(running(kit).empty());
}

TEST_F(Application, ALibraryApplicationOnlyRuns) {
  ASSERT_TRUE(app::load(kit, app::spec{"lib"_a}.with_version("2")));
  EXPECT_EQ(start_in(kit, "lib"_a), term{atoms::ok});
  EXPECT_EQ(running(kit), (std::vector<atom>{"lib"_a}));
  EXPECT_EQ(stop_in(kit, "lib"_a), term{atoms::ok});
  EXPECT_TRUE(running(kit).empty());
}

TEST_F(Application, WhichApplicationsIsMostRecentFirst) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  ASSERT_EQ(start_in(kit, "a2"_a), term{atoms::ok});
  EXPECT_EQ(running(kit), (std::vector<atom>{"a2"_a, "a1"_a}));
}

// -- ensure_all_started -------------------------------------------------------

TEST_F(Application, EnsureAllStartedStartsDependenciesFirst) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a, {"a1"_a})));
  ASSERT_TRUE(app::load(kit, make_app(w, "a4"_a, {"a1"_a, "a2"_a})));
  EXPECT_EQ(ensure_in(kit, "a4"_a),
            (term{atoms::ok, term::list({"a1"_a, "a2"_a, "a4"_a})}));
  EXPECT_EQ(ensure_in(kit, "a4"_a), (term{atoms::ok, term::list({})}));
}

TEST_F(Application, EnsureAllStartedSkipsWhatRuns) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a, {"a1"_a})));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(ensure_in(kit, "a2"_a), (term{atoms::ok, term::list({"a2"_a})}));
}

TEST_F(Application, EnsureAllStartedUndoesItsStartsOnAFailure) {
  w.mode["a3"] = "error";
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a3"_a, {"a1"_a})));
  ASSERT_TRUE(app::load(kit, make_app(w, "a4"_a, {"a3"_a})));
  term r = ensure_in(kit, "a4"_a);
  const term mfa{"a3"_a, "start"_a,
                 term::list({"normal"_a, term::list({"arg"_a})})};
  EXPECT_EQ(r, err(term{"a3"_a, term{"boom"_a, mfa}}));
  EXPECT_TRUE(running(kit).empty()); // a1 was stopped again
}

TEST_F(Application, EnsureAllStartedWithADependencyNotLoaded) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a, {"ghost"_a})));
  EXPECT_EQ(ensure_in(kit, "a2"_a),
            err(term{"ghost"_a, term{"not_loaded"_a, "ghost"_a}}));
}

// -- stop ---------------------------------------------------------------------

TEST_F(Application, StopRunsPrepStopThenShutsDownThenStop) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(stop_in(kit, "a1"_a), term{atoms::ok});
  const term state{"state"_a, "a1"_a};
  EXPECT_EQ(w.events(), (std::vector<term>{
                            term{"start"_a, "a1"_a, term::list({"arg"_a})},
                            term{"prep_stop"_a, "a1"_a, state},
                            term{"top_exit"_a, "a1"_a, atoms::shutdown},
                            term{"stop"_a, "a1"_a, term{"prepped"_a, state}}}));
  EXPECT_EQ(logs.count("application: a1\n    exited: stopped\n"
                       "    type: temporary"),
            1u);
  EXPECT_TRUE(running(kit).empty());
}

TEST_F(Application, StopOfAnApplicationNotRunningIsNotStarted) {
  EXPECT_EQ(stop_in(kit, "a1"_a), err(term{"not_started"_a, "a1"_a}));
}

TEST_F(Application, StoppingADependencyLeavesItsDependentsRunning) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(kit, make_app(w, "a2"_a, {"a1"_a})));
  ASSERT_EQ(ensure_in(kit, "a2"_a),
            (term{atoms::ok, term::list({"a1"_a, "a2"_a})}));
  EXPECT_EQ(stop_in(kit, "a1"_a), term{atoms::ok});
  EXPECT_EQ(running(kit), (std::vector<atom>{"a2"_a}));
}

TEST_F(Application, ARealSupervisorTreeIsShutDownByStop) {
  std::vector<term> terminated;
  class worker : public gs::server<worker> {
  public:
    explicit worker(std::vector<term>* out) : out_(out) {}
    init_result init() {
      self().trap_exit(true);
      return ok();
    }
    void terminate(const term& r) { out_->push_back(r); }

  private:
    std::vector<term>* out_;
  };
  app::spec s{"tree"_a};
  s.with_start(
      [&terminated](otp::process& self, term) -> otp::task<gs::start_result> {
        namespace sv = otp::supervisor;
        sv::spec tree{sv::flags{sv::one_for_one},
                      sv::child_spec::worker<worker>("w"_a, &terminated)};
        co_return co_await sv::start_link(self, {"tree_sup"_a}, tree);
      });
  ASSERT_TRUE(app::load(kit, std::move(s)));
  ASSERT_EQ(start_in(kit, "tree"_a), term{atoms::ok});
  EXPECT_TRUE(kit.whereis("tree_sup"_a));
  EXPECT_EQ(stop_in(kit, "tree"_a), term{atoms::ok});
  EXPECT_EQ(terminated, (std::vector<term>{term{atoms::shutdown}}));
  EXPECT_FALSE(kit.whereis("tree_sup"_a));
}

// -- the top supervisor's death -----------------------------------------------

TEST_F(Application, TopDeathRunsPrepStopAndStopAndIsReported) {
  ASSERT_TRUE(app::load(kit, make_app(w, "a1"_a)));
  ASSERT_EQ(start_in(kit, "a1"_a), term{atoms::ok});
  kit.send(w.top("a1"_a), term{"die"_a, "oops"_a});
  kit.run_until_idle();
  const term state{"state"_a, "a1"_a};
  auto events = w.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1], (term{"prep_stop"_a, "a1"_a, state}));
  EXPECT_EQ(events[2], (term{"stop"_a, "a1"_a, term{"prepped"_a, state}}));
  EXPECT_EQ(logs.count("application: a1\n    exited: oops\n"
                       "    type: temporary"),
            1u);
  EXPECT_TRUE(running(kit).empty());
  EXPECT_FALSE(app::node_stop_reason(kit));
}

/// Starts a1 (the one that dies) after a2 and a3, with `type`, kills a1's
/// top with `reason`; returns whether the node stopped.
bool node_stops_after(otp::testkit& kit, world& w, app::start_type type,
                      term reason) {
  for (atom a : {"a2"_a, "a3"_a, "a1"_a})
    EXPECT_TRUE(app::load(kit, make_app(w, a)));
  EXPECT_EQ(start_in(kit, "a2"_a), term{atoms::ok});
  EXPECT_EQ(start_in(kit, "a3"_a), term{atoms::ok});
  EXPECT_EQ(start_in(kit, "a1"_a, type), term{atoms::ok});
  kit.send(w.top("a1"_a), term{"die"_a, reason});
  kit.run_until_idle();
  auto stop_reason = app::node_stop_reason(kit);
  if (!stop_reason)
    return false;
  EXPECT_EQ(*stop_reason, (term{"application_terminated"_a, "a1"_a, reason}));
  return true;
}

TEST_F(Application, ATemporaryApplicationsDeathIsOnlyReported) {
  EXPECT_FALSE(
      node_stops_after(kit, w, app::start_type::temporary, atoms::shutdown));
  EXPECT_EQ(running(kit), (std::vector<atom>{"a3"_a, "a2"_a}));
}

TEST_F(Application, ATransientApplicationsNormalEndIsOnlyReported) {
  EXPECT_FALSE(
      node_stops_after(kit, w, app::start_type::transient, atoms::normal));
  EXPECT_EQ(logs.count("exited: normal\n    type: transient"), 1u);
  EXPECT_EQ(running(kit), (std::vector<atom>{"a3"_a, "a2"_a}));
}

TEST_F(Application, ATransientApplicationsAbnormalEndStopsTheNode) {
  EXPECT_TRUE(
      node_stops_after(kit, w, app::start_type::transient, atoms::shutdown));
  EXPECT_TRUE(running(kit).empty());
  // The others stop in reverse start order: a3, then a2.
  std::vector<term> stops;
  for (const term& e : w.events())
    if (e[0] == term{"stop"_a})
      stops.push_back(e[1]);
  EXPECT_EQ(stops,
            (std::vector<term>{term{"a1"_a}, term{"a3"_a}, term{"a2"_a}}));
}

TEST_F(Application, APermanentApplicationsEndStopsTheNodeEvenWhenNormal) {
  EXPECT_TRUE(
      node_stops_after(kit, w, app::start_type::permanent, atoms::normal));
  EXPECT_TRUE(running(kit).empty());
  EXPECT_EQ(logs.count("exited: stopped"), 2u);
}

// -- environment --------------------------------------------------------------

TEST_F(Application, EnvHasTheSpecDefaults) {
  ASSERT_TRUE(app::load(
      kit, app::spec{"a1"_a}.with_env("k"_a, 1).with_env("j"_a, 2).with_env(
               "k"_a, 3)));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "k"_a), term{3});
  EXPECT_FALSE(app::get_env(kit, "a1"_a, "zz"_a));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "zz"_a, "dflt"_a), term{"dflt"_a});
  auto all = app::get_all_env(kit, "a1"_a);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "j"_a); // sorted by key
  EXPECT_EQ(all[1].first, "k"_a);
}

TEST_F(Application, SetAndUnsetEnv) {
  app::set_env(kit, "nosuch"_a, "k"_a, 5); // works before any load
  EXPECT_EQ(app::get_env(kit, "nosuch"_a, "k"_a), term{5});
  app::unset_env(kit, "nosuch"_a, "k"_a);
  EXPECT_FALSE(app::get_env(kit, "nosuch"_a, "k"_a));
  EXPECT_TRUE(app::get_all_env(kit, "nosuch"_a).empty());
}

TEST_F(Application, EnvIsReadableFromAProcess) {
  ASSERT_TRUE(app::load(kit, app::spec{"a1"_a}.with_env("k"_a, 1)));
  term seen;
  in_process(kit, [&seen](otp::process& self) -> otp::task<> {
    app::set_env(self, "a1"_a, "j"_a, 7);
    seen = term{app::get_env(self, "a1"_a, "k"_a, 0),
                app::get_env(self, "a1"_a, "j"_a, 0)};
    co_return;
  });
  EXPECT_EQ(seen, (term{1, 7}));
}

TEST_F(Application, UnloadDropsTheEnvAndLoadRestoresTheDefaults) {
  ASSERT_TRUE(app::load(kit, app::spec{"a1"_a}.with_env("k"_a, 1)));
  app::set_env(kit, "a1"_a, "k"_a, 99);
  ASSERT_TRUE(app::unload(kit, "a1"_a));
  EXPECT_FALSE(app::get_env(kit, "a1"_a, "k"_a));
  ASSERT_TRUE(app::load(kit, app::spec{"a1"_a}.with_env("k"_a, 1)));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "k"_a), term{1});
}

/// A config file in the test's temporary directory.
struct config_file {
  explicit config_file(const std::string& text)
      : path(std::filesystem::temp_directory_path() /
             ("otp_app_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() +
              ".config")) {
    std::ofstream{path} << text;
  }
  ~config_file() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

TEST_F(Application, ACommandLineValueOverridesTheConfigFileAndTheDefault) {
  config_file cfg{"%% sys.config\n[{a1, [{k, 10}, {j, \"text\"}]},\n"
                  " {other, [{x, {1, 2}}]}].\n"};
  const std::string path = cfg.path.string();
  const char* argv[] = {"prog",    "-a1",        "k",   "42", "--flag",
                        "-config", path.c_str(), "-a1", "m",  "[1,2]"};
  ASSERT_TRUE(app::configure(kit, 10, argv));
  ASSERT_TRUE(app::load(
      kit, app::spec{"a1"_a}.with_env("k"_a, 1).with_env("j"_a, 2).with_env(
               "d"_a, 3)));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "k"_a), term{42});
  EXPECT_EQ(app::get_env(kit, "a1"_a, "j"_a), term::charlist("text"));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "d"_a), term{3});
  EXPECT_EQ(app::get_env(kit, "a1"_a, "m"_a), term::list({1, 2}));
  // An application loaded later gets its overrides too; one already
  // loaded is overridden at once.
  EXPECT_FALSE(app::get_env(kit, "other"_a, "x"_a));
  ASSERT_TRUE(app::load(kit, app::spec{"other"_a}));
  EXPECT_EQ(app::get_env(kit, "other"_a, "x"_a), (term{1, 2}));
}

TEST_F(Application, ConfigFileNameWithoutExtension) {
  config_file cfg{"[{a1, [{k, 10}]}]."};
  std::string stem = cfg.path.string();
  stem.resize(stem.size() - std::string{".config"}.size());
  const char* argv[] = {"prog", "-config", stem.c_str()};
  ASSERT_TRUE(app::configure(kit, 3, argv));
  ASSERT_TRUE(app::load(kit, app::spec{"a1"_a}));
  EXPECT_EQ(app::get_env(kit, "a1"_a, "k"_a), term{10});
}

TEST_F(Application, BadConfigurationIsAClearError) {
  const char* missing[] = {"prog", "-config", "/nonexistent/sys.config"};
  auto r = app::configure(kit, 3, missing);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("/nonexistent/sys.config"), std::string::npos);

  config_file bad{"[{a1, [{k, 10}]}"}; // unterminated
  auto r2 = app::load_config(kit, bad.path);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().find(bad.path.string()), std::string::npos);

  config_file shape{"[{a1, k}]."};
  auto r3 = app::load_config(kit, shape.path);
  ASSERT_FALSE(r3);
  EXPECT_NE(r3.error().find("{Application, [{Key, Value}]}"),
            std::string::npos);

  const char* bad_value[] = {"prog", "-a1", "k", "{1,"};
  auto r4 = app::configure(kit, 4, bad_value);
  ASSERT_FALSE(r4);
  EXPECT_NE(r4.error().find("-a1 k {1,"), std::string::npos);
}

TEST_F(Application, OtherArgumentsAreLeftAlone) {
  const char* argv[] = {"prog", "--seconds", "3", "-v", "7", "x", "-p", "1"};
  ASSERT_TRUE(app::configure(kit, 8, argv));
  EXPECT_FALSE(app::get_env(kit, "v"_a, "7"_a));
  EXPECT_FALSE(app::get_env(kit, "seconds"_a, "3"_a));
}

// -- the node (the real runtime) ----------------------------------------------

class Node : public ::testing::Test {
protected:
  sigtest::log_capture logs;
  world w;
};

/// A top process that stops the node once it runs, then waits to be shut
/// down (ending on its own would end its permanent application).
otp::task<> stopper(otp::process& self) {
  app::stop_node(self);
  co_await self.receive(sigtest::nothing);
}

/// The same with SIGTERM.
otp::task<> sigterm_raiser(otp::process& self) {
  std::raise(SIGTERM);
  co_await self.receive(sigtest::nothing);
}

TEST_F(Node, RunNodeStopsEveryApplicationInReverseOrderOnStopNode) {
  otp::runtime rt{otp::runtime_options{2}};
  ASSERT_TRUE(app::load(rt, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(rt, make_app(w, "a2"_a, {"a1"_a})));
  app::spec trigger{"trigger"_a};
  trigger.with_dependencies({"a2"_a}).with_start(
      [](otp::process& self, term) -> otp::task<gs::start_result> {
        co_return gs::start_result::ok(self.spawn_link(stopper));
      });
  ASSERT_TRUE(app::load(rt, std::move(trigger)));
  EXPECT_EQ(app::run_node(rt, {"trigger"_a}), 0);
  std::vector<term> stops;
  for (const term& e : w.events())
    if (e[0] == term{"stop"_a})
      stops.push_back(e[1]);
  EXPECT_EQ(stops, (std::vector<term>{term{"a2"_a}, term{"a1"_a}}));
  EXPECT_TRUE(app::which_applications(rt).empty());
}

TEST_F(Node, RunNodeStopsOnSigterm) {
  otp::runtime rt{otp::runtime_options{2}};
  app::spec s{"sig"_a};
  s.with_start([](otp::process& self, term) -> otp::task<gs::start_result> {
    co_return gs::start_result::ok(self.spawn_link(sigterm_raiser));
  });
  ASSERT_TRUE(app::load(rt, std::move(s)));
  EXPECT_EQ(app::run_node(rt, {"sig"_a}), 0);
  EXPECT_EQ(logs.count("SIGTERM received"), 1u);
  EXPECT_TRUE(app::which_applications(rt).empty());
}

TEST_F(Node, APermanentApplicationsDeathEndsRunNodeWithStatusOne) {
  otp::runtime rt{otp::runtime_options{2}};
  ASSERT_TRUE(app::load(rt, make_app(w, "a1"_a)));
  app::spec dying{"dying"_a};
  dying.with_dependencies({"a1"_a}).with_start(
      [](otp::process& self, term) -> otp::task<gs::start_result> {
        co_return gs::start_result::ok(
            self.spawn_link([](otp::process& me) -> otp::task<> {
              me.exit("crashed"_a);
              co_return;
            }));
      });
  ASSERT_TRUE(app::load(rt, std::move(dying)));
  EXPECT_EQ(app::run_node(rt, {"dying"_a}), 1);
  EXPECT_EQ(app::node_stop_reason(rt),
            (term{"application_terminated"_a, "dying"_a, "crashed"_a}));
  EXPECT_EQ(logs.count("Kernel pid terminated (application_controller) "
                       "({application_terminated,dying,crashed})"),
            1u);
  EXPECT_TRUE(app::which_applications(rt).empty());
}

TEST_F(Node, AStartFailureEndsRunNodeWithStatusOne) {
  otp::runtime rt{otp::runtime_options{2}};
  w.mode["a3"] = "error";
  ASSERT_TRUE(app::load(rt, make_app(w, "a1"_a)));
  ASSERT_TRUE(app::load(rt, make_app(w, "a3"_a)));
  EXPECT_EQ(app::run_node(rt, {"a1"_a, "a3"_a}), 1);
  EXPECT_EQ(logs.count("a3 did not start"), 1u);
  EXPECT_TRUE(app::which_applications(rt).empty());
}

} // namespace application_test
