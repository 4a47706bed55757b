#pragma once
/// The testkit's scheduler: one FIFO run queue, run by the test's own thread
/// one turn at a time, so a test decides exactly what runs and when.

#include "otp/detail/process_base.hpp"
#include "scheduler.hpp"

#include <deque>
#include <mutex>

namespace otp::internal {

class deterministic_scheduler final : public scheduler {
public:
  void start() override {}
  void wake(detail::process_base* p) noexcept override { push(p); }
  void spawn(detail::process_base* p) noexcept override { push(p); }
  void yield(detail::process_base* p) noexcept override { push(p); }
  void stop() noexcept override {}
  void run_until_idle() noexcept override {
    while (run_once())
      ;
  }
  [[nodiscard]] std::size_t workers() const noexcept override { return 1; }

  /// Runs one turn of the process at the front. Returns false when none is
  /// runnable.
  bool run_once() noexcept {
    detail::process_base* p = nullptr;
    {
      std::lock_guard lock{mutex_};
      if (queue_.empty())
        return false;
      p = queue_.front();
      queue_.pop_front();
    }
    p->run();
    return true;
  }
  [[nodiscard]] std::size_t runnable() const {
    std::lock_guard lock{mutex_};
    return queue_.size();
  }

private:
  void push(detail::process_base* p) noexcept {
    std::lock_guard lock{mutex_};
    queue_.push_back(p);
  }

  mutable std::mutex mutex_;
  std::deque<detail::process_base*> queue_;
};

} // namespace otp::internal
