#include "otp/detail/process_base.hpp"

#include "otp/detail/pool.hpp"
#include "otp/local_node.hpp"
#include "otp/process.hpp"
#include "otp/process_info.hpp"
#include "runtime_core.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace otp::detail {
namespace {

constexpr std::uint32_t id_bits = 28; // as the BEAM's pid numbers

signal* make_signal(signal_kind kind, pid from) {
  auto* s = new signal;
  s->kind = kind;
  s->from = std::move(from);
  return s;
}

term down_message(const ref& tag, const term& object, const term& reason) {
  return term{atoms::DOWN, tag, atoms::process, object, reason};
}

template <class Vec, class Pred>
bool erase_first(Vec& v, Pred pred) {
  auto it = std::find_if(v.begin(), v.end(), pred);
  if (it == v.end())
    return false;
  v.erase(it);
  return true;
}

} // namespace

void* process_base::operator new(std::size_t size) {
  return pool_allocate(size);
}

void process_base::operator delete(void* p, std::size_t size) noexcept {
  pool_free(p, size);
}

void* process_extras::operator new(std::size_t size) {
  return pool_allocate(size);
}

void process_extras::operator delete(void* p, std::size_t size) noexcept {
  pool_free(p, size);
}

process_base::process_base(runtime_core& rt, std::uint64_t number) noexcept
    : pid_block(atom{},
                static_cast<std::uint32_t>(number & ((1U << id_bits) - 1)),
                static_cast<std::uint32_t>(number >> id_bits), local_creation(),
                true),
      rt_(rt) {}

process_base::~process_base() {
  // Signals still queued when the last pid went away (a process that never
  // ran, in tests) are freed here.
  while (queue_head_)
    delete std::exchange(queue_head_, queue_head_->next);
}

void process_base::destroy() noexcept {
  delete this;
}

process_extras& process_base::extras() {
  if (!extras_) {
    std::lock_guard lock{lock_};
    extras_ = std::make_unique<process_extras>();
  }
  return *extras_;
}

void process_base::add_watcher(const ref& tag, pid watcher, term object) {
  const bool names_us =
      object.is_nil() || (object.is_pid() && object.as_pid().block() == this);
  // Only a ref its counter alone rebuilds fits the inline slot.
  if (!watcher_ && names_us && tag.is_counter()) {
    std::lock_guard lock{lock_};
    watcher_tag_ = tag.counter();
    watcher_ = std::move(watcher);
    return;
  }
  auto& in = extras();
  std::lock_guard lock{lock_};
  // No object when it names us: the DOWN uses our pid (see terminate), and
  // holding our own pid here would keep this block alive.
  in.monitored_by.insert(
      tag,
      monitor_in{std::move(watcher), names_us ? term{} : std::move(object)});
}

bool process_base::add_link(pid to) {
  if (link_) {
    if (link_ == to)
      return false;
    auto& links = extras().links;
    std::lock_guard lock{lock_};
    return links.insert(std::move(to), true);
  }
  // The slot is free: `to` may still be in the table (linked while the slot
  // was taken, and the slot's link removed since).
  if (extras_ && extras_->links.contains(to))
    return false;
  std::lock_guard lock{lock_};
  link_ = std::move(to);
  return true;
}

void process_base::clear_inline(pid& slot) noexcept {
  pid gone; // released outside the lock: it may free a control block
  {
    std::lock_guard lock{lock_};
    gone = std::move(slot);
  }
}

bool process_base::remove_link(const pid& to) noexcept {
  if (link_ && link_ == to) {
    if (link_is_parent_) {
      link_is_parent_ = false;
      pid parent;
      {
        std::lock_guard lock{lock_};
        parent = std::move(link_);
      }
      keep_parent(std::move(parent)); // not released: still the parent
      return true;
    }
    clear_inline(link_);
    return true;
  }
  if (!extras_)
    return false;
  std::lock_guard lock{lock_};
  return extras_->links.erase(to);
}

bool process_base::remove_watcher(const ref& tag) noexcept {
  if (watcher_ && watcher_tag_ == tag.counter() && tag.is_counter()) {
    clear_inline(watcher_);
    return true;
  }
  if (!extras_)
    return false;
  std::lock_guard lock{lock_};
  return extras_->monitored_by.erase(tag);
}

// -- sending ------------------------------------------------------------------

inbox::push_result process_base::enqueue(signal* s) noexcept {
  auto result = inbox_.push(s);
  if (result == inbox::push_result::unblocked) {
    status_.store(1, std::memory_order_relaxed); // runnable
    wake();
  } else if (result == inbox::push_result::queued) {
    rt_.scheduler().pushed_to_runnable(this);
  }
  return result;
}

void process_base::deliver(signal* s) noexcept {
  if (enqueue(s) == inbox::push_result::closed)
    bounce_leftovers(s, term{atoms::noproc});
}

void process_base::wake() noexcept {
  // Queued to run again: `runnable` until a worker runs it (erl), not the
  // `waiting` it blocked with. Only the sender that unblocked the process
  // gets here, and nothing runs it before it is scheduled below.
  status_.store(1, std::memory_order_relaxed);
  rt_.scheduler().wake(this);
}

void process_base::request_shutdown() noexcept {
  auto* s = make_signal(signal_kind::forced_exit, pid{});
  s->payload = atoms::shutdown;
  deliver(s);
}

void send_signal(const pid& to, signal* s) noexcept {
  if (to.is_local()) {
    static_cast<process_base*>(to.block())->deliver(s);
    return;
  }
  // No distribution yet: a signal to another node's process is dropped as
  // Erlang drops sends to an unreachable node.
  delete s;
}

void send_message(const pid& to, term msg) {
  if (!to.is_local() && msg.contains_any())
    throw std::invalid_argument(
        "otp: a message holding a C++ value (term::any) cannot be sent to "
        "another node: " +
        to_string(to));
  send_signal(to, new signal{signal_kind::message, std::move(msg)});
}

void send_to_alias(const pid& to, const ref& alias, term msg,
                   bool released_monitor) {
  if (!to.is_local() && msg.contains_any())
    throw std::invalid_argument(
        "otp: a message holding a C++ value (term::any) cannot be sent to "
        "another node: " +
        to_string(to));
  auto* s = new signal;
  s->kind = signal_kind::alias_message;
  s->seq = released_monitor ? 1 : 0;
  s->payload = std::move(msg);
  s->extra = alias;
  send_signal(to, s);
}

void send_gen_reply(const pid& to, term alias_tag, term reply,
                    bool released_monitor) {
  if (!to.is_local()) {
    const ref alias = alias_tag.tail().as_ref();
    send_to_alias(to, alias, term{std::move(alias_tag), std::move(reply)},
                  released_monitor);
    return;
  }
  send_signal(to, new signal{signal_kind::call_reply, std::move(reply),
                             std::move(alias_tag), released_monitor ? 1U : 0U});
}

void send_gen_cast(const pid& to, term msg) {
  if (!to.is_local()) {
    send_message(to, term{atoms::gen_cast, std::move(msg)});
    return;
  }
  send_signal(to, new signal{signal_kind::cast_request, std::move(msg)});
}

void send_start_ack(const pid& to, process_base& started, bool bare) {
  if (!to.is_local()) {
    const pid me = started.self();
    send_message(to, term{atoms::ack, me, term{atoms::ok, me}});
    return;
  }
  auto* s = make_signal(signal_kind::start_ack, bare ? pid{} : started.self());
  s->seq =
      reinterpret_cast<std::uintptr_t>(static_cast<const pid_block*>(&started));
  send_signal(to, s);
}

void send_exit(const pid& to, pid from, term reason) {
  auto* s = make_signal(signal_kind::exit, std::move(from));
  s->payload = std::move(reason);
  send_signal(to, s);
}

// -- running ------------------------------------------------------------------

void process_base::run(int budget) noexcept {
  status_.store(0, std::memory_order_relaxed);
  for (;;) {
    drain();
    step_result r = exiting_ ? step_result::exited : step(budget);
    if (r == step_result::exited || exiting_) {
      terminate(); // may free this
      break;
    }
    if (r == step_result::yielded) {
      status_.store(1, std::memory_order_relaxed);
      rt_.scheduler().yield(this); // another worker may run it from here on
      break;
    }
    status_.store(2, std::memory_order_relaxed);
    if (inbox_.try_block())
      break; // the next signal wakes it, maybe on another worker at once
    status_.store(0, std::memory_order_relaxed);
  }
}

void process_base::drain() noexcept {
  if (exiting_)
    return; // what is still queued is answered by terminate
  signal* s = inbox_.take_all();
  while (s) {
    signal* next = s->next;
    handle_signal(s);
    if (exiting_) {
      exit_by_signal_ = true;
      leftover_ = next; // answered in terminate, as a dead process would
      break;
    }
    s = next;
  }
}

void process_base::set_exit(term reason) noexcept {
  if (exiting_)
    return;
  exiting_ = true;
  exit_reason_ = std::move(reason);
}

void process_base::append_message(signal* s) noexcept {
  if (!is_unboxed(s->kind)) // those stay unboxed until code looks at them
    s->kind = signal_kind::message;
  s->next = nullptr;
  if (queue_tail_)
    queue_tail_->next = s;
  else
    queue_head_ = s;
  queue_tail_ = s;
  bump_queue_len(1);
}

void process_base::handle_signal(signal* s) noexcept {
  switch (s->kind) {
  case signal_kind::message:
    append_message(s);
    return;
  case signal_kind::timer: {
    std::lock_guard lock{lock_};
    if (timers_)
      erase_first(*timers_, [&](auto k) { return k == s->seq; });
  }
    append_message(s);
    return;
  case signal_kind::timeout:
    timeout_fired_ = s->seq;
    break;
  case signal_kind::alias_message:
    if (extras_ && extras_->aliases.contains(s->extra.as_ref())) {
      if (s->seq == 1) {
        // The target answered and dropped our monitor: forget it here too,
        // so the demonitor that follows sends nothing.
        std::lock_guard lock{lock_};
        extras_->monitors.erase(s->extra);
      }
      append_message(s);
      return;
    }
    break; // the alias is no longer active: the message never lands
  case signal_kind::call_request:
    // No object: the DOWN names this process (see terminate), and holding
    // our own pid here would cost two refcount updates a call.
    add_watcher(s->extra.tail().as_ref(), s->from, term{});
    append_message(s);
    return;
  case signal_kind::call_reply: {
    if (!extras_)
      break;
    const ref alias = s->extra.tail().as_ref();
    if (!extras_->aliases.contains(alias))
      break; // as for alias_message
    if (s->seq == 1) {
      std::lock_guard lock{lock_};
      extras_->monitors.erase(alias);
    }
    append_message(s);
    return;
  }
  case signal_kind::cast_request:
  case signal_kind::start_ack:
  case signal_kind::down_message: // made here only from a down, never sent
    append_message(s);
    return;
  case signal_kind::link:
    add_link(std::move(s->from));
    break;
  case signal_kind::unlink:
    remove_link(s->from);
    break;
  case signal_kind::exit:
    handle_exit_signal(s, false);
    return;
  case signal_kind::exit_linked: {
    if (remove_link(s->from)) {
      handle_exit_signal(s, true);
      return;
    }
    break; // unlinked meanwhile: the signal no longer applies
  }
  case signal_kind::forced_exit:
    set_exit(std::move(s->payload));
    break;
  case signal_kind::monitor:
    add_watcher(s->extra.as_ref(), std::move(s->from), std::move(s->payload));
    break;
  case signal_kind::demonitor:
    remove_watcher(s->extra.as_ref());
    // A process that was watched once (a synchronous start's monitor)
    // need not keep empty tables while it idles.
    compact();
    break;
  case signal_kind::down: {
    bool active = false;
    if (extras_) {
      std::lock_guard lock{lock_};
      active = extras_->monitors.erase(s->extra);
    }
    if (active) {
      if (!extras_->aliases.empty())
        extras_->aliases.erase(s->extra.as_ref()); // {alias, demonitor}
      if (s->seq == 1)
        s->kind = signal_kind::down_message; // boxed when code looks at it
      append_message(s); // else payload is the whole 'DOWN' tuple
      return;
    }
    break; // demonitored meanwhile
  }
  }
  delete s;
}

void process_base::handle_exit_signal(signal* s, bool linked) noexcept {
  const term& reason = s->payload;
  if (!linked && reason == term{atoms::kill}) {
    set_exit(atoms::killed); // exit(P, kill) is untrappable
  } else if (trap_exit()) {
    // Moved, not copied: a copy of the pid or of a boxed reason is a locked
    // increment, and dropping the original a locked decrement. The message
    // needs neither the signal's sender nor its old payload any more.
    s->payload = term{atoms::EXIT, std::move(s->from), std::move(s->payload)};
    append_message(s);
    return;
  } else if (reason == term{atoms::normal}) {
    if (!linked && s->from.block() == this)
      set_exit(atoms::normal); // exit(self(), normal) ends the caller
  } else {
    set_exit(reason);
  }
  delete s;
}

// -- the message queue --------------------------------------------------------

signal* process_base::take_matching(bool (*match)(const void*, const term&),
                                    const void* pred, const term* reply_tag,
                                    const pid_block* ack_from) {
  signal* prev = save_;
  signal* cur = save_ ? save_->next : queue_head_;
  while (cur) {
    bool take = false;
    if (reply_tag && cur->kind == signal_kind::call_reply &&
        cur->extra == *reply_tag) {
      // The awaited reply needs no term: the waiting call takes its parts
      // (`match` would accept the `{Tag, Reply}` it stands for).
      take = true;
    } else if (ack_from && cur->kind == signal_kind::start_ack &&
               cur->seq == reinterpret_cast<std::uintptr_t>(ack_from)) {
      take = true; // as for the reply: the start waits for this ack
    } else {
      if (cur->kind != signal_kind::message)
        box_message(*cur);
      take = !match || match(pred, cur->payload);
    }
    if (take) {
      (prev ? prev->next : queue_head_) = cur->next;
      if (queue_tail_ == cur)
        queue_tail_ = prev;
      bump_queue_len(-1);
      cur->next = nullptr;
      return cur;
    }
    prev = cur;
    cur = cur->next;
  }
  save_ = prev;
  return nullptr;
}

signal* process_base::pop_message() {
  signal* s = pop_signal();
  if (s)
    box_message(*s);
  return s;
}

signal* process_base::pop_signal() noexcept {
  signal* s = queue_head_;
  if (!s)
    return nullptr;
  queue_head_ = s->next;
  if (!queue_head_)
    queue_tail_ = nullptr;
  if (save_ == s)
    save_ = nullptr;
  bump_queue_len(-1);
  s->next = nullptr;
  return s;
}

// -- links and monitors (owner) -----------------------------------------------

void process_base::link(const pid& to) {
  if (!to || to.block() == this)
    return;
  if (!add_link(to))
    return; // already linked
  if (!to.is_local()) {
    send_signal(to, make_signal(signal_kind::link, self()));
    return;
  }
  auto* target = static_cast<process_base*>(to.block());
  auto* s = make_signal(signal_kind::link, self());
  if (target->enqueue(s) != inbox::push_result::closed)
    return;
  delete s;
  remove_link(to);
  // Linking to a dead process: a trapping caller hears of it as a message,
  // any other caller fails with noproc (checked against erl).
  if (!trap_exit())
    throw exit_exception{atoms::noproc};
  // The EXIT stands for a signal from the dead process: it goes after any
  // signal already here, such as a message it sent before it died (erl
  // keeps that order). Take those into the queue first.
  drain();
  auto* msg = make_signal(signal_kind::message, pid{});
  msg->payload = term{atoms::EXIT, to, atoms::noproc};
  append_message(msg);
}

bool process_base::add_timer(std::uint64_t timer) {
  // A visit: the process cannot finish ending (and take timers_) while it
  // lasts, and one that ended is seen closed. lock_ orders the adders.
  inbox::visit v{inbox_};
  if (v.closed())
    return false;
  std::lock_guard lock{lock_};
  if (!timers_)
    timers_ = std::make_unique<std::vector<std::uint64_t>>();
  timers_->push_back(timer);
  return true;
}

void process_base::exit_self(const term& reason) {
  term final_reason = reason;
  if (reason == term{atoms::kill}) {
    final_reason = atoms::killed;
  } else if (trap_exit()) {
    auto* msg = make_signal(signal_kind::message, pid{});
    msg->payload = term{atoms::EXIT, self(), reason};
    append_message(msg);
    return;
  }
  // A signal, not an exception, in Erlang: the exit is decided here, so
  // user code that catches the unwinding still ends at its next receive.
  // Not thrown while already unwinding (from a destructor): the decision
  // alone ends the process then.
  set_exit(final_reason);
  if (std::uncaught_exceptions() == 0)
    throw exit_exception{std::move(final_reason)};
}

void process_base::unlink(const pid& to) noexcept {
  if (remove_link(to))
    send_signal(to, make_signal(signal_kind::unlink, self()));
}

ref process_base::monitor(const pid& target, term object) {
  take_signals_now_and_then();
  auto tag = ref::make();
  auto* s = make_signal(signal_kind::monitor, self());
  s->extra = tag;
  s->payload = object;
  {
    auto& ex = extras();
    std::lock_guard lock{lock_};
    ex.monitors.insert(tag, target);
  }
  if (target.is_local() &&
      static_cast<process_base*>(target.block())->enqueue(s) !=
          inbox::push_result::closed)
    return tag;
  delete s;
  // A dead (or unknown) target: the DOWN comes at once, with noproc.
  {
    std::lock_guard lock{lock_};
    extras_->monitors.erase(tag);
  }
  // As for link: after signals already here (erl keeps the order of what
  // the dead target sent before it died and its DOWN).
  drain();
  auto* down = make_signal(signal_kind::message, pid{});
  down->payload = down_message(tag, object, atoms::noproc);
  append_message(down);
  return tag;
}

ref process_base::make_alias() {
  auto alias = ref::make();
  extras().aliases.insert(alias, true);
  return alias;
}

bool process_base::remove_alias(const ref& alias) noexcept {
  return extras_ && extras_->aliases.erase(alias);
}

void process_base::send_gen_call(const pid& target, const ref& tag,
                                 term alias_tag, atom label, term request) {
  take_signals_now_and_then();
  auto* s = make_signal(signal_kind::call_request, self());
  s->extra = std::move(alias_tag);
  s->seq = label.index();
  s->payload = std::move(request);
  {
    auto& ex = extras();
    std::lock_guard lock{lock_};
    ex.monitors.insert(tag, target);
  }
  extras_->aliases.insert(tag, true);
  if (target.is_local() &&
      static_cast<process_base*>(target.block())->enqueue(s) !=
          inbox::push_result::closed)
    return;
  delete s;
  {
    std::lock_guard lock{lock_};
    extras_->monitors.erase(tag);
  }
  extras_->aliases.erase(tag);
  drain(); // as monitor does for a dead target
  auto* down = make_signal(signal_kind::message, pid{});
  down->payload = down_message(tag, term{target}, atoms::noproc);
  append_message(down);
}

bool process_base::release_monitor(const ref& tag) noexcept {
  return remove_watcher(tag);
}

void process_base::compact() noexcept {
  if (extras_ && extras_->links.empty() && extras_->monitors.empty() &&
      extras_->monitored_by.empty() && extras_->aliases.empty()) {
    std::unique_ptr<process_extras> gone;
    std::lock_guard lock{lock_};
    gone = std::move(extras_);
  }
}

ref process_base::monitor_with_alias(const pid& target) {
  ref tag = monitor(target, term{target});
  if (extras_->monitors.contains(tag)) // not already answered with noproc
    extras_->aliases.insert(tag, true);
  return tag;
}

bool process_base::demonitor(const ref& tag, bool flush) noexcept {
  bool active = false;
  pid target;
  // The owner is its tables' only writer, so it may look without the lock;
  // and a call's demonitor mostly finds nothing (its server dropped the
  // monitor with the reply).
  if (extras_ && extras_->monitors.contains(tag)) {
    std::lock_guard lock{lock_};
    if (auto found = extras_->monitors.extract(tag)) {
      active = true;
      target = std::move(*found);
    }
  }
  if (extras_ && !extras_->aliases.empty())
    extras_->aliases.erase(tag); // {alias, demonitor}
  if (active) {
    auto* s = make_signal(signal_kind::demonitor, self());
    s->extra = tag;
    send_signal(target, s);
  }
  if (flush) {
    // A DOWN already taken into the queue; ones still in the inbox are
    // dropped when taken, since the monitor is gone.
    signal* prev = nullptr;
    for (signal* s = queue_head_; s; prev = s, s = s->next) {
      const term& m = s->payload;
      const bool down = s->kind == signal_kind::down_message
                            ? s->extra.as_ref() == tag
                            : s->kind == signal_kind::message && m.is_tuple() &&
                                  m.size() == 5 && m[0] == term{atoms::DOWN} &&
                                  m[1].is_ref() && m[1].as_ref() == tag;
      if (down) {
        (prev ? prev->next : queue_head_) = s->next;
        if (queue_tail_ == s)
          queue_tail_ = prev;
        if (save_ == s)
          save_ = prev;
        bump_queue_len(-1);
        delete s;
        break;
      }
    }
  }
  return active;
}

void process_base::adopt_link(process_base& child, bool as_parent) {
  take_signals_now_and_then();
  add_link(child.self());
  // The child's first link, in its inline slot, without its lock: not yet
  // started, the child is seen by no other thread (process_info needs a
  // pid only its spawner holds), and the lock is a locked instruction.
  child.link_ = self();
  child.link_is_parent_ = as_parent;
}

ref process_base::adopt_monitor(process_base& child) {
  take_signals_now_and_then();
  auto tag = ref::make();
  {
    auto& ex = extras();
    std::lock_guard lock{lock_};
    ex.monitors.insert(tag, child.self());
  }
  child.add_watcher(tag, self(), term{}); // the DOWN names the child
  return tag;
}

// -- exiting ------------------------------------------------------------------

void process_base::bounce_leftovers(signal* s, const term& reason) noexcept {
  while (s) {
    signal* next = s->next;
    s->next = nullptr;
    switch (s->kind) {
    case signal_kind::link: {
      // The linker counts on a link: it hears of our end instead.
      auto to = std::move(s->from);
      s->kind = signal_kind::exit_linked;
      s->from = self();
      s->payload = reason;
      send_signal(to, s);
      break;
    }
    case signal_kind::monitor:
    case signal_kind::call_request: {
      auto to = std::move(s->from);
      const bool call = s->kind == signal_kind::call_request;
      auto tag = call ? s->extra.tail().as_ref() : s->extra.as_ref();
      term object = call ? term{self()} : s->payload;
      s->extra = tag; // a DOWN's extra is the bare ref
      s->kind = signal_kind::down;
      s->from = self();
      s->payload = down_message(tag, object, reason);
      send_signal(to, s);
      break;
    }
    default:
      delete s;
    }
    s = next;
  }
}

void process_base::terminate() noexcept {
  status_.store(3, std::memory_order_relaxed);
  release_user_state();
  // From here the process is not alive (is_alive reads the inbox). The
  // close is seq_cst: ordered before drop_name's load of `name` (see
  // runtime_core::register_name).
  signal* rest = inbox_.close();
  rt_.count_exit();
  rt_.drop_name(*this);

  // The inbox is closed and no visit is on (see inbox::close): process_info
  // and add_timer find the process ended from now on, so its tables are
  // taken without lock_.
  std::unique_ptr<process_extras> ex = std::move(extras_);
  std::unique_ptr<std::vector<std::uint64_t>> timers = std::move(timers_);
  pid watcher = std::move(watcher_);
  pid link = std::move(link_);
  if (timers)
    for (auto key : *timers)
      rt_.timers().cancel(key);
  const term& reason = exit_reason_;
  // A DOWN naming us by pid travels unboxed (see signal_kind::down).
  auto send_down = [&](const pid& to, const ref& tag) {
    auto* s = make_signal(signal_kind::down, self());
    s->extra = tag;
    s->seq = 1;
    s->payload = reason;
    send_signal(to, s);
  };
  // Exit signals before DOWNs, as the BEAM sends them: a process both
  // linked to and monitoring us (trapping exits) gets the 'EXIT' first.
  auto send_exit_linked = [&](const pid& to) {
    auto* s = make_signal(signal_kind::exit_linked, self());
    s->payload = reason;
    send_signal(to, s);
  };
  // A process whose one link is all that hears of its end (a supervisor's
  // crashed child) gives that signal its reason rather than a copy: a
  // boxed reason's copy and the release of the original are two locked
  // instructions. Nothing below reads the reason then.
  if (link && !ex && !watcher && !leftover_ && !rest && !rt_.exit_observer) {
    auto* s = make_signal(signal_kind::exit_linked, self());
    s->payload = std::move(exit_reason_);
    send_signal(link, s);
    link = pid{};
  }
  if (link)
    send_exit_linked(link);
  if (ex)
    ex->links.for_each([&](const pid& to, bool) { send_exit_linked(to); });
  if (watcher)
    send_down(watcher, ref::local_from_counter(watcher_tag_));
  if (ex) {
    ex->monitored_by.for_each([&](const ref& tag, const monitor_in& m) {
      if (m.object.is_nil()) {
        send_down(m.watcher, tag);
        return;
      }
      auto* s = make_signal(signal_kind::down, self());
      s->extra = tag;
      s->payload = down_message(tag, m.object, reason);
      send_signal(m.watcher, s);
    });
    ex->monitors.for_each([&](const ref& tag, const pid& target) {
      auto* s = make_signal(signal_kind::demonitor, self());
      s->extra = tag;
      send_signal(target, s);
    });
  }
  // As in erl: a link or monitor that comes after an exit signal has ended
  // the process finds it gone (noproc); one that was already waiting when
  // the process ended by itself (a crash, its code returning) gets the
  // real reason, as the BEAM handles a busy process's pending signals.
  bounce_leftovers(std::exchange(leftover_, nullptr), term{atoms::noproc});
  bounce_leftovers(rest, exit_by_signal_ ? term{atoms::noproc} : reason);
  while (signal* s = pop_signal())
    delete s;
  save_ = nullptr;
  rt_.remove(this, reason); // may free this
}

// -- introspection ------------------------------------------------------------

bool process_base::fill_info(process_info& out) const {
  // A visit: an ending process waits for it before it gives up its tables
  // (see terminate), and one that has ended is seen closed here.
  inbox::visit v{inbox_};
  if (v.closed())
    return false;
  static constexpr atom statuses[] = {atoms::running, atoms::runnable,
                                      atoms::waiting, atoms::exiting};
  auto* self_block = const_cast<process_base*>(this);
  out.self = self_block->self();
  out.status = statuses[status_.load(std::memory_order_relaxed)];
  // What is taken into the queue, and what still waits in the inbox (as
  // erl counts it, so an overloaded process that is not draining shows).
  out.message_queue_len =
      queue_len_.load(std::memory_order_relaxed) +
      v.count_if([](const signal& s) { return carries_message(s.kind); });
  out.trap_exit = trap_exit();
  out.registered_name = atom::from_index(name.load(std::memory_order_acquire));
  out.initial_call = initial_call();
  out.memory =
      sizeof(*this) + user_memory() + out.message_queue_len * sizeof(signal);
  std::lock_guard lock{lock_};
  if (watcher_)
    out.monitored_by.push_back(watcher_);
  if (link_)
    out.links.push_back(link_);
  if (extras_) {
    extras_->links.for_each(
        [&](const pid& p, bool) { out.links.push_back(p); });
    extras_->monitors.for_each(
        [&](const ref&, const pid& p) { out.monitors.push_back(p); });
    extras_->monitored_by.for_each([&](const ref&, const monitor_in& m) {
      out.monitored_by.push_back(m.watcher);
    });
    out.memory += sizeof(process_extras) + extras_->links.heap_bytes() +
                  extras_->monitors.heap_bytes() +
                  extras_->monitored_by.heap_bytes();
  }
  std::sort(out.links.begin(), out.links.end());
  return true;
}

std::vector<term> process_base::peek_messages() const {
  std::vector<term> out;
  for (signal* s = queue_head_; s; s = s->next)
    out.push_back(message_term(*s));
  std::vector<term> pending;
  inbox_.peek([&](const signal& s) {
    if (carries_message(s.kind))
      pending.push_back(message_term(s));
  });
  out.insert(out.end(), pending.rbegin(), pending.rend());
  return out;
}

} // namespace otp::detail
