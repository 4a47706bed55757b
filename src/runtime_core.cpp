#include "runtime_core.hpp"

#include "application_registry.hpp"
#include "otp/local_node.hpp"

#include <fmt/format.h>

namespace otp::detail {

namespace {
/// This thread's shard of the live count.
std::size_t this_thread_shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard =
      next.fetch_add(1, std::memory_order_relaxed);
  return shard;
}

std::atomic<std::uint64_t> core_ids{1};

/// This thread's block of process numbers, [next, end), in runtime `core`.
struct number_block {
  std::uint64_t core = 0;
  std::uint64_t next = 0;
  std::uint64_t end = 0;
};
thread_local number_block numbers;
constexpr std::uint64_t number_block_size = 64;
} // namespace

runtime_core::runtime_core(std::unique_ptr<internal::scheduler> sched,
                           bool manual_time)
    : sched_(std::move(sched)), timers_(*this, manual_time),
      id_(core_ids.fetch_add(1, std::memory_order_relaxed)),
      worker_live_(std::make_unique<live_shard[]>(sched_->workers())),
      applications_(std::make_unique<application_registry>()) {
  sched_->start();
}

runtime_core::~runtime_core() {
  shutdown();
}

std::uint64_t runtime_core::next_number() noexcept {
  auto& b = numbers;
  if (b.core != id_ || b.next == b.end) {
    b.core = id_;
    b.next =
        next_number_.fetch_add(number_block_size, std::memory_order_relaxed);
    b.end = b.next + number_block_size;
  }
  return b.next++;
}

void runtime_core::count_live(std::int64_t by) noexcept {
  if (const int w = sched_->worker_index(); w >= 0) {
    auto& c = worker_live_[static_cast<std::size_t>(w)].count;
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    return;
  }
  live_[this_thread_shard() % live_shards].count.fetch_add(
      by, std::memory_order_relaxed);
}

void runtime_core::add(process_base* p) noexcept {
  count_live(1);
  p->table_index = table_.add(p);
}

std::size_t runtime_core::live() const noexcept {
  std::int64_t sum = 0;
  for (auto& s : live_)
    sum += s.count.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < sched_->workers(); ++i)
    sum += worker_live_[i].count.load(std::memory_order_relaxed);
  return sum < 0 ? 0 : static_cast<std::size_t>(sum);
}

void runtime_core::count_exit() noexcept {
  count_live(-1);
  // A shutdown waiting for the count to reach zero hears of it here, or
  // sees it when it looks again (see wait_all_exited).
  if (shutting_down_.load(std::memory_order_relaxed)) {
    std::lock_guard lock{exited_mutex_};
    all_exited_.notify_all();
  }
}

void runtime_core::remove(process_base* p, const term& reason) noexcept {
  table_.remove(p->table_index, p);
  if (exit_observer) {
    auto self = p->self();
    exit_observer(self, reason);
  }
  p->release(); // the runtime's own reference, taken at spawn
}

std::vector<pid> runtime_core::processes() const {
  auto out = table_.snapshot();
  std::erase_if(out, [](const pid& p) {
    return !static_cast<process_base*>(p.block())->is_alive();
  });
  std::sort(out.begin(), out.end());
  return out;
}

expected<void, error> runtime_core::register_name(atom name, const pid& p) {
  if (name == atoms::undefined)
    return unexpected(error{errc::badarg, "the name 'undefined' is reserved"});
  if (!p.is_local())
    return unexpected(error{errc::badarg, "only local processes get names"});
  auto* proc = static_cast<process_base*>(p.block());
  std::unique_lock lock{names_mutex_};
  if (!proc->is_alive())
    return unexpected(
        error{errc::badarg, fmt::format("{} is not alive", to_string(p))});
  if (auto it = names_.find(name.index()); it != names_.end())
    return unexpected(error{
        errc::badarg, fmt::format("the name '{}' is already registered to {}",
                                  name.text(), to_string(it->second))});
  if (auto old = proc->name.load(std::memory_order_relaxed))
    return unexpected(error{
        errc::badarg, fmt::format("{} is already registered as '{}'",
                                  to_string(p), atom::from_index(old).text())});
  names_.emplace(name.index(), p);
  proc->name.store(name.index(), std::memory_order_seq_cst);
  // The process may have ended since the check above: its drop_name skips
  // this lock when it sees no name, so a name stored after that would name
  // a dead pid forever. Dekker pairing, all seq_cst: we store `name` then
  // load the liveness (is_alive); terminate closes the inbox, which ends
  // it, then (drop_name) loads `name`.
  // Either it sees our name and erases it under the lock once we release
  // it, or we see it dead here and undo.
  if (!proc->is_alive()) {
    names_.erase(name.index());
    proc->name.store(0, std::memory_order_seq_cst);
    return unexpected(
        error{errc::badarg, fmt::format("{} is not alive", to_string(p))});
  }
  return {};
}

expected<void, error> runtime_core::unregister(atom name) {
  std::unique_lock lock{names_mutex_};
  auto it = names_.find(name.index());
  if (it == names_.end())
    return unexpected(
        error{errc::badarg,
              fmt::format("the name '{}' is not registered", name.text())});
  static_cast<process_base*>(it->second.block())
      ->name.store(0, std::memory_order_release);
  names_.erase(it);
  return {};
}

pid runtime_core::whereis(atom name) const {
  std::shared_lock lock{names_mutex_};
  auto it = names_.find(name.index());
  return it == names_.end() ? pid{} : it->second;
}

std::vector<atom> runtime_core::registered() const {
  std::shared_lock lock{names_mutex_};
  std::vector<atom> out;
  out.reserve(names_.size());
  for (auto& [index, p] : names_)
    out.push_back(atom::from_index(index));
  return out;
}

expected<void, error> runtime_core::send_to_name(atom name, term msg) {
  auto to = whereis(name);
  if (!to)
    return unexpected(not_registered(name));
  send_message(to, std::move(msg));
  return {};
}

error runtime_core::not_registered(atom name) {
  return error{errc::badarg,
               fmt::format("no process is registered as '{}'", name.text())};
}

atom runtime_core::drop_name(process_base& p) noexcept {
  // The dying process has already stopped being alive (seq_cst store), so
  // a register_name that stores a name we do not see here re-checks
  // liveness after storing it and undoes it (see register_name).
  if (p.name.load(std::memory_order_seq_cst) == 0)
    return atom{};
  std::unique_lock lock{names_mutex_};
  auto index = p.name.exchange(0, std::memory_order_acq_rel);
  if (index)
    names_.erase(index);
  return atom::from_index(index);
}

void runtime_core::shutdown() noexcept {
  if (stopped_)
    return;
  shutting_down_.store(true, std::memory_order_seq_cst);
  auto all = table_.snapshot();
  for (auto& p : all)
    static_cast<process_base*>(p.block())->request_shutdown();
  all.clear();
  sched_->run_until_idle();
  wait_all_exited();
  sched_->stop();
  timers_.stop();
  stopped_ = true;
}

void runtime_core::wait_all_exited() noexcept {
  // The wake-up from count_exit is a hint, not a handshake: a worker's
  // count is a plain store, which the flag's load may pass. So the wait
  // also looks again every millisecond.
  std::unique_lock lock{exited_mutex_};
  while (!all_exited_.wait_for(lock, std::chrono::milliseconds{1},
                               [this] { return live() == 0; })) {
  }
}

} // namespace otp::detail
