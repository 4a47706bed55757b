// otp::supervisor: OTP 25's supervisor.erl on top of otp::gen_server. The
// server below keeps OTP's structure (do_restart, restart/3,
// restart_multiple_children, terminate_children, shutdown, the dynamic
// children of simple_one_for_one) so each step can be compared with the
// Erlang source; what differs is noted where it happens.

#include "otp/supervisor.hpp"

#include "otp/detail/small_map.hpp"
#include "otp/detail/type_name.hpp"
#include "otp/logger.hpp"
#include "otp/runtime.hpp"
#include "receive_patterns.hpp"
#include "runtime_core.hpp"

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace otp::supervisor {

using std::chrono::milliseconds;

// -- small values -------------------------------------------------------------

term child_shutdown::to_term() const {
  if (brutal_)
    return "brutal_kill"_a;
  if (timeout_ == infinity)
    return atoms::infinity;
  return term{static_cast<std::int64_t>(timeout_.count())};
}

namespace sup_impl {

using internal::down_of;
using internal::exit_of;

term restart_term(restart_type r) {
  switch (r) {
  case restart_type::permanent:
    return "permanent"_a;
  case restart_type::transient:
    return "transient"_a;
  case restart_type::temporary:
    return "temporary"_a;
  }
  return term{static_cast<std::int64_t>(r)};
}

term type_term(child_type t) {
  switch (t) {
  case child_type::worker:
    return "worker"_a;
  case child_type::supervisor:
    return "supervisor"_a;
  }
  return term{static_cast<std::int64_t>(t)};
}

term strategy_term(strategy s) {
  switch (s) {
  case strategy::one_for_one:
    return "one_for_one"_a;
  case strategy::one_for_all:
    return "one_for_all"_a;
  case strategy::rest_for_one:
    return "rest_for_one"_a;
  case strategy::simple_one_for_one:
    return "simple_one_for_one"_a;
  }
  return term{static_cast<std::int64_t>(s)};
}

term auto_shutdown_term(auto_shutdown a) {
  switch (a) {
  case auto_shutdown::never:
    return "never"_a;
  case auto_shutdown::any_significant:
    return "any_significant"_a;
  case auto_shutdown::all_significant:
    return "all_significant"_a;
  }
  return term{static_cast<std::int64_t>(a)};
}

/// normal, shutdown, {shutdown, _}: an ordered end (no transient restart).
bool is_quiet(const term& reason) {
  return gen_server::detail::is_quiet_exit(reason);
}

/// `{M, F, A ++ Extra}` for a simple_one_for_one child (`{M, F, undefined}`
/// when the args were not kept: temporary children).
term with_extra_args(const term& mfargs, const term& extra, bool kept) {
  if (!mfargs.is_tuple(3) || !mfargs[2].is_list())
    return mfargs;
  if (!kept)
    return term{mfargs[0], mfargs[1], atoms::undefined};
  std::vector<term> args;
  for (const term& a : mfargs[2].as_list())
    args.push_back(a);
  if (extra.is_list())
    for (const term& a : extra.as_list())
      args.push_back(a);
  else
    args.push_back(extra);
  return term{mfargs[0], mfargs[1], term::list(std::span<const term>{args})};
}

/// OTP's `#child{}` record as `handle_start_child` returns it in
/// `{error, {What, Child}}`.
term child_record(const child_spec& c, const term& pid_term) {
  return term::tuple("child"_a, pid_term, c.id, c.mfargs,
                     restart_term(c.restart), term{c.significant},
                     c.effective_shutdown().to_term(), type_term(c.type),
                     c.modules);
}

/// OTP's `extract_child/1`: the offender of a report.
term offender(const child_spec& c, term pid_term, const term& mfargs) {
  return term::list({term{"pid"_a, std::move(pid_term)}, term{"id"_a, c.id},
                     term{"mfargs"_a, mfargs},
                     term{"restart_type"_a, restart_term(c.restart)},
                     term{"significant"_a, term{c.significant}},
                     term{"shutdown"_a, c.effective_shutdown().to_term()},
                     term{"child_type"_a, type_term(c.type)}});
}

// -- checks (OTP's check_flags and check_childspec) ---------------------------

std::optional<term> check_flags(const flags& f) {
  if (f.strategy > strategy::simple_one_for_one)
    return term{"invalid_strategy"_a, strategy_term(f.strategy)};
  if (f.intensity < 0)
    return term{"invalid_intensity"_a, f.intensity};
  if (f.period.count() <= 0)
    return term{"invalid_period"_a,
                static_cast<std::int64_t>(f.period.count())};
  if (f.auto_shutdown > auto_shutdown::all_significant)
    return term{"invalid_auto_shutdown"_a, auto_shutdown_term(f.auto_shutdown)};
  return std::nullopt;
}

std::optional<term> check_modules(const term& mods) {
  if (mods.is_atom("dynamic"_a))
    return std::nullopt;
  if (!mods.is_proper_list())
    return term{"invalid_modules"_a, mods};
  for (const term& m : mods.as_list())
    if (!m.is_atom())
      return term{"invalid_module"_a, m};
  return std::nullopt;
}

/// The checks of OTP's do_check_childspec, in its order.
std::optional<term> check_child(const child_spec& c,
                                std::optional<auto_shutdown> as) {
  if (!c.start)
    return "missing_start"_a;
  if (c.restart > restart_type::temporary)
    return term{"invalid_restart_type"_a, restart_term(c.restart)};
  if (c.significant && as == auto_shutdown::never)
    return term{"bad_combination"_a,
                term::list({term{"auto_shutdown"_a, "never"_a},
                            term{"significant"_a, true}})};
  if (c.significant && c.restart == restart_type::permanent)
    return term{"bad_combination"_a,
                term::list({term{"restart"_a, "permanent"_a},
                            term{"significant"_a, true}})};
  if (c.type > child_type::supervisor)
    return term{"invalid_child_type"_a, type_term(c.type)};
  if (c.shutdown && !c.shutdown->is_brutal_kill() &&
      c.shutdown->timeout().count() < 0)
    return term{"invalid_shutdown"_a,
                static_cast<std::int64_t>(c.shutdown->timeout().count())};
  return check_modules(c.modules);
}

/// OTP's check_startspec: each spec, then duplicate ids.
std::optional<term> check_specs(const std::vector<child_spec>& specs,
                                std::optional<auto_shutdown> as) {
  std::unordered_set<term> ids;
  for (const child_spec& c : specs) {
    if (auto e = check_child(c, as))
      return e;
    if (!ids.insert(c.id).second)
      return term{"duplicate_child_name"_a, c.id};
  }
  return std::nullopt;
}

term spec_list(const std::vector<child_spec>& specs) {
  std::vector<term> out;
  out.reserve(specs.size());
  for (const child_spec& c : specs)
    out.push_back(c.to_term());
  return term::list(std::span<const term>{out});
}

} // namespace sup_impl

term child_spec::to_term() const {
  return term::map({{"id"_a, id},
                    {"start"_a, mfargs},
                    {"restart"_a, sup_impl::restart_term(restart)},
                    {"significant"_a, term{significant}},
                    {"shutdown"_a, effective_shutdown().to_term()},
                    {"type"_a, sup_impl::type_term(type)},
                    {"modules"_a, modules}});
}

term child_started::to_term() const {
  term p = child ? term{child} : term{atoms::undefined};
  return info ? term{atoms::ok, p, *info} : term{atoms::ok, p};
}

term child_info::to_term() const {
  term p = restarting ? term{"restarting"_a}
           : child    ? term{child}
                      : term{atoms::undefined};
  return term{id, p, sup_impl::type_term(type), modules};
}

term child_counts::to_term() const {
  return term::list({term{"specs"_a, specs}, term{"active"_a, active},
                     term{"supervisors"_a, supervisors},
                     term{"workers"_a, workers}});
}

namespace detail {

atom module_atom(const std::type_info& t) {
  std::string name = otp::detail::type_name(t);
  if (name.size() > 255)
    name.resize(255); // atoms hold at most 255 bytes (a cut UTF-8 is fine)
  return atom{name};
}

task<gen_server::start_result> bad_extra_args(term extra_args) {
  co_return gen_server::start_result::failed(
      term{"bad_extra_args"_a, std::move(extra_args)});
}

task<gen_server::start_result> ready(gen_server::start_result result) {
  co_return result;
}

} // namespace detail

expected<void, term>
check_childspecs(const std::vector<child_spec>& specs,
                 std::optional<otp::supervisor::auto_shutdown> as) {
  if (auto e = sup_impl::check_specs(specs, as))
    return unexpected<term>(std::move(*e));
  return {};
}

// -- the supervisor server ----------------------------------------------------

// A named namespace, not an anonymous one: its types live in coroutine
// frames of functions with external linkage (unity builds).
namespace sup_impl {

/// What a start function gave, normalised (OTP's do_start_child_i).
class start_outcome {
public:
  enum class kind : std::uint8_t { ok, ignore, error };
  start_outcome() = default;
  start_outcome(kind k, pid p, std::optional<term> i, term r)
      : what(k), child(std::move(p)), info(std::move(i)), reason(std::move(r)) {
  }

  kind what = kind::error;
  pid child;
  std::optional<term> info;
  term reason;

  /// `{ok, Pid}`, `{ok, Pid, Info}`, `{ok, undefined}`.
  [[nodiscard]] term ok_term() const {
    term p = child ? term{child} : term{atoms::undefined};
    return info ? term{atoms::ok, std::move(p), *info}
                : term{atoms::ok, std::move(p)};
  }
};

/// Hashes a pid's control block by its address: no read of the block (for
/// 100k children that is 100k cache misses per pass over a map). Local pids
/// are equal exactly when their blocks are the same, and children are
/// always local: a remote pid looked up is simply not found.
struct block_hash {
  std::size_t operator()(const otp::detail::pid_block* b) const noexcept {
    return otp::detail::counter_hash{}(
        static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(b)));
  }
};

/// block_hash of a child's pid.
struct child_pid_hash {
  std::size_t operator()(const pid& p) const noexcept {
    return block_hash{}(p.block());
  }
};

/// A simple_one_for_one child: its extra args (kept unless temporary),
/// whether a restart failed and is being retried (the key is then the pid
/// that ended), and its state while the supervisor stops them all.
struct dynamic_child {
  dynamic_child() = default;
  dynamic_child(term a, bool r) : args(std::move(a)), restarting(r) {}
  term args; ///< after `exited`: the reason its EXIT gave
  bool restarting = false;
  bool stopping = false; ///< monitored and told to stop; no DOWN yet
  bool exited = false;   ///< its EXIT came (before its DOWN, as always)
};

/// The simple_one_for_one children by pid: the entries in one dense
/// array (in start order, but for erases), found through an
/// open-addressing index (linear probing, backward-shift erase) of 8-byte
/// slots, each an entry's position and its hash. A supervisor may hold
/// 100k children: a node-based map cost a few cache misses per start and
/// per exit, a table of whole entries grew by copying every entry to fresh
/// memory; here growing rebuilds only the index, and the shutdown, which
/// meets the children about in start order, reads the entries in order.
/// The subset of std::unordered_map the supervisor uses, except that
/// erase invalidates every iterator and pointer (none is kept across one).
class dynamic_map {
public:
  using value_type = std::pair<pid, dynamic_child>;
  using iterator = value_type*;
  using const_iterator = const value_type*;

  iterator begin() noexcept { return entries_.data(); }
  iterator end() noexcept { return entries_.data() + entries_.size(); }
  const_iterator begin() const noexcept { return entries_.data(); }
  const_iterator end() const noexcept {
    return entries_.data() + entries_.size();
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] std::size_t count(const pid& key) const {
    return find_slot(key) != no_slot;
  }
  iterator find(const pid& key) {
    auto i = find_slot(key);
    return i == no_slot ? end() : begin() + index_[i].at;
  }
  const_iterator find(const pid& key) const {
    auto i = find_slot(key);
    return i == no_slot ? end() : begin() + index_[i].at;
  }

  std::pair<iterator, bool> emplace(const pid& key, dynamic_child value) {
    if ((entries_.size() + 1) * 2 > index_.size())
      grow();
    const std::uint32_t h = hash_of(key);
    for (auto i = home(h);; i = next(i)) {
      slot& s = index_[i];
      if (s.at == free_slot) {
        s = slot{static_cast<std::uint32_t>(entries_.size()), h};
        entries_.emplace_back(key, std::move(value));
        return {std::prev(end()), true};
      }
      if (s.hash == h && entries_[s.at].first.block() == key.block())
        return {begin() + s.at, false};
    }
  }

  void erase(iterator it) {
    const auto at = static_cast<std::uint32_t>(it - begin());
    unindex(slot_of(at));
    const auto last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (at != last) { // the last entry fills the gap
      index_[slot_of(last)].at = at;
      entries_[at] = std::move(entries_[last]);
    }
    entries_.pop_back();
  }

  void clear() noexcept {
    entries_ = {};
    index_ = {};
  }

private:
  struct slot {
    std::uint32_t at; ///< the entry's position; free_slot: none
    std::uint32_t hash;
  };
  static constexpr std::uint32_t free_slot = 0xffffffffU;
  static constexpr std::size_t no_slot = static_cast<std::size_t>(-1);

  static std::uint32_t hash_of(const pid& key) noexcept {
    return static_cast<std::uint32_t>(child_pid_hash{}(key));
  }
  std::size_t home(std::uint32_t h) const noexcept {
    return h & (index_.size() - 1);
  }
  std::size_t next(std::size_t i) const noexcept {
    return (i + 1) & (index_.size() - 1);
  }
  /// The index slot of `key`, or no_slot.
  std::size_t find_slot(const pid& key) const {
    if (entries_.empty())
      return no_slot;
    const std::uint32_t h = hash_of(key);
    for (auto i = home(h);; i = next(i)) {
      const slot& s = index_[i];
      if (s.at == free_slot)
        return no_slot;
      if (s.hash == h && entries_[s.at].first.block() == key.block())
        return i;
    }
  }
  /// The index slot of the entry at `at` (which is there).
  std::size_t slot_of(std::uint32_t at) const noexcept {
    auto i = home(hash_of(entries_[at].first));
    while (index_[i].at != at)
      i = next(i);
    return i;
  }
  /// Backward shift: later slots of the probe run move into the hole.
  void unindex(std::size_t hole) noexcept {
    for (auto j = next(hole);; j = next(j)) {
      const slot s = index_[j];
      if (s.at == free_slot)
        break;
      const auto h = home(s.hash);
      // s may move to the hole if its home is not in (hole, j].
      const bool movable =
          hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
      if (movable) {
        index_[hole] = s;
        hole = j;
      }
    }
    index_[hole] = slot{free_slot, 0};
  }
  void grow() {
    std::vector<slot> old(index_.empty() ? 16 : index_.size() * 2,
                          slot{free_slot, 0});
    old.swap(index_);
    for (const slot& s : old)
      if (s.at != free_slot) {
        auto i = home(s.hash);
        while (index_[i].at != free_slot)
          i = next(i);
        index_[i] = s;
      }
  }

  std::vector<value_type> entries_;
  std::vector<slot> index_; // size: 0 or a power of two
};

/// What a simple_one_for_one shutdown waits for: the DOWN or the EXIT of a
/// child it is stopping. (The supervisor holds no other monitor on its
/// children: each shutdown takes the DOWN of the monitor it made.) The
/// child's entry is left in `*found` (the receive takes the first message
/// accepted: the last one accepted). The children end about in the order
/// they were told to, the table's, each with its EXIT then its DOWN: the
/// entry found last and the one after it are tried before the index.
struct dying_child {
  dying_child(dynamic_map* d, dynamic_map::value_type** f)
      : children(d), found(f) {}
  dynamic_map* children;
  dynamic_map::value_type** found;
  bool operator()(const term& m) const {
    if (!m.is_tuple())
      return false;
    const auto e = m.elements(); // once: operator[] checks each time
    const bool down = e.size() == 5 && e[0].is_atom(atoms::DOWN);
    if (!down && !(e.size() == 3 && e[0].is_atom(atoms::EXIT)))
      return false;
    const term& who = down ? e[3] : e[1];
    if (!who.is_pid())
      return false;
    dynamic_map::value_type* c = guess(who.as_pid());
    if (!c) {
      auto it = children->find(who.as_pid());
      if (it == children->end())
        return false;
      c = &*it;
    }
    if (!c->second.stopping || (!down && c->second.exited))
      return false;
    *found = c;
    return true;
  }

private:
  dynamic_map::value_type* guess(const pid& who) const noexcept {
    dynamic_map::value_type* last = *found;
    if (!last)
      return nullptr;
    if (last->first.block() == who.block())
      return last;
    if (last + 1 != children->end() && last[1].first.block() == who.block())
      return last + 1;
    return nullptr;
  }
};

/// `receive(dying_child, Left)` with Left = `deadline` - now, the clock read
/// only if the receive must wait: most of a shutdown's messages are in the
/// mailbox already. (The wait's length is a part of the request that only
/// a suspension reads.)
class dying_receive {
public:
  dying_receive(const process& me, dying_child pattern,
                const internal::timer_service& clock, std::uint64_t deadline)
      : receive_(me.receive(std::move(pattern), milliseconds{0})),
        clock_(&clock), deadline_(deadline) {}
  bool await_ready() { return receive_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    const std::uint64_t now = clock_->now_ms();
    receive_.request.timeout_ms =
        now >= deadline_ ? 0 : static_cast<std::int64_t>(deadline_ - now);
    receive_.await_suspend(h);
  }
  std::optional<term> await_resume() { return receive_.await_resume(); }

private:
  decltype(std::declval<const process&>().receive(std::declval<dying_child>(),
                                                  milliseconds{})) receive_;
  const internal::timer_service* clock_;
  std::uint64_t deadline_;
};

/// Runs a child's start function and normalises what it gives (OTP's
/// do_start_child_i, with its `catch apply(M, F, A)`). An awaitable rather
/// than a coroutine: starting a child costs no frame of its own besides
/// the start function's. The start function is called at once (a
/// gen_server child is spawned then); awaiting waits for its answer.
class start_awaitable {
public:
  /// `extra` must outlive the co_await (a start function may keep a
  /// reference to it): the awaiting frame's own term.
  start_awaitable(process& self, const child_spec& spec, const term& extra) {
    try {
      if (const auto* worker = spec.start.target<detail::server_start>()) {
        // A gen_server: spawned here; a linked start with no timeout is
        // one receive, taken in the awaiting frame.
        gen_server::detail::start_begun begun =
            worker->starter().begin(self, extra, true);
        if (begun.simply_linked())
          ack_.emplace(self, std::move(begun.child));
        else
          task_ = gen_server::detail::finish_start(self, std::move(begun));
      } else {
        task_ = spec.start(self, extra);
      }
      if (!ack_)
        awaiter_.emplace(std::move(task_).operator co_await());
    } catch (...) {
      failure_ = std::current_exception();
    }
  }
  start_awaitable(const start_awaitable&) = delete;
  start_awaitable& operator=(const start_awaitable&) = delete;

  bool await_ready() {
    if (ack_)
      return ack_->await_ready();
    return !awaiter_ || awaiter_->await_ready();
  }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) noexcept {
    if (ack_) {
      ack_->await_suspend(h);
      return std::noop_coroutine();
    }
    return awaiter_->await_suspend(h);
  }
  start_outcome await_resume() {
    using kind = start_outcome::kind;
    start_outcome out;
    if (!failure_) {
      try {
        gen_server::start_result r =
            ack_ ? ack_->await_resume() : awaiter_->await_resume();
        if (r.ignored()) {
          out.what = kind::ignore;
        } else if (!r.has_value()) {
          out.reason = r.error();
        } else if (!r.value()) {
          out.reason = term{atoms::ok, atoms::undefined}; // not a pid (OTP)
        } else {
          out.what = kind::ok;
          out.child = std::move(r).value();
          out.info = std::move(r.info);
        }
        return out;
      } catch (...) {
        failure_ = std::current_exception();
      }
    }
    // OTP's `catch apply(M, F, A)`.
    out.reason =
        term{atoms::EXIT, gen_server::detail::exception_reason_of(failure_)};
    return out;
  }

private:
  using start_task = task<gen_server::start_result>;
  start_task task_;
  std::optional<decltype(std::declval<start_task>().operator co_await())>
      awaiter_;
  std::optional<gen_server::detail::linked_ack> ack_;
  std::exception_ptr failure_;
};

class supervisor_server : public gen_server::server<supervisor_server> {
public:
  supervisor_server(init_function fn, std::optional<term> name)
      : init_(std::move(fn)), name_(name ? std::move(*name) : term{}),
        named_(name.has_value()) {}

  task<init_result> init();
  task<call_result> handle_call(const term& request, const from& caller);
  task<cast_result> handle_cast(const term& msg);
  task<info_result> handle_info(const term& msg);
  task<> terminate(const term& reason);
  [[nodiscard]] term state() const override;

private:
  struct child {
    child(child_spec s) : spec(std::move(s)), how(spec.effective_shutdown()) {}
    child_spec spec;
    child_shutdown how;
    /// The running child; while `restarting`, the pid that ended (or null),
    /// as OTP's `{restarting, OldPid}`; null: `undefined`.
    pid pid_;
    bool restarting = false;
    [[nodiscard]] bool running() const { return pid_ && !restarting; }
  };
  using child_list = std::list<child>; // start order
  using child_iter = child_list::iterator;

  struct start_failure {
    start_failure(child_iter w, term r) : which(w), reason(std::move(r)) {}
    child_iter which;
    term reason;
  };

  // -- starting ---------------------------------------------------------------

  /// OTP's do_start_child_i: `co_await start_one(spec, extra)`, `extra`
  /// living until the co_await is done.
  start_awaitable start_one(const child_spec& spec, const term& extra) {
    return start_awaitable{self(), spec, extra};
  }

  /// OTP's do_start_child: start_one with no extra args, then the progress
  /// report of a child that started. An awaitable, not a coroutine: a
  /// restart costs no frame for it.
  class reported_start {
  public:
    reported_start(supervisor_server& sup, child& c)
        : sup_(sup), child_(c), start_(sup.self(), c.spec, no_args_) {}
    reported_start(const reported_start&) = delete;
    reported_start& operator=(const reported_start&) = delete;
    bool await_ready() { return start_.await_ready(); }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) noexcept {
      return start_.await_suspend(h);
    }
    start_outcome await_resume() {
      start_outcome out = start_.await_resume();
      if (out.what == start_outcome::kind::ok &&
          logger::enabled(log_level::info)) {
        child_.pid_ = out.child; // the progress report names the new pid
        child_.restarting = false;
        sup_.report_progress(child_);
      }
      return out;
    }

  private:
    supervisor_server& sup_;
    child& child_;
    const term no_args_; ///< before start_, which keeps a reference to it
    start_awaitable start_;
  };
  reported_start start_reported(child& c) { return reported_start{*this, c}; }
  task<std::optional<start_failure>>
  start_children(std::vector<child_iter> order);

  // -- stopping ---------------------------------------------------------------

  task<std::optional<term>> shutdown_child(pid p, child_shutdown how,
                                           restart_type restart);
  task<term> unlink_flush(pid p, term default_reason);
  task<> do_terminate(child& c);
  task<std::vector<child_iter>>
  terminate_children(std::vector<child_iter> order);
  task<> terminate_dynamic(const pid& p);
  task<> terminate_dynamic_children();

  // -- restarting -------------------------------------------------------------

  task<info_result> on_child_exit(const term& msg);
  task<info_result> unexpected_message(term msg);
  task<bool> restart_static(child_iter it);
  bool restart_allowed(child_iter it);
  void restarted_one(child_iter it, start_outcome out);
  task<bool> restart_dynamic(pid key);
  bool add_restart();
  [[nodiscard]] bool auto_shutdown_now(bool significant) const;
  void try_again(term id);

  // -- calls ------------------------------------------------------------------

  task<call_result> other_call(term request);
  task<term> start_child_call(term arg);
  task<term> start_static_child(child_spec spec);
  task<call_result> start_dynamic_child(term extra);
  task<term> terminate_child_call(term id);
  task<term> restart_child_call(term id);
  term delete_child_call(const term& id);
  term get_childspec_call(const term& id) const;
  term which_children_term() const;
  term count_children_term() const;

  // -- bookkeeping ------------------------------------------------------------

  child_iter add_child(child c);
  void erase_child(child_iter it);
  void set_running(child_iter it, pid p);
  /// OTP's del_child: a temporary child's spec goes, others keep it.
  void del_child(child_iter it);
  void erase_dynamic(const pid& key);
  [[nodiscard]] std::vector<child_iter> all_children();
  [[nodiscard]] bool is_alive(const pid& p) const;

  // -- reports ----------------------------------------------------------------

  [[nodiscard]] term child_pid_term(const child& c) const;
  void report(std::string_view context, const term& reason,
              const child& c) const;
  void report_dynamic(std::string_view context, const term& reason,
                      const pid& p, const dynamic_child& d) const;
  void report_text(std::string_view context, const term& reason,
                   const term& offender) const;
  void report_progress(const child& c) const;

  init_function init_;
  term name_;
  bool named_;
  flags flags_;
  bool simple_ = false;
  child_list children_;
  std::unordered_map<term, child_iter> by_id_;
  /// Running children, by control block (the child's pid_ holds it): a
  /// restart's erase and insert allocate nothing.
  otp::detail::flat_table<const otp::detail::pid_block*, child_iter, block_hash>
      by_pid_{8};
  std::optional<child_spec> template_; ///< simple_one_for_one
  dynamic_map dynamics_;
  std::size_t dynamic_restarts_ = 0;
  std::deque<std::int64_t> restarts_; ///< newest first, in seconds
};

// -- init ---------------------------------------------------------------------

task<gen_server::init_result> supervisor_server::init() {
  self().trap_exit(true);
  if (!named_)
    name_ = term{self().self(), "supervisor"_a}; // OTP: {self(), Mod}
  std::optional<spec> s = init_(self());
  init_ = nullptr;
  if (!s)
    co_return ignore();
  if (auto e = check_flags(s->flags))
    co_return stop(term{"supervisor_data"_a, std::move(*e)});
  flags_ = s->flags;
  if (flags_.strategy == strategy::simple_one_for_one) {
    if (s->children.size() != 1)
      co_return stop(term{"bad_start_spec"_a, spec_list(s->children)});
    if (auto e = check_specs(s->children, flags_.auto_shutdown))
      co_return stop(term{"start_spec"_a, std::move(*e)});
    simple_ = true;
    template_ = std::move(s->children.front());
    co_return ok();
  }
  if (auto e = check_specs(s->children, flags_.auto_shutdown))
    co_return stop(term{"start_spec"_a, std::move(*e)});
  for (child_spec& c : s->children)
    add_child(child{std::move(c)});
  std::optional<start_failure> failed = co_await start_children(all_children());
  if (!failed)
    co_return ok();
  term id = failed->which->spec.id;
  (void)co_await terminate_children(all_children());
  co_return stop(term{atoms::shutdown,
                      term{"failed_to_start_child"_a, id, failed->reason}});
}

// -- starting -----------------------------------------------------------------

/// OTP's start_children: in order; the first failure is reported and
/// stops the loop (the children after it keep no pid).
task<std::optional<supervisor_server::start_failure>>
supervisor_server::start_children(std::vector<child_iter> order) {
  for (child_iter it : order) {
    start_outcome out = co_await start_reported(*it);
    switch (out.what) {
    case start_outcome::kind::ok:
      set_running(it, out.child);
      break;
    case start_outcome::kind::ignore:
      if (it->spec.restart == restart_type::temporary) {
        erase_child(it);
      } else {
        it->pid_ = pid{};
        it->restarting = false;
      }
      break;
    case start_outcome::kind::error:
      it->pid_ = pid{};
      it->restarting = false;
      report("start_error", out.reason, *it);
      co_return start_failure{it, out.reason};
    }
  }
  co_return std::nullopt;
}

// -- stopping -----------------------------------------------------------------

/// OTP 25's shutdown/1: nullopt when the child ended as asked, otherwise
/// the reason to report. The monitor sees a child that is already dead
/// (noproc), and unlink_flush then finds its real reason in its EXIT.
task<std::optional<term>>
supervisor_server::shutdown_child(pid p, child_shutdown how,
                                  restart_type restart) {
  process& me = self();
  const bool permanent = restart == restart_type::permanent;
  const ref mon = me.monitor(p);
  if (how.is_brutal_kill()) {
    me.exit(p, atoms::kill);
    term down = co_await me.receive(down_of{mon});
    term reason = co_await unlink_flush(p, down[4]);
    if (reason.is_atom(atoms::killed) || (!permanent && is_quiet(reason)))
      co_return std::nullopt;
    co_return reason;
  }
  me.exit(p, atoms::shutdown);
  std::optional<term> down;
  if (how.is_infinity())
    down = co_await me.receive(down_of{mon});
  else
    down = co_await me.receive(down_of{mon}, how.timeout());
  if (!down) {
    me.exit(p, atoms::kill); // it did not stop in time
    down = co_await me.receive(down_of{mon});
  }
  term reason = co_await unlink_flush(p, (*down)[4]);
  if (reason.is_atom(atoms::shutdown) || (!permanent && is_quiet(reason)))
    co_return std::nullopt;
  co_return reason;
}

/// Unlinking guarantees the child's EXIT (if it is coming) is already in
/// the mailbox; it holds the real reason when the monitor said noproc.
task<term> supervisor_server::unlink_flush(pid p, term default_reason) {
  self().unlink(p);
  std::optional<term> exit = co_await self().receive(exit_of{p}, 0ms);
  co_return exit ? (*exit)[2] : default_reason;
}

task<> supervisor_server::do_terminate(child& c) {
  if (!c.running())
    co_return;
  pid p = c.pid_;
  by_pid_.extract(p.block());
  std::optional<term> failed =
      co_await shutdown_child(p, c.how, c.spec.restart);
  if (failed)
    report("shutdown_error", *failed, c);
}

/// OTP's terminate_children: in reverse start order; temporary children go,
/// the others keep their spec with no pid. Returns those kept, in start
/// order.
task<std::vector<supervisor_server::child_iter>>
supervisor_server::terminate_children(std::vector<child_iter> order) {
  std::vector<child_iter> kept;
  kept.reserve(order.size());
  for (auto r = order.rbegin(); r != order.rend(); ++r) {
    child_iter it = *r;
    co_await do_terminate(*it);
    if (it->spec.restart == restart_type::temporary) {
      erase_child(it);
    } else {
      it->pid_ = pid{};
      it->restarting = false;
      kept.push_back(it);
    }
  }
  std::reverse(kept.begin(), kept.end());
  co_return kept;
}

/// terminate_child of a simple_one_for_one child.
task<> supervisor_server::terminate_dynamic(const pid& p) {
  const child_spec& t = *template_;
  std::optional<term> failed =
      co_await shutdown_child(p, t.effective_shutdown(), t.restart);
  if (failed) {
    auto it = dynamics_.find(p);
    if (it != dynamics_.end())
      report_dynamic("shutdown_error", *failed, p, it->second);
  }
}

/// OTP's terminate_dynamic_children: every child is told at once, then the
/// supervisor waits for all (killing the rest when the shutdown time is
/// up). Failures are reported once per reason.
task<> supervisor_server::terminate_dynamic_children() {
  process& me = self();
  const child_spec& t = *template_;
  const child_shutdown how = t.effective_shutdown();
  const bool permanent = t.restart == restart_type::permanent;
  const term signal = how.is_brutal_kill() ? atoms::kill : atoms::shutdown;
  std::size_t waiting = 0;
  for (auto& [p, d] : dynamics_) {
    if (d.restarting)
      continue;
    (void)me.monitor(p);
    me.exit(p, signal);
    d.stopping = true;
    ++waiting;
  }
  std::map<term, std::vector<pid>> errors;
  const bool timed = !how.is_brutal_kill() && !how.is_infinity();
  const auto& clock = me.control().runtime().timers();
  const std::uint64_t deadline =
      timed ? clock.now_ms() + static_cast<std::uint64_t>(how.timeout().count())
            : 0;
  bool killed_all = !timed;
  dynamic_map::value_type* found = nullptr;
  while (waiting > 0) {
    std::optional<term> m;
    if (killed_all) {
      m = co_await me.receive(dying_child{&dynamics_, &found});
    } else {
      m = co_await dying_receive{me, dying_child{&dynamics_, &found}, clock,
                                 deadline};
      if (!m) { // the shutdown time is up
        for (const auto& [p, d] : dynamics_)
          if (d.stopping)
            me.exit(p, atoms::kill);
        killed_all = true;
        continue;
      }
    }
    dynamic_child& d = found->second;
    const auto e = m->elements();
    if (e.size() == 3) { // the EXIT: its reason beats the DOWN's noproc
      d.args = e[2];
      d.exited = true;
      continue;
    }
    // The DOWN: done with this child. Its entry stays (no longer stopping,
    // and with no pid: the table's reference goes now, while the child's
    // control block is in the cache) until all are done: the table goes
    // at once after the loop.
    d.stopping = false;
    --waiting;
    pid p = std::move(found->first);
    term reason = d.exited ? std::move(d.args) : e[4];
    if (!d.exited)
      me.unlink(p); // drops an EXIT still on its way
    const bool fine = how.is_brutal_kill() ? reason.is_atom(atoms::killed)
                                           : reason.is_atom(atoms::shutdown);
    if (!fine && (permanent || !is_quiet(reason)))
      errors[reason].push_back(std::move(p));
  }
  dynamics_.clear();
  dynamic_restarts_ = 0;
  for (const auto& [reason, pids] : errors) {
    if (!logger::enabled(log_level::error))
      break;
    term off = offender(t, term{}, t.mfargs);
    std::vector<term> items{term{"nb_children"_a, pids.size()}};
    bool first = true;
    for (const term& item : off.as_list()) {
      if (first) { // the pid: a count instead
        first = false;
        continue;
      }
      items.push_back(item);
    }
    report_text("shutdown_error", reason,
                term::list(std::span<const term>{items}));
  }
}

task<> supervisor_server::terminate(const term&) {
  if (simple_)
    co_await terminate_dynamic_children();
  else
    (void)co_await terminate_children(all_children());
}

// -- restarting ---------------------------------------------------------------

/// OTP's restart_child/3 and do_restart/3: `msg`, `{'EXIT', Pid, Reason}`,
/// says a child ended. The supervisor stops with `shutdown` when the
/// restart intensity is reached or auto_shutdown says so. (`msg` is the
/// engine's, alive until this returns, as any callback's argument: taken
/// by reference, its pid and reason cost no locked increments.)
task<gen_server::info_result>
supervisor_server::on_child_exit(const term& msg) {
  const auto e = msg.elements();
  const pid& p = e[1].as_pid();
  const term& reason = e[2];
  if (simple_) {
    auto it = dynamics_.find(p);
    if (it == dynamics_.end() || it->second.restarting)
      co_return noreply();
    const restart_type r = template_->restart;
    const bool quiet = is_quiet(reason);
    if (r == restart_type::permanent ||
        (r == restart_type::transient && !quiet)) {
      report_dynamic("child_terminated", reason, p, it->second);
      if (!co_await restart_dynamic(p))
        co_return stop(atoms::shutdown);
      co_return noreply();
    }
    if (!quiet)
      report_dynamic("child_terminated", reason, p, it->second);
    erase_dynamic(p);
    if (auto_shutdown_now(template_->significant))
      co_return stop(atoms::shutdown);
    co_return noreply();
  }
  std::optional<child_iter> found = by_pid_.extract(p.block());
  if (!found)
    co_return noreply(); // not a child (any more): ignored, as OTP does
  child_iter it = *found;
  const restart_type r = it->spec.restart;
  const bool quiet = is_quiet(reason);
  if (r == restart_type::permanent ||
      (r == restart_type::transient && !quiet)) {
    report("child_terminated", reason, *it);
    if (flags_.strategy == strategy::one_for_one) {
      // restart_static's first case, inline: a crash's restart costs one
      // coroutine frame fewer.
      if (!restart_allowed(it))
        co_return stop(atoms::shutdown);
      restarted_one(it, co_await start_reported(*it));
      co_return noreply();
    }
    if (!co_await restart_static(it))
      co_return stop(atoms::shutdown);
    co_return noreply();
  }
  if (!quiet)
    report("child_terminated", reason, *it);
  const bool significant = it->spec.significant;
  del_child(it);
  if (auto_shutdown_now(significant))
    co_return stop(atoms::shutdown);
  co_return noreply();
}

/// OTP's restart/2 and restart/3 for one_for_one, one_for_all and
/// rest_for_one. A failed start marks the child restarting and retries it
/// through a message to itself.
task<bool> supervisor_server::restart_static(child_iter it) {
  if (!restart_allowed(it))
    co_return false;
  if (flags_.strategy == strategy::one_for_one) {
    restarted_one(it, co_await start_reported(*it));
    co_return true;
  }
  // restart_multiple_children: stop the others (rest_for_one: those started
  // after it) in reverse order, start them all in order.
  const pid old = it->pid_;
  it->pid_ = pid{};
  it->restarting = false;
  std::vector<child_iter> range;
  auto first =
      flags_.strategy == strategy::rest_for_one ? it : children_.begin();
  for (auto i = first; i != children_.end(); ++i)
    range.push_back(i);
  std::vector<child_iter> kept = co_await terminate_children(range);
  std::optional<start_failure> failed =
      co_await start_children(std::move(kept));
  if (failed) {
    child_iter f = failed->which;
    f->restarting = true;
    f->pid_ = f == it ? old : pid{};
    try_again(f->spec.id);
  }
  co_return true;
}

/// add_restart for static child `it`: false when the intensity is reached
/// (reported; the child is deleted as OTP's del_child does).
bool supervisor_server::restart_allowed(child_iter it) {
  if (add_restart())
    return true;
  report("shutdown", "reached_max_restart_intensity"_a, *it);
  del_child(it);
  return false;
}

/// one_for_one's restart of `it` after its start gave `out`: a failed
/// start marks the child restarting and retries it through a message.
void supervisor_server::restarted_one(child_iter it, start_outcome out) {
  if (out.what == start_outcome::kind::ok) {
    set_running(it, std::move(out.child));
  } else if (out.what == start_outcome::kind::ignore) {
    it->pid_ = pid{};
    it->restarting = false;
  } else {
    it->restarting = true; // keeps the pid that ended: {restarting, Old}
    report("start_error", out.reason, *it);
    try_again(it->spec.id);
  }
}

/// OTP's restart(simple_one_for_one, ...): the child under `key` (running
/// and just ended, or restarting) starts again with its extra args.
task<bool> supervisor_server::restart_dynamic(pid key) {
  auto it = dynamics_.find(key);
  if (!add_restart()) {
    report_dynamic("shutdown", "reached_max_restart_intensity"_a, key,
                   it->second);
    erase_dynamic(key);
    co_return false;
  }
  term args = it->second.args;
  erase_dynamic(key);
  start_outcome out = co_await start_one(*template_, args);
  if (out.what == start_outcome::kind::ok) {
    dynamics_.emplace(out.child, dynamic_child{std::move(args), false});
  } else if (out.what == start_outcome::kind::error) {
    auto [entry, added] =
        dynamics_.emplace(key, dynamic_child{std::move(args), true});
    (void)added;
    ++dynamic_restarts_;
    report_dynamic("start_error", out.reason, key, entry->second);
    try_again(term{"restarting"_a, key});
  }
  // ignore: OTP stores the child under `undefined`; it is simply gone here.
  co_return true;
}

/// OTP's add_restart/1 (seconds, as erlang:monotonic_time(1)): false when
/// this restart makes more than `intensity` within `period`.
bool supervisor_server::add_restart() {
  const auto now = static_cast<std::int64_t>(
      self().control().runtime().timers().coarse_now_ms() / 1000);
  const std::int64_t threshold = now - flags_.period.count();
  while (!restarts_.empty() && restarts_.back() < threshold)
    restarts_.pop_back();
  restarts_.push_front(now);
  return restarts_.size() <= static_cast<std::size_t>(flags_.intensity);
}

/// OTP's do_auto_shutdown, after the child was deleted.
bool supervisor_server::auto_shutdown_now(bool significant) const {
  if (flags_.auto_shutdown == auto_shutdown::never || !significant)
    return false;
  if (flags_.auto_shutdown == auto_shutdown::any_significant)
    return true;
  if (simple_)
    return dynamics_.empty();
  return std::none_of(children_.begin(), children_.end(), [](const child& c) {
    return (c.pid_ || c.restarting) && c.spec.significant;
  });
}

void supervisor_server::try_again(term id) {
  gen_server::cast(self(), self().self(),
                   term{"try_again_restart"_a, std::move(id)});
}

// -- callbacks ----------------------------------------------------------------

/// Not a coroutine: a simple_one_for_one's start_child (the hot request)
/// goes straight to start_dynamic_child, one frame fewer.
task<gen_server::call_result>
supervisor_server::handle_call(const term& request, const from&) {
  if (simple_ && request.is_tuple(2) &&
      request.elements()[0].is_atom("start_child"_a)) {
    const term& arg = request.elements()[1];
    if (!arg.is_any() || arg.try_get<child_spec>() == nullptr)
      return start_dynamic_child(arg);
  }
  return other_call(request);
}

task<gen_server::call_result> supervisor_server::other_call(term request) {
  if (request.is_atom("which_children"_a))
    co_return reply(which_children_term());
  if (request.is_atom("count_children"_a))
    co_return reply(count_children_term());
  if (request.is_tuple(2) && request[0].is_atom()) {
    const atom what = request[0].as_atom();
    term arg = request[1];
    term answer;
    bool known = true;
    if (what == "start_child"_a)
      answer = co_await start_child_call(std::move(arg));
    else if (what == "terminate_child"_a)
      answer = co_await terminate_child_call(std::move(arg));
    else if (what == "restart_child"_a)
      answer = co_await restart_child_call(std::move(arg));
    else if (what == "delete_child"_a)
      answer = delete_child_call(arg);
    else if (what == "get_childspec"_a)
      answer = get_childspec_call(arg);
    else
      known = false;
    if (known)
      co_return reply(std::move(answer));
  }
  // OTP's handle_call has no other clause: function_clause.
  co_return stop(term{"bad_call"_a, request});
}

task<gen_server::cast_result> supervisor_server::handle_cast(const term& msg) {
  if (!msg.is_tuple(2) || !msg[0].is_atom("try_again_restart"_a))
    co_return stop(term{"bad_cast"_a, msg});
  const term id = msg[1];
  bool keep_going = true;
  if (simple_) {
    if (id.is_tuple(2) && id[1].is_pid()) {
      auto it = dynamics_.find(id[1].as_pid());
      if (it != dynamics_.end() && it->second.restarting)
        keep_going = co_await restart_dynamic(id[1].as_pid());
    }
  } else if (auto f = by_id_.find(id);
             f != by_id_.end() && f->second->restarting) {
    keep_going = co_await restart_static(f->second);
  }
  if (!keep_going)
    co_return stop(atoms::shutdown);
  co_return noreply();
}

/// Not a coroutine: a child's EXIT (the hot message) goes straight to
/// on_child_exit, one frame fewer.
task<gen_server::info_result> supervisor_server::handle_info(const term& msg) {
  if (msg.is_tuple(3) && msg[0].is_atom(atoms::EXIT) && msg[1].is_pid())
    return on_child_exit(msg);
  return unexpected_message(msg);
}

task<gen_server::info_result> supervisor_server::unexpected_message(term msg) {
  try {
    log_error(
        log_metadata{{"pid", to_string(self().self())}, {"domain", "otp"}},
        "Supervisor received unexpected message: {}\n", to_string(msg));
  } catch (...) {
    // A report never takes the supervisor down.
  }
  co_return noreply();
}

term supervisor_server::state() const {
  const std::size_t n = simple_ ? dynamics_.size() : children_.size();
  return term::map(
      {{"name"_a, name_},
       {"strategy"_a, strategy_term(flags_.strategy)},
       {"intensity"_a, flags_.intensity},
       {"period"_a, static_cast<std::int64_t>(flags_.period.count())},
       {"auto_shutdown"_a, auto_shutdown_term(flags_.auto_shutdown)},
       {"children"_a, n}});
}

// -- the API's requests -------------------------------------------------------

task<term> supervisor_server::start_child_call(term arg) {
  // A simple_one_for_one's extra args went to start_dynamic_child: a spec
  // is not a list of extra args.
  if (simple_)
    co_return term{atoms::error, "simple_one_for_one"_a};
  const child_spec* spec = arg.is_any() ? arg.try_get<child_spec>() : nullptr;
  if (!spec) // OTP takes it as a child spec, and it is not one
    co_return term{atoms::error, term{"invalid_child_spec"_a, arg}};
  term answer = co_await start_static_child(*spec);
  co_return answer;
}

/// OTP's handle_start_child.
task<term> supervisor_server::start_static_child(child_spec spec) {
  if (auto e = check_child(spec, flags_.auto_shutdown))
    co_return term{atoms::error, std::move(*e)};
  if (auto f = by_id_.find(spec.id); f != by_id_.end()) {
    if (f->second->running())
      co_return term{atoms::error, term{"already_started"_a, f->second->pid_}};
    co_return term{atoms::error, "already_present"_a};
  }
  child c{std::move(spec)};
  start_outcome out = co_await start_reported(c);
  switch (out.what) {
  case start_outcome::kind::error:
    co_return term{atoms::error,
                   term{out.reason, child_record(c.spec, atoms::undefined)}};
  case start_outcome::kind::ignore:
    if (c.spec.restart == restart_type::temporary)
      co_return out.ok_term(); // {ok, undefined}, nothing kept
    c.pid_ = pid{};
    add_child(std::move(c));
    co_return out.ok_term();
  case start_outcome::kind::ok:
    break;
  }
  child_iter it = add_child(std::move(c));
  set_running(it, out.child);
  co_return out.ok_term();
}

/// start_child of a simple_one_for_one: starts the child and replies.
task<gen_server::call_result>
supervisor_server::start_dynamic_child(term extra) {
  start_outcome out = co_await start_one(*template_, extra);
  if (out.what == start_outcome::kind::error)
    co_return reply(term{atoms::error, std::move(out.reason)});
  if (out.what == start_outcome::kind::ok) {
    // Temporary children never restart: their args are not kept (OTP).
    term kept = template_->restart == restart_type::temporary
                    ? term{}
                    : std::move(extra);
    dynamics_.emplace(out.child, dynamic_child{std::move(kept), false});
    if (!out.info)
      co_return reply(term{atoms::ok, term{std::move(out.child)}});
  }
  co_return reply(out.ok_term());
}

task<term> supervisor_server::terminate_child_call(term id) {
  if (simple_) {
    if (!id.is_pid())
      co_return term{atoms::error, "simple_one_for_one"_a};
    const pid p = id.as_pid();
    auto it = dynamics_.find(p);
    if (it == dynamics_.end()) {
      // OTP: a dead pid that is not a child is "found" as the template.
      if (!is_alive(p))
        co_return term{atoms::ok};
      co_return term{atoms::error, "not_found"_a};
    }
    if (!it->second.restarting)
      co_await terminate_dynamic(p);
    erase_dynamic(p);
    co_return term{atoms::ok};
  }
  auto f = by_id_.find(id);
  if (f == by_id_.end())
    co_return term{atoms::error, "not_found"_a};
  child_iter it = f->second;
  co_await do_terminate(*it);
  del_child(it);
  co_return term{atoms::ok};
}

task<term> supervisor_server::restart_child_call(term id) {
  if (simple_)
    co_return term{atoms::error, "simple_one_for_one"_a};
  auto f = by_id_.find(id);
  if (f == by_id_.end())
    co_return term{atoms::error, "not_found"_a};
  child_iter it = f->second;
  if (it->restarting)
    co_return term{atoms::error, "restarting"_a};
  if (it->pid_)
    co_return term{atoms::error, "running"_a};
  start_outcome out = co_await start_reported(*it);
  switch (out.what) {
  case start_outcome::kind::ok:
    set_running(it, out.child);
    break;
  case start_outcome::kind::ignore:
    it->pid_ = pid{};
    break;
  case start_outcome::kind::error:
    it->pid_ = pid{};
    co_return term{atoms::error, out.reason};
  }
  co_return out.ok_term();
}

term supervisor_server::delete_child_call(const term& id) {
  if (simple_)
    return term{atoms::error, "simple_one_for_one"_a};
  auto f = by_id_.find(id);
  if (f == by_id_.end())
    return term{atoms::error, "not_found"_a};
  if (f->second->restarting)
    return term{atoms::error, "restarting"_a};
  if (f->second->pid_)
    return term{atoms::error, "running"_a};
  erase_child(f->second);
  return atoms::ok;
}

term supervisor_server::get_childspec_call(const term& id) const {
  const child_spec* found = nullptr;
  if (simple_) {
    // OTP's find_child: a child's pid, a dead pid, or the template's id.
    if (id.is_pid())
      found = dynamics_.count(id.as_pid()) != 0 || !is_alive(id.as_pid())
                  ? &*template_
                  : nullptr;
    else if (id == template_->id)
      found = &*template_;
  } else if (auto f = by_id_.find(id); f != by_id_.end()) {
    found = &f->second->spec;
  }
  if (!found)
    return term{atoms::error, "not_found"_a};
  return term{atoms::ok, term::any(child_spec{*found})};
}

term supervisor_server::which_children_term() const {
  std::vector<term> rows;
  if (simple_) {
    rows.reserve(dynamics_.size());
    const term type = type_term(template_->type);
    for (const auto& [p, d] : dynamics_)
      rows.push_back(term{atoms::undefined,
                          d.restarting ? term{"restarting"_a} : term{p}, type,
                          template_->modules});
  } else {
    rows.reserve(children_.size());
    // OTP keeps its ids newest first: reverse start order.
    for (auto c = children_.rbegin(); c != children_.rend(); ++c) {
      term p = c->restarting ? term{"restarting"_a}
               : c->pid_     ? term{c->pid_}
                             : term{atoms::undefined};
      rows.push_back(term{c->spec.id, std::move(p), type_term(c->spec.type),
                          c->spec.modules});
    }
  }
  return term::list(std::span<const term>{rows});
}

term supervisor_server::count_children_term() const {
  child_counts n;
  if (simple_) {
    const std::size_t size = dynamics_.size();
    n.specs = 1;
    n.active = size - dynamic_restarts_;
    (template_->type == child_type::supervisor ? n.supervisors : n.workers) =
        size;
    return n.to_term();
  }
  for (const child& c : children_) {
    ++n.specs;
    if (c.running() && is_alive(c.pid_))
      ++n.active;
    ++(c.spec.type == child_type::supervisor ? n.supervisors : n.workers);
  }
  return n.to_term();
}

// -- bookkeeping --------------------------------------------------------------

supervisor_server::child_iter supervisor_server::add_child(child c) {
  children_.push_back(std::move(c));
  child_iter it = std::prev(children_.end());
  by_id_.emplace(it->spec.id, it);
  return it;
}

void supervisor_server::erase_child(child_iter it) {
  if (it->running())
    by_pid_.extract(it->pid_.block());
  by_id_.erase(it->spec.id);
  children_.erase(it);
}

void supervisor_server::set_running(child_iter it, pid p) {
  it->pid_ = std::move(p);
  it->restarting = false;
  by_pid_.insert_or_assign(it->pid_.block(), it);
}

void supervisor_server::del_child(child_iter it) {
  if (it->spec.restart == restart_type::temporary) {
    erase_child(it);
    return;
  }
  if (it->running())
    by_pid_.extract(it->pid_.block());
  it->pid_ = pid{};
  it->restarting = false;
}

void supervisor_server::erase_dynamic(const pid& key) {
  auto it = dynamics_.find(key);
  if (it == dynamics_.end())
    return;
  if (it->second.restarting)
    --dynamic_restarts_;
  dynamics_.erase(it);
}

std::vector<supervisor_server::child_iter> supervisor_server::all_children() {
  std::vector<child_iter> all;
  all.reserve(children_.size());
  for (auto i = children_.begin(); i != children_.end(); ++i)
    all.push_back(i);
  return all;
}

bool supervisor_server::is_alive(const pid& p) const {
  if (!p.is_local())
    return bool(p); // remote: assume so
  return static_cast<otp::detail::process_base*>(p.block())->is_alive();
}

// -- reports ------------------------------------------------------------------

term supervisor_server::child_pid_term(const child& c) const {
  if (c.restarting)
    return term{"restarting"_a, c.pid_ ? term{c.pid_} : atoms::undefined};
  return c.pid_ ? term{c.pid_} : term{};
}

void supervisor_server::report(std::string_view context, const term& reason,
                               const child& c) const {
  if (!logger::enabled(log_level::error))
    return;
  term p = child_pid_term(c);
  report_text(context, reason,
              offender(c.spec, p == term{} ? term{atoms::undefined} : p,
                       c.spec.mfargs));
}

void supervisor_server::report_dynamic(std::string_view context,
                                       const term& reason, const pid& p,
                                       const dynamic_child& d) const {
  if (!logger::enabled(log_level::error))
    return;
  const child_spec& t = *template_;
  const bool kept = t.restart != restart_type::temporary;
  term pid_term = d.restarting ? term{"restarting"_a, p} : term{p};
  report_text(context, reason,
              offender(t, pid_term, with_extra_args(t.mfargs, d.args, kept)));
}

/// OTP's supervisor report (format_log_multi), at level error.
void supervisor_server::report_text(std::string_view context,
                                    const term& reason,
                                    const term& offender) const {
  try {
    log_error(
        log_metadata{{"pid", to_string(self().self())},
                     {"domain", "otp,sasl"},
                     {"label", fmt::format("{{supervisor,{}}}", context)}},
        "    supervisor: {}\n    errorContext: {}\n    reason: {}\n"
        "    offender: {}\n",
        to_string(name_), context, to_string(reason), to_string(offender));
  } catch (...) {
    // A report never takes the supervisor down.
  }
}

/// OTP's progress report, at level info.
void supervisor_server::report_progress(const child& c) const {
  try {
    log_info(log_metadata{{"pid", to_string(self().self())},
                          {"domain", "otp,sasl"},
                          {"label", "{supervisor,progress}"}},
             "    supervisor: {}\n    started: {}\n", to_string(name_),
             to_string(offender(c.spec, term{c.pid_}, c.spec.mfargs)));
  } catch (...) {
  }
}

// -- the API's plumbing -------------------------------------------------------

using server_process = gen_server::detail::server_process<supervisor_server>;

/// `{local, Name}`, `{global, Name}` or `{via, Reg, Name}`.
term report_name(const server_name& n) {
  term t = n.to_term();
  return t.is_atom() ? term{"local"_a, t} : t;
}

/// `{Reason, {gen_server, call, [Sup, Request, infinity]}}`, the reason
/// OTP's caller would exit with.
term call_failure(term reason, const server_ref& sup, const term& request) {
  return term{std::move(reason),
              term{atoms::gen_server, atoms::call,
                   term::list({sup.to_term(), request, atoms::infinity})}};
}

/// `{ok, Pid}` / `{ok, Pid, Info}` / `{ok, undefined}` / `{error, R}`.
expected<child_started, term> started_from(const term& answer) {
  const bool with_info = answer.is_tuple(3);
  if (with_info || answer.is_tuple(2)) {
    const auto e = answer.elements();
    if (e[0].is_atom(atoms::ok)) {
      child_started s;
      if (e[1].is_pid())
        s.child = e[1].as_pid();
      if (with_info)
        s.info = e[2];
      return s;
    }
  }
  return unexpected<term>(answer.is_tuple(2) ? answer[1] : answer);
}

expected<void, term> done_from(const term& answer) {
  if (answer.is_atom(atoms::ok))
    return {};
  return unexpected<term>(answer.is_tuple(2) ? answer[1] : answer);
}

/// `{ok, Spec}` / `{error, R}`.
expected<child_spec, term> childspec_from(const term& answer) {
  if (answer.is_tuple(2) && answer[0].is_atom(atoms::ok))
    if (const child_spec* c = answer[1].try_get<child_spec>())
      return *c;
  return unexpected<term>(answer.is_tuple(2) ? answer[1] : answer);
}

/// `[{Id, Child, Type, Modules}]`.
expected<std::vector<child_info>, term> children_from(const term& answer) {
  std::vector<child_info> rows;
  for (const term& row : answer.as_list()) {
    child_info info;
    info.id = row[0];
    if (row[1].is_pid())
      info.child = row[1].as_pid();
    info.restarting = row[1].is_atom("restarting"_a);
    info.type = row[2].is_atom("supervisor"_a) ? child_type::supervisor
                                               : child_type::worker;
    info.modules = row[3];
    rows.push_back(std::move(info));
  }
  return rows;
}

/// `[{specs, N}, {active, N}, {supervisors, N}, {workers, N}]`.
expected<child_counts, term> counts_from(const term& answer) {
  child_counts n;
  for (const term& item : answer.as_list()) {
    const auto count = static_cast<std::size_t>(item[1].as_int());
    const atom key = item[0].as_atom();
    if (key == "specs"_a)
      n.specs = count;
    else if (key == "active"_a)
      n.active = count;
    else if (key == "supervisors"_a)
      n.supervisors = count;
    else if (key == "workers"_a)
      n.workers = count;
  }
  return n;
}

/// supervisor:call/2 (gen_server:call(Sup, Req, infinity), caught) whose
/// answer `read` turns into the API's result. A live local process that is
/// not a supervisor is never sent the request. (A function pointer, not a
/// lambda: no closure type in the coroutine frame.)
template <class T>
task<expected<T, term>> sup_request(process& self, server_ref sup, term request,
                                    expected<T, term> (*read)(const term&)) {
  // A pid is looked at in place: no copy (two atomic operations on the
  // supervisor's control block, which its own worker writes).
  const pid* direct = sup.direct();
  pid resolved = direct ? pid{} : sup.resolve(self.control().runtime());
  const pid& target = direct ? *direct : resolved;
  if (target && target.is_local() && target.block() != &self.control()) {
    auto* p = static_cast<otp::detail::process_base*>(target.block());
    // server_process is final: the type test is the cast's.
    if (p->is_alive() && typeid(*p) != typeid(server_process))
      co_return unexpected<term>(
          call_failure("not_a_supervisor"_a, sup, request));
  }
  expected<term, term> r = co_await gen_server::try_call(
      self, std::move(sup), std::move(request), infinity);
  if (!r)
    co_return unexpected<term>(std::move(r.error()));
  co_return read(*r);
}

} // namespace sup_impl

using namespace sup_impl;

// -- starting -----------------------------------------------------------------

task<gen_server::start_result> start_link(process& self,
                                          gen_server::start_options options,
                                          init_function init) {
  std::optional<term> name;
  if (options.name)
    name = report_name(*options.name);
  return gen_server::start_link<supervisor_server>(
      self, std::move(options), std::move(init), std::move(name));
}

task<gen_server::start_result>
start_link(process& self, gen_server::start_options options, spec s) {
  auto shared = std::make_shared<spec>(std::move(s));
  init_function init = [shared](process&) -> std::optional<spec> {
    return std::move(*shared); // runs once, in the new supervisor
  };
  return start_link(self, std::move(options), std::move(init));
}

gen_server::start_result start(runtime& rt, gen_server::start_options options,
                               spec s) {
  std::optional<term> name;
  if (options.name)
    name = report_name(*options.name);
  auto shared = std::make_shared<spec>(std::move(s));
  init_function init = [shared](process&) -> std::optional<spec> {
    return std::move(*shared);
  };
  return gen_server::start<supervisor_server>(rt, std::move(options),
                                              std::move(init), std::move(name));
}

child_spec child_spec::supervisor(term child_id, otp::supervisor::spec s,
                                  gen_server::start_options options) {
  // Each start copies the spec (a restart needs it again).
  auto shared = std::make_shared<const otp::supervisor::spec>(std::move(s));
  start_function start_with =
      [shared, options = std::move(options)](
          process& sup, const term& extra) -> task<gen_server::start_result> {
    if (!extra.is_nil())
      return detail::bad_extra_args(extra);
    return otp::supervisor::start_link(sup, options, *shared);
  };
  child_spec c{std::move(child_id), std::move(start_with)};
  c.type = child_type::supervisor;
  c.modules = term::list({"supervisor"_a});
  c.mfargs = term{"supervisor"_a, "start_link"_a, term::list({})};
  return c;
}

// -- the dynamic API ----------------------------------------------------------

task<expected<child_started, term>> start_child(process& self, server_ref sup,
                                                child_spec child) {
  return sup_request(self, std::move(sup),
                     term{"start_child"_a, term::any(std::move(child))},
                     &started_from);
}

task<expected<child_started, term>> start_child(process& self, server_ref sup,
                                                term extra_args) {
  return sup_request(self, std::move(sup),
                     term{"start_child"_a, std::move(extra_args)},
                     &started_from);
}

task<expected<void, term>> terminate_child(process& self, server_ref sup,
                                           term id) {
  return sup_request(self, std::move(sup),
                     term{"terminate_child"_a, std::move(id)}, &done_from);
}

task<expected<child_started, term>> restart_child(process& self, server_ref sup,
                                                  term id) {
  return sup_request(self, std::move(sup),
                     term{"restart_child"_a, std::move(id)}, &started_from);
}

task<expected<void, term>> delete_child(process& self, server_ref sup,
                                        term id) {
  return sup_request(self, std::move(sup),
                     term{"delete_child"_a, std::move(id)}, &done_from);
}

task<expected<child_spec, term>> get_childspec(process& self, server_ref sup,
                                               term id) {
  return sup_request(self, std::move(sup),
                     term{"get_childspec"_a, std::move(id)}, &childspec_from);
}

task<expected<std::vector<child_info>, term>> which_children(process& self,
                                                             server_ref sup) {
  return sup_request(self, std::move(sup), term{"which_children"_a},
                     &children_from);
}

task<expected<child_counts, term>> count_children(process& self,
                                                  server_ref sup) {
  return sup_request(self, std::move(sup), term{"count_children"_a},
                     &counts_from);
}

} // namespace otp::supervisor
