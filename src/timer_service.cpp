#include "timer_service.hpp"

#include "runtime_core.hpp"

#include <ctime>
#include <vector>

namespace otp::internal {

timer_service::timer_service(detail::runtime_core& rt, bool manual)
    : rt_(rt), manual_(manual), origin_(std::chrono::steady_clock::now()) {
  if (!manual_)
    thread_ = std::thread{[this] { run_thread(); }};
}

timer_service::~timer_service() {
  stop();
}

std::uint64_t timer_service::now_ms() const {
  if (manual_)
    return virtual_now_;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - origin_)
          .count());
}

std::uint64_t timer_service::coarse_now_ms() const {
  if (manual_)
    return virtual_now_;
  timespec ts{};
  // steady_clock is CLOCK_MONOTONIC; this is the same clock, coarser.
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  const auto now =
      std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
  const auto since = now - origin_.time_since_epoch();
  // Just after the start the coarse clock may still be behind origin_.
  return since.count() < 0
             ? 0
             : static_cast<std::uint64_t>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(since)
                       .count());
}

void timer_service::start_at(std::uint64_t deadline, timer_payload p) {
  std::unique_lock lock{mutex_};
  if (stopping_)
    return;
  // Round up so a timer never fires before its delay has fully passed.
  if (!manual_)
    deadline += 1;
  auto key = p.key;
  by_key_.insert(key, wheel_.insert(deadline, std::move(p)));
  // Wake the thread only when it sleeps past this deadline: timers started
  // together mostly share a millisecond, and each wake-up is a syscall.
  if (!manual_ && deadline < sleeping_until_) {
    sleeping_until_ = deadline;
    lock.unlock();
    wake_.notify_one();
  }
}

std::optional<std::chrono::milliseconds>
timer_service::cancel(std::uint64_t key) {
  std::lock_guard lock{mutex_};
  auto id = by_key_.extract(key);
  if (!id)
    return std::nullopt;
  auto deadline = wheel_.cancel(*id);
  if (!deadline)
    return std::nullopt;
  auto now = now_ms();
  return std::chrono::milliseconds{*deadline > now ? *deadline - now : 0};
}

std::size_t timer_service::pending() const {
  std::lock_guard lock{mutex_};
  return wheel_.size();
}

std::size_t timer_service::fire_due(std::unique_lock<std::mutex>& lock) {
  // One thread fires at a time (the timer thread, or the testkit's), so the
  // batch buffer is reused across calls instead of growing anew each time.
  auto& due = due_;
  due.clear();
  wheel_.advance(now_ms(), [&](timer_id, timer_payload&& p) {
    (void)by_key_.extract(p.key);
    due.push_back(std::move(p));
  });
  // Deliver outside the lock: delivering may wake processes, and a process
  // may start a timer of its own.
  lock.unlock();
  rt_.scheduler().begin_batch();
  for (auto& p : due) {
    auto* s = new detail::signal;
    s->kind = p.kind;
    s->seq = p.key;
    s->payload = std::move(p.msg);
    if (p.target)
      detail::send_signal(p.target, s);
    else if (auto to = rt_.whereis(p.name))
      detail::send_signal(to, s);
    else
      delete s; // a name no longer registered: the message is dropped
  }
  rt_.scheduler().end_batch();
  auto fired = due.size();
  due.clear(); // drop the pids now, not at the next firing
  lock.lock();
  return fired;
}

std::size_t timer_service::advance(std::chrono::milliseconds by) {
  std::unique_lock lock{mutex_};
  virtual_now_ += static_cast<std::uint64_t>(by.count());
  return fire_due(lock);
}

void timer_service::run_thread() {
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    fire_due(lock);
    if (stopping_)
      break;
    if (auto next = wheel_.next_deadline()) {
      sleeping_until_ = *next;
      auto when = origin_ + std::chrono::milliseconds{*next};
      wake_.wait_until(lock, when);
    } else {
      sleeping_until_ = UINT64_MAX;
      wake_.wait(lock);
    }
    sleeping_until_ = 0; // awake: nobody needs to notify
  }
}

void timer_service::stop() {
  {
    std::lock_guard lock{mutex_};
    if (stopping_ && !thread_.joinable())
      return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard lock{mutex_};
  wheel_.advance(UINT64_MAX, [](timer_id, timer_payload&&) {});
  by_key_ = decltype(by_key_){};
}

} // namespace otp::internal
