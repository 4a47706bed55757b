#include "otp/logger.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <exception>

namespace otp {

std::atomic<log_level> detail::logger_threshold{log_level::notice};

namespace {

struct handler_entry {
  std::string id;
  std::shared_ptr<log_handler> handler;
  log_level level;
};

using handler_list = std::vector<handler_entry>;

/// The logger's configuration. The handler list is copy-on-write: writers
/// build a new list under `mutex`; loggers copy the pointer under `mutex` and
/// call handlers after releasing it.
struct logger_state {
  std::mutex mutex;
  std::shared_ptr<const handler_list> handlers;
  log_level primary = log_level::notice;
};

/// Never destroyed, so code logging from static destructors or detached
/// threads at exit still finds it.
logger_state& state() {
  static logger_state* s = [] {
    auto* fresh = new logger_state;
    fresh->handlers = std::make_shared<const handler_list>(handler_list{
        {"default", std::make_shared<stderr_handler>(), log_level::all}});
    return fresh;
  }();
  return *s;
}

/// Recomputes `logger_threshold`. Caller holds `state().mutex`.
void update_threshold(const logger_state& s) {
  log_level most_verbose = log_level::none;
  for (const handler_entry& e : *s.handlers)
    most_verbose = std::max(most_verbose, e.level);
  detail::logger_threshold.store(std::min(s.primary, most_verbose),
                                 std::memory_order_relaxed);
}

/// Replaces the handler list with `edit(copy)` if `edit` returns true.
/// Thread-safe.
template <class Edit>
bool edit_handlers(Edit&& edit) {
  logger_state& s = state();
  std::lock_guard lock{s.mutex};
  auto copy = std::make_shared<handler_list>(*s.handlers);
  if (!edit(*copy))
    return false;
  s.handlers = std::move(copy);
  update_threshold(s);
  return true;
}

std::shared_ptr<const handler_list> snapshot() {
  logger_state& s = state();
  std::lock_guard lock{s.mutex};
  return s.handlers;
}

/// Removes a handler that threw, unless it was already removed or replaced
/// (several threads may see the same handler throw); reports it once.
void drop_crashed(const handler_entry& e, const char* what) {
  bool removed = edit_handlers([&](handler_list& list) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& x) {
      return x.id == e.id && x.handler == e.handler;
    });
    if (it == list.end())
      return false;
    list.erase(it);
    return true;
  });
  if (removed)
    fmt::print(stderr,
               "otp::logger: handler '{}' crashed and was removed: {}\n", e.id,
               what);
}

void call_handler(const handler_entry& e, const log_event& event) {
  try {
    e.handler->log(event);
  } catch (const std::exception& ex) {
    drop_crashed(e, ex.what());
  } catch (...) {
    drop_crashed(e, "unknown exception");
  }
}

constexpr std::array<std::string_view, 10> level_names{
    "none",    "emergency", "alert", "critical", "error",
    "warning", "notice",    "info",  "debug",    "all"};

constexpr std::array<std::string_view, 12> month_names{
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// `24-Nov-2026::20:31:34.123456`, local time.
std::string format_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<microseconds>(t.time_since_epoch());
  auto secs = floor<seconds>(since_epoch);
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  localtime_r(&tt, &tm);
  return fmt::format("{:02}-{}-{:04}::{:02}:{:02}:{:02}.{:06}", tm.tm_mday,
                     month_names[static_cast<std::size_t>(tm.tm_mon)],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (since_epoch - secs).count());
}

/// `ERROR`, `WARNING`, ...
std::string upper_name(log_level level) {
  std::string name{to_string(level)};
  for (char& c : name)
    c = static_cast<char>(c - 'a' + 'A');
  return name;
}

} // namespace

std::string_view to_string(log_level level) noexcept {
  auto i = static_cast<std::size_t>(level);
  return i < level_names.size() ? level_names[i] : "unknown";
}

// -- handlers -----------------------------------------------------------------

void stderr_handler::log(const log_event& event) {
  std::string text = logger::format_event(event);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void capture_handler::log(const log_event& event) {
  std::lock_guard lock{mutex_};
  events_.push_back(event);
}

std::vector<log_event> capture_handler::events() const {
  std::lock_guard lock{mutex_};
  return events_;
}

std::size_t capture_handler::size() const {
  std::lock_guard lock{mutex_};
  return events_.size();
}

void capture_handler::clear() {
  std::lock_guard lock{mutex_};
  events_.clear();
}

// -- dispatch -----------------------------------------------------------------

void detail::dispatch_log_event(log_level level, const log_metadata* metadata,
                                std::string text) {
  log_event event{level, std::chrono::system_clock::now(), std::move(text),
                  metadata ? *metadata : log_metadata{},
                  std::this_thread::get_id()};
  auto handlers = snapshot();
  for (const handler_entry& e : *handlers)
    if (level <= e.level)
      call_handler(e, event);
}

// -- configuration ------------------------------------------------------------

bool logger::add_handler(std::string id, std::shared_ptr<log_handler> handler,
                         log_level level) {
  if (!handler)
    return false;
  return edit_handlers([&](handler_list& list) {
    if (std::any_of(list.begin(), list.end(),
                    [&](const auto& e) { return e.id == id; }))
      return false;
    list.push_back({std::move(id), std::move(handler), level});
    return true;
  });
}

bool logger::remove_handler(std::string_view id) {
  return edit_handlers([&](handler_list& list) {
    return std::erase_if(list, [&](const auto& e) { return e.id == id; }) > 0;
  });
}

bool logger::set_handler_level(std::string_view id, log_level level) {
  return edit_handlers([&](handler_list& list) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& e) { return e.id == id; });
    if (it == list.end())
      return false;
    it->level = level;
    return true;
  });
}

std::vector<std::string> logger::handler_ids() {
  std::vector<std::string> ids;
  for (const handler_entry& e : *snapshot())
    ids.push_back(e.id);
  return ids;
}

void logger::set_level(log_level level) {
  logger_state& s = state();
  std::lock_guard lock{s.mutex};
  s.primary = level;
  update_threshold(s);
}

log_level logger::level() {
  logger_state& s = state();
  std::lock_guard lock{s.mutex};
  return s.primary;
}

std::string logger::format_event(const log_event& event) {
  std::string out =
      fmt::format("={} REPORT==== {} ===", upper_name(event.level),
                  format_time(event.time));
  for (const auto& [key, value] : event.metadata)
    fmt::format_to(std::back_inserter(out), " {}={}", key, value);
  out += '\n';
  out += event.text;
  if (event.text.empty() || event.text.back() != '\n')
    out += '\n';
  return out;
}

} // namespace otp
