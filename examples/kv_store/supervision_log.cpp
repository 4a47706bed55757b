#include "supervision_log.hpp"

#include <atomic>
#include <fmt/format.h>
#include <string_view>

namespace kv {

namespace supervision_log_detail {

/// The text after `key` up to the end of its line (empty if absent).
std::string_view field(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos)
    return {};
  const auto start = at + key.size();
  const auto end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? end : end - start);
}

std::string_view label_of(const otp::log_event& e) {
  auto it = e.metadata.find("label");
  return it == e.metadata.end() ? std::string_view{} : it->second;
}

} // namespace supervision_log_detail

void supervision_log::log(const otp::log_event& event) {
  using supervision_log_detail::field;
  const std::string_view label = supervision_log_detail::label_of(event);
  const std::string_view text = event.text;
  {
    std::lock_guard lock{mutex_};
    if (label == "{supervisor,child_terminated}") {
      const auto sup = field(text, "supervisor: ");
      if (sup == "{local,kv_worker_sup}")
        ++counts_.worker_restarts;
      else if (sup == "{local,kv_sup}" &&
               field(text, "offender: ").find("{id,table_owner}") !=
                   std::string_view::npos)
        ++counts_.owner_restarts;
      else
        ++counts_.other_restarts;
    } else if (label == "{supervisor,start_error}") {
      ++counts_.start_errors;
    } else if (label == "{supervisor,shutdown}") {
      ++counts_.gave_up;
    } else if (text.find("** Generic server") != std::string_view::npos) {
      ++counts_.crash_reports;
    } else {
      return;
    }
  }
  changed_.notify_all();
}

supervision_counts supervision_log::counts() const {
  std::lock_guard lock{mutex_};
  return counts_;
}

bool supervision_log::wait_until(
    const std::function<bool(const supervision_counts&)>& done,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return done(counts_); });
}

scoped_supervision_log::scoped_supervision_log(bool verbose) {
  // Unique per installation: tests install one per test.
  static std::atomic<unsigned> installed{0};
  id_ = fmt::format("kv_supervision_log_{}", installed.fetch_add(1));
  (void)otp::logger::add_handler(id_, log_, otp::log_level::error);
  if (!verbose)
    muted_ = otp::logger::set_handler_level("default", otp::log_level::none);
}

scoped_supervision_log::~scoped_supervision_log() {
  otp::logger::remove_handler(id_);
  if (muted_) // the level it is installed with (logger.cpp)
    otp::logger::set_handler_level("default", otp::log_level::all);
}

} // namespace kv
