#pragma once
/// `kv::supervision_log`: a logger handler that counts what the
/// supervisors report, so the demo shows restarts the supervisors really
/// made rather than the faults it meant to cause.
///
/// A supervisor reports `child_terminated` (OTP's supervisor report, level
/// error, label `{supervisor,child_terminated}`) for each child that ended
/// unexpectedly, just before it restarts it: the KV service's children are
/// all permanent, so each such report is one restart. Children the
/// supervisor stops itself (rest_for_one stopping those after a crashed
/// child) are not reported, and not counted. A `{supervisor,shutdown}`
/// report means a supervisor reached its restart intensity and gave up.
///
/// The reports are read from their text (`supervisor: {local,Name}` and
/// the offender's `{id,Id}`); both are OTP's format, which otp++ follows.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <otp/logger.hpp>
#include <string>

namespace kv {

struct supervision_counts {
  std::uint64_t owner_restarts = 0;  ///< kv_sup restarting kv_table_owner
  std::uint64_t worker_restarts = 0; ///< kv_worker_sup restarting a worker
  std::uint64_t other_restarts = 0;  ///< any other child
  std::uint64_t start_errors = 0;    ///< a restart whose start failed
  std::uint64_t gave_up = 0;         ///< reached_max_restart_intensity
  std::uint64_t crash_reports = 0;   ///< gen_server crash reports
};

class supervision_log final : public otp::log_handler {
public:
  /// Thread-safe (the logger calls it from any thread).
  void log(const otp::log_event& event) override;

  /// The counts so far. Thread-safe.
  [[nodiscard]] supervision_counts counts() const;
  /// Waits until `done(counts())` or `timeout`; returns whether `done`
  /// held. Thread-safe.
  bool wait_until(const std::function<bool(const supervision_counts&)>& done,
                  std::chrono::milliseconds timeout) const;

private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  supervision_counts counts_;
};

/// Installs a supervision_log for its lifetime. Unless `verbose`, the
/// default (stderr) handler is muted meanwhile: the demo's crashes are
/// expected, and their reports would bury its output.
class scoped_supervision_log {
public:
  explicit scoped_supervision_log(bool verbose);
  ~scoped_supervision_log();
  scoped_supervision_log(const scoped_supervision_log&) = delete;
  scoped_supervision_log& operator=(const scoped_supervision_log&) = delete;

  [[nodiscard]] supervision_log& log() const noexcept { return *log_; }

private:
  std::shared_ptr<supervision_log> log_ = std::make_shared<supervision_log>();
  std::string id_;
  bool muted_ = false;
};

} // namespace kv
