#pragma once
/// `otp::logger`: Erlang's `logger`, simplified.
///
/// An event has a level, a time, a text, optional metadata and the OS thread
/// that logged it. It passes the primary level (default `notice`), then each
/// handler's own level, and every handler that accepts it is called in turn.
///
/// | call                                   | effect |
/// |----------------------------------------|-------------------------------------|
/// | `logger::log(level, format, args...)`  | format and dispatch if enabled |
/// | `log_error(format, args...)` and co.   | the same at a fixed level | |
/// `logger::add_handler(id, h, level)`    | `h->log(event)` for accepted events
/// | | `logger::remove_handler(id)`           | no new events reach the handler
/// |
///
/// - Filtering is one relaxed atomic load against the most verbose level any
///   event could still pass (the primary level capped by the most verbose
///   handler), and a filtered call formats nothing.
/// - Handlers run on the logging thread, without any logger lock held (they
///   are read from a copy-on-write list), so a handler must be thread-safe.
/// - A handler that throws is removed, as Erlang removes a crashing handler;
///   its removal is reported once on stderr, and the other handlers still
///   get the event.
/// - At start the `default` handler (`stderr_handler`) is installed.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace otp {

/// Severity, most severe first (RFC 5424, as Erlang). `none` and `all` are
/// only meaningful as level settings: `none` lets nothing pass, `all`
/// everything.
enum class log_level : std::uint8_t {
  none,
  emergency,
  alert,
  critical,
  error,
  warning,
  notice,
  info,
  debug,
  all,
};

/// The level's Erlang name (`"error"`, `"warning"`, ...).
[[nodiscard]] std::string_view to_string(log_level level) noexcept;

/// Event metadata, such as `pid` or `domain`; printed sorted by key.
using log_metadata = std::map<std::string, std::string, std::less<>>;

/// One log event, as every handler receives it.
struct log_event {
  log_level level = log_level::notice;
  std::chrono::system_clock::time_point time;
  std::string text;
  log_metadata metadata;
  std::thread::id thread;
};

/// A destination for log events, installed with `logger::add_handler`.
class log_handler {
public:
  virtual ~log_handler() = default;

  /// Receives an event that passed the primary and the handler's level.
  /// Called from any logging thread, concurrently: must be thread-safe. May
  /// throw, which removes the handler. May still be called for an event in
  /// flight shortly after the handler was removed.
  virtual void log(const log_event& event) = 0;
};

/// The default handler: writes `logger::format_event` output to stderr, one
/// write per event so lines of concurrent events never interleave.
class stderr_handler final : public log_handler {
public:
  void log(const log_event& event) override;
};

/// Keeps every event in memory, for tests (of otp++ and of user code).
/// All members are thread-safe.
class capture_handler final : public log_handler {
public:
  void log(const log_event& event) override;

  /// A copy of the events received so far, oldest first.
  [[nodiscard]] std::vector<log_event> events() const;
  [[nodiscard]] std::size_t size() const;
  void clear();

private:
  mutable std::mutex mutex_;
  std::vector<log_event> events_;
};

namespace detail {

/// The most verbose level an event may have and still reach a handler:
/// min(primary level, most verbose handler level). Written under the logger
/// lock, read without it.
extern std::atomic<log_level> logger_threshold;

/// Stamps time and thread on a formatted event and hands it to the handlers.
void dispatch_log_event(log_level level, const log_metadata* metadata,
                        std::string text);

} // namespace detail

namespace logger {

/// Whether an event at `level` would reach some handler now. Thread-safe;
/// one relaxed atomic load.
[[nodiscard]] inline bool enabled(log_level level) noexcept {
  return level > log_level::none && level < log_level::all &&
         level <= detail::logger_threshold.load(std::memory_order_relaxed);
}

/// Logs `format` formatted with `args` at `level`; formats nothing if the
/// level is filtered out. Thread-safe.
template <class... Args>
void log(log_level level, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(level))
    detail::dispatch_log_event(
        level, nullptr, fmt::format(format, std::forward<Args>(args)...));
}

/// As above, with metadata (copied only if the event is enabled).
template <class... Args>
void log(log_level level, const log_metadata& metadata,
         fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(level))
    detail::dispatch_log_event(
        level, &metadata, fmt::format(format, std::forward<Args>(args)...));
}

/// Installs `handler` under `id`, receiving events at `level` or more severe
/// (and passing the primary level). Returns false if `id` is taken or
/// `handler` is null. Thread-safe.
[[nodiscard]] bool add_handler(std::string id,
                               std::shared_ptr<log_handler> handler,
                               log_level level = log_level::all);

/// Uninstalls handler `id`; returns false if there is none. Thread-safe.
bool remove_handler(std::string_view id);

/// Sets handler `id`'s level; returns false if there is no such handler.
/// Thread-safe.
bool set_handler_level(std::string_view id, log_level level);

/// The ids of the installed handlers, in installation order. Thread-safe.
[[nodiscard]] std::vector<std::string> handler_ids();

/// Sets the primary level (`notice` at start). Thread-safe.
void set_level(log_level level);

/// The primary level. Thread-safe.
[[nodiscard]] log_level level();

/// Erlang's legacy report layout, ending in a newline:
///
///     =ERROR REPORT==== 24-Nov-2026::20:31:34.123456 === pid=<0.42.0>
///     the text
///
/// Local time; metadata follows the header as sorted `key=value` pairs.
[[nodiscard]] std::string format_event(const log_event& event);

} // namespace logger

// -- shorthands ---------------------------------------------------------------

template <class... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  logger::log(log_level::error, format, std::forward<Args>(args)...);
}
template <class... Args>
void log_error(const log_metadata& md, fmt::format_string<Args...> format,
               Args&&... args) {
  logger::log(log_level::error, md, format, std::forward<Args>(args)...);
}

template <class... Args>
void log_warning(fmt::format_string<Args...> format, Args&&... args) {
  logger::log(log_level::warning, format, std::forward<Args>(args)...);
}
template <class... Args>
void log_warning(const log_metadata& md, fmt::format_string<Args...> format,
                 Args&&... args) {
  logger::log(log_level::warning, md, format, std::forward<Args>(args)...);
}

template <class... Args>
void log_notice(fmt::format_string<Args...> format, Args&&... args) {
  logger::log(log_level::notice, format, std::forward<Args>(args)...);
}
template <class... Args>
void log_notice(const log_metadata& md, fmt::format_string<Args...> format,
                Args&&... args) {
  logger::log(log_level::notice, md, format, std::forward<Args>(args)...);
}

template <class... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  logger::log(log_level::info, format, std::forward<Args>(args)...);
}
template <class... Args>
void log_info(const log_metadata& md, fmt::format_string<Args...> format,
              Args&&... args) {
  logger::log(log_level::info, md, format, std::forward<Args>(args)...);
}

template <class... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) {
  logger::log(log_level::debug, format, std::forward<Args>(args)...);
}
template <class... Args>
void log_debug(const log_metadata& md, fmt::format_string<Args...> format,
               Args&&... args) {
  logger::log(log_level::debug, md, format, std::forward<Args>(args)...);
}

} // namespace otp
