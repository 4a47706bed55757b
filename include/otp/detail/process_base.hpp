#pragma once
/// The process control block every kind of process shares: identity, inbox,
/// message queue, links, monitors and the exit protocol. Kinds (coroutine,
/// actor, foreign thread) add only how user code runs. See
/// docs/design/signals.md for the signal rules it implements.

#include "otp/detail/inbox.hpp"
#include "otp/detail/small_map.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"
#include "otp/term.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace otp {
class context;
struct process_info;
class scoped_mailbox;
} // namespace otp

namespace otp::detail {

class runtime_core;

/// A monitor another process holds on this one.
struct monitor_in {
  pid watcher;
  term object; ///< what the DOWN names: the name used, or [] for our pid
};

/// The monitors a process holds: tag → the process it monitors. Every tag
/// is a ref the process made itself (ref::make), which its counter alone
/// rebuilds, so the table keys entries by that counter: 24-byte hash slots
/// (not 48) and one multiply to hash, where a ref key hashes and compares
/// five words. A spawner may hold a million of these. A lookup with any
/// other ref (an alias message's tag, which its sender picks) finds nothing.
class monitor_table {
public:
  /// `tag` must be a counter ref (ref::is_counter); false if present.
  bool insert(const ref& tag, pid target) {
    return map_.insert(tag.counter(), std::move(target));
  }
  std::optional<pid> extract(const ref& tag) {
    if (!tag.is_counter())
      return std::nullopt;
    return map_.extract(tag.counter());
  }
  bool erase(const ref& tag) { return extract(tag).has_value(); }
  /// erase for a ref held in a term (a signal's tag): a local ref term
  /// holds only counter refs, and holds the counter itself.
  bool erase(const term& tag) {
    return term_access::tag_of(tag) == detail::tag::local_ref &&
           map_.extract(term_access::word_of(tag)).has_value();
  }
  [[nodiscard]] bool contains(const ref& tag) const {
    return tag.is_counter() && map_.contains(tag.counter());
  }
  [[nodiscard]] bool empty() const noexcept { return map_.empty(); }
  /// Calls `f(tag, target)` for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    map_.for_each([&](std::uint64_t k, const pid& target) {
      f(ref::local_from_counter(k), target);
    });
  }
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return map_.heap_bytes();
  }

private:
  small_map<std::uint64_t, pid, counter_hash> map_;
};

/// Rarely used per-process state, allocated on first use so that an idle
/// process stays small. Small maps: most processes hold a few links and
/// monitors, but a supervisor may hold 100k.
struct process_extras {
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;

  small_map<pid, bool> links;              ///< the value is unused
  monitor_table monitors;                  ///< tag → the process we monitor
  small_map<ref, monitor_in> monitored_by; ///< tag → who watches us
  small_map<ref, bool> aliases; ///< active aliases (owner only, no lock)
};

/// A tiny test-and-set lock guarding what other threads read for
/// `process_info` (links, monitors). The owner is its only writer.
class spin_lock {
public:
  void lock() noexcept {
    while (flag_.test_and_set(std::memory_order_acquire))
      while (flag_.test(std::memory_order_relaxed))
        ;
  }
  void unlock() noexcept { flag_.clear(std::memory_order_release); }

private:
  std::atomic_flag flag_;
};

/// Why a turn ended.
enum class step_result { waiting, yielded, exited };

class process_base : public pid_block {
public:
  process_base(runtime_core& rt, std::uint64_t number) noexcept;

  /// Every kind of process comes from the runtime's pool; the virtual
  /// destructor gives the sized delete the most-derived size.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;

  // -- sending (any thread) ---------------------------------------------------

  /// Pushes `s` into the inbox, scheduling the process if it was waiting; a
  /// closed inbox answers as a dead process would (see `bounce`). Takes `s`.
  void deliver(signal* s) noexcept;

  // -- running (the scheduler, on one worker at a time) -----------------------

  /// Messages a process may take per turn before others get the worker
  /// (the BEAM's reductions, counted in messages).
  static constexpr int turn_budget = 1000;

  /// Runs one turn: takes signals, runs user code within `budget` messages,
  /// and ends waiting, requeued, or exited (then the block may be freed).
  void run(int budget = turn_budget) noexcept;

  /// The runtime is shutting down: end with `shutdown`, untrappably.
  /// Thread-safe. Foreign-thread processes end at once.
  virtual void request_shutdown() noexcept;

  // -- owner process only -----------------------------------------------------

  [[nodiscard]] runtime_core& runtime() const noexcept { return rt_; }
  [[nodiscard]] pid self() noexcept {
    add_ref();
    return pid{intrusive_ptr<pid_block>{this, false}};
  }
  [[nodiscard]] bool trap_exit() const noexcept {
    return trap_exit_.load(std::memory_order_relaxed);
  }
  void set_trap_exit(bool on) noexcept {
    trap_exit_.store(on, std::memory_order_relaxed);
  }

  /// `exit(self(), Reason)`: acts at once, as in Erlang. Throws
  /// exit_exception when it ends the process; a trapping process gets an
  /// 'EXIT' message instead (except for kill).
  void exit_self(const term& reason);

  void link(const pid& to);
  void unlink(const pid& to) noexcept;
  [[nodiscard]] ref monitor(const pid& target, term object);
  bool demonitor(const ref& tag, bool flush) noexcept;
  /// Erlang's `alias()`: a new ref that messages sent with
  /// `send_to_alias` reach only while it is active.
  [[nodiscard]] ref make_alias();
  /// `unalias(Alias)`: later messages to it are dropped as they arrive.
  /// Returns whether it was active.
  bool remove_alias(const ref& alias) noexcept;
  /// `monitor(process, Target, [{alias, demonitor}])`: the monitor's ref is
  /// also an alias, active until the DOWN arrives or the demonitor.
  [[nodiscard]] ref monitor_with_alias(const pid& target);
  /// monitor_with_alias with the ref `tag` (new, from ref::make), then
  /// sends `{Label, {self(), AliasTag}, Request}` to `target`, in one
  /// unboxed signal (a gen call's request). `alias_tag` is `[alias | tag]`.
  /// A dead target: the DOWN (noproc) comes at once and the message is
  /// dropped.
  void send_gen_call(const pid& target, const ref& tag, term alias_tag,
                     atom label, term request);
  /// Drops the monitor `tag` held on this process (a gen call answered by
  /// this process: the caller will not need it). True if it was there.
  bool release_monitor(const ref& tag) noexcept;
  /// Gives back what an idle process holds and can rebuild (hibernate):
  /// empty link, monitor and alias tables.
  void compact() noexcept;
  /// Ties a timer aimed at this process to its life: it is cancelled when
  /// the process ends. Thread-safe (the starter may be another process).
  /// False if the process has already ended (the caller cancels it).
  bool add_timer(std::uint64_t timer);

  /// Takes pending signals now and then from inside process code (spawn
  /// and monitor call it), so a process that spawns many children without
  /// receiving keeps its monitor and link tables small: their DOWNs and
  /// exits are applied as they come, as the BEAM does when it reschedules
  /// a process. An exit decided here takes effect at the next receive.
  void take_signals_now_and_then() noexcept {
    if (++ops_since_drain_ >= 64) {
      ops_since_drain_ = 0;
      drain();
    }
  }

  /// For spawn_link and spawn_monitor, before the child is started (so the
  /// link or monitor is atomic with the spawn, and the child is touched
  /// while no other thread can see it). Parent side: owner only.
  /// `as_parent`: the child's link to us also says who its parent is (a
  /// gen_server's, see linked_parent), so it keeps no other copy of our pid.
  void adopt_link(process_base& child, bool as_parent = false);
  [[nodiscard]] ref adopt_monitor(process_base& child);

  // -- any thread -------------------------------------------------------------

  /// Alive until its inbox closes, as it ends: the closing exchange is
  /// the store the registry pairs with `name` (see
  /// runtime_core::register_name), so ending costs no other locked
  /// instruction.
  [[nodiscard]] bool is_alive() const noexcept { return !inbox_.closed(); }
  /// The parent that adopt_link(as_parent) linked, while that link lasts;
  /// null otherwise (then keep_parent has been given it). Owner only.
  [[nodiscard]] const pid& linked_parent() const noexcept {
    static const pid none;
    return link_is_parent_ ? link_ : none;
  }

  /// The registered name's atom index, or 0 for none. Registry only writes.
  std::atomic<std::uint32_t> name{0};
  /// process_info; false if the process has ended.
  [[nodiscard]] bool fill_info(process_info& out) const;

  // -- testkit ----------------------------------------------------------------

  /// The messages waiting, oldest first, without taking them. Only when no
  /// other thread can touch the process (the deterministic testkit).
  [[nodiscard]] std::vector<term> peek_messages() const;

  /// The slot in the runtime's process table.
  std::uint32_t table_index = 0;

protected:
  ~process_base() override;
  void destroy() noexcept override;

  /// Runs user code until it waits, yields (budget spent) or ends.
  virtual step_result step(int& budget) noexcept = 0;
  /// Frees user state (coroutine frame, actor object) as the process ends;
  /// user destructors may still send.
  virtual void release_user_state() noexcept = 0;
  /// For process_info: what kind of code runs and the memory it holds.
  [[nodiscard]] virtual std::string initial_call() const = 0;
  [[nodiscard]] virtual std::size_t user_memory() const noexcept = 0;
  /// A push found the process waiting: make it run. Default: schedule it.
  virtual void wake() noexcept;
  /// The link to the parent (see adopt_link) is gone, by unlink or by the
  /// parent's exit, but it stays the parent: a kind that needs to know
  /// takes the pid here. Default: dropped.
  virtual void keep_parent(pid&& parent) noexcept { (void)parent; }

  // -- the message queue (owner only) -----------------------------------------

  /// Removes and returns the first message at or after the save point that
  /// `match` accepts, advancing the save point past those it rejects.
  /// With a null `match` any message is taken.
  /// Messages still unboxed are boxed as the scan reaches them, except a
  /// call_reply whose tag is `*reply_tag`: that one is taken unboxed (its
  /// message would match, being the reply a call waits for); and so is a
  /// start_ack from `ack_from` (a start's wait, which its ack ends).
  signal* take_matching(bool (*match)(const void*, const term&),
                        const void* pred, const term* reply_tag = nullptr,
                        const pid_block* ack_from = nullptr);
  /// Restarts selective scanning at the first message (after a receive).
  void reset_save_point() noexcept { save_ = nullptr; }
  [[nodiscard]] bool has_messages() const noexcept { return queue_head_; }
  /// The first message, boxed.
  signal* pop_message();
  /// The first message, maybe unboxed (`is_unboxed(kind)`): for code that
  /// takes the gen_server protocol's messages apart itself.
  signal* pop_signal() noexcept;

  /// Takes every queued signal, applying control signals as they come. May
  /// decide the process must exit (then `exit_pending()`).
  void drain() noexcept;
  [[nodiscard]] bool exit_pending() const noexcept { return exiting_; }
  /// Marks the process to exit with `reason` (a self exit, a crash).
  void set_exit(term reason) noexcept;
  /// Ends the process now with the reason set (foreign-thread processes,
  /// which are never run by the scheduler). May free the block.
  void exit_now() noexcept { terminate(); }
  /// A receive timeout signal with this sequence number fired.
  [[nodiscard]] bool timeout_fired(std::uint64_t seq) const noexcept {
    return timeout_fired_ == seq;
  }

  inbox inbox_;

private:
  /// Pushes `s`, waking the process if it waited; on `closed` the caller
  /// still owns `s`.
  inbox::push_result enqueue(signal* s) noexcept;
  /// The owner is the only writer: a plain store, no locked instruction.
  void bump_queue_len(int by) noexcept {
    queue_len_.store(queue_len_.load(std::memory_order_relaxed) +
                         static_cast<std::uint32_t>(by),
                     std::memory_order_relaxed);
  }
  void handle_signal(signal* s) noexcept;
  void handle_exit_signal(signal* s, bool linked) noexcept;
  void append_message(signal* s) noexcept;
  void terminate() noexcept;
  void bounce_leftovers(signal* s, const term& reason) noexcept;
  process_extras& extras();
  /// Records a link to `to` (inline if the slot is free, as a child's one
  /// link to its parent or supervisor is). False if already linked. Owner
  /// only (or the spawner before the process runs).
  bool add_link(pid to);
  /// Forgets the link to `to`. True if it was there. Owner only.
  bool remove_link(const pid& to) noexcept;
  /// Records the monitor `tag` that `watcher` holds on this process; its
  /// DOWN names `object` ([] or our own pid: this process). Owner only (or
  /// the spawner before the process runs).
  void add_watcher(const ref& tag, pid watcher, term object);
  /// Forgets the monitor `tag` held on this process. True if it was there.
  bool remove_watcher(const ref& tag) noexcept;
  /// Empties an inline slot (link_, watcher_) that process_info reads
  /// under lock_.
  void clear_inline(pid& slot) noexcept;

  runtime_core& rt_;
  signal* queue_head_ = nullptr;
  signal* queue_tail_ = nullptr;
  signal* save_ = nullptr;     ///< last message rejected by selective receive
  signal* leftover_ = nullptr; ///< signals taken after the exit was decided
  std::unique_ptr<process_extras> extras_;
  /// The first monitor held on this process whose DOWN names it by pid
  /// (spawn_monitor's, a synchronous start's, a gen call's) lives here, not
  /// in extras_: most processes are watched by one process at a time, and
  /// a spawn_monitor then allocates no extras block nor table for the
  /// child. Null when unused. Owner writes, under lock_ (process_info).
  pid watcher_;
  std::uint64_t watcher_tag_ = 0; ///< the counter of its (local) ref
  /// One link lives here, not in extras_ (then never also there): most
  /// processes have one link (a supervisor's child, a spawn_link child), and
  /// it then costs no extras block nor table on the child's side. Null when
  /// unused. Owner writes, under lock_ (process_info).
  pid link_;
  /// Keys of pending timers aimed at this process; any thread adds, under
  /// lock_ (so they live outside extras_, which only the owner creates).
  std::unique_ptr<std::vector<std::uint64_t>> timers_;
  term exit_reason_;
  std::uint64_t timeout_fired_ = 0;
  std::atomic<std::uint32_t> queue_len_{0};
  // The byte-sized fields come last: a derived kind's small fields fill
  // the tail padding (the Itanium ABI reuses it), which keeps the common
  // process kinds within their pool size class.
  mutable spin_lock lock_; ///< guards extras_ contents for readers
  /// Index into running, runnable, waiting, exiting; a new process is
  /// runnable until it first runs.
  std::atomic<std::uint8_t> status_{1};
  std::atomic<bool> trap_exit_{false}; ///< owner writes; process_info reads
  bool exiting_ = false;
  bool exit_by_signal_ = false;      ///< an exit signal (not the code) ended it
  bool link_is_parent_ = false;      ///< see linked_parent
  std::uint8_t ops_since_drain_ = 0; ///< see take_signals_now_and_then
};

/// A gen call's tag and its `[alias | Tag]`.
struct call_tags {
  const ref& tag;
  const term& alias_tag;
};

/// What a scoped_mailbox's call receive took: none (timed out or ended),
/// the bare reply (`reply`), or a message (`{Tag, Reply}` or the DOWN).
struct mailbox_reply {
  std::optional<term> message;
  bool reply = false;
};

/// The internals of a scoped_mailbox otp++'s behaviours use.
struct mailbox_access {
  static void send_gen_call(scoped_mailbox& me, const pid& target,
                            const ref& tag, term alias_tag, atom label,
                            term request);
  /// Receives what `match` accepts as scoped_mailbox::receive does, but
  /// takes the reply to `call` unboxed, and drops the call's monitor (with
  /// flush) once something is taken.
  static mailbox_reply receive_call(scoped_mailbox& me,
                                    bool (*match)(const void*, const term&),
                                    const void* pred,
                                    std::chrono::milliseconds timeout,
                                    const call_tags& call);
};

/// Sends `s` to `to` as `deliver` does; a dead or remote target answers as
/// Erlang's would. Takes `s`.
void send_signal(const pid& to, signal* s) noexcept;
/// Sends the message `msg` to `to` (a dead process drops it). A message
/// holding a C++ value (term::any) bound for another node throws
/// std::invalid_argument: it could never be encoded. Thread-safe.
void send_message(const pid& to, term msg);
/// Sends `msg` to the alias `alias` of `to` (`Alias ! Msg`): delivered only
/// if `to` still has the alias active when the message arrives, dropped
/// otherwise (a late reply never lands). Thread-safe.
/// `released_monitor`: the sender has dropped `to`'s monitor `alias` (see
/// process_base::release_monitor), so `to` forgets it too on arrival.
void send_to_alias(const pid& to, const ref& alias, term msg,
                   bool released_monitor = false);
/// Sends `{AliasTag, Reply}` to the alias `Ref` of `alias_tag`
/// (`[alias | Ref]`), as send_to_alias does: a gen call's reply, unboxed
/// for a local process. Thread-safe.
void send_gen_reply(const pid& to, term alias_tag, term reply,
                    bool released_monitor = false);
/// Sends `{'$gen_cast', Msg}` (a dead process drops it), unboxed for a
/// local process. Thread-safe.
void send_gen_cast(const pid& to, term msg);
/// `started` sends `{ack, Started, {ok, Started}}` (a start that went
/// well), unboxed for a local process. `bare`: with no pid in it, for a
/// starter that takes it unboxed (see gen_server's start_info::bare_ack).
void send_start_ack(const pid& to, process_base& started, bool bare);
/// Sends an exit signal (Erlang's exit/2) from `from` (the null pid when
/// it comes from outside any process). Thread-safe.
void send_exit(const pid& to, pid from, term reason);

} // namespace otp::detail
