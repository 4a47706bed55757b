#pragma once
/// Helpers shared by the semantics tests (signals, links, monitors, names,
/// receive, timers, introspection). Everything here is `inline` and lives in
/// `sigtest`, so the files can be compiled as one unity translation unit.
///
/// Patterns are plain predicates over the temporary `otp::term`; they never
/// throw (each checks shape before indexing).

#include "otp/logger.hpp"
#include "otp/testkit.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace otp {
// Readable gtest failure messages for terms and pids (found by ADL).
inline void PrintTo(const term& t, std::ostream* os) {
  *os << to_string(t);
}
inline void PrintTo(const pid& p, std::ostream* os) {
  *os << to_string(p);
}
} // namespace otp

namespace sigtest {

using otp::pid;
using otp::ref;
using otp::term;

/// `{'EXIT', From, Reason}`.
inline term exit_msg(const pid& from, term reason) {
  return term{otp::atoms::EXIT, from, std::move(reason)};
}

/// `{'DOWN', Ref, process, Object, Reason}`.
inline term down_msg(const ref& tag, term object, term reason) {
  return term{otp::atoms::DOWN, tag, otp::atoms::process, std::move(object),
              std::move(reason)};
}

inline bool is_exit(const term& m) {
  return m.is_tuple() && m.size() == 3 && m[0] == term{otp::atoms::EXIT};
}

inline bool is_down(const term& m) {
  return m.is_tuple() && m.size() == 5 && m[0] == term{otp::atoms::DOWN};
}

/// Matches a message equal to `t`.
inline auto equals(term t) {
  return [t = std::move(t)](const term& m) { return m == t; };
}

/// Matches the 'DOWN' of monitor `tag`.
inline auto down_of(ref tag) {
  return [tag](const term& m) {
    return is_down(m) && m[1].is_ref() && m[1].as_ref() == tag;
  };
}

/// Matches nothing: a receive with it waits forever (or until its timeout)
/// while every arriving message is taken into the mailbox.
inline bool nothing(const term&) {
  return false;
}

template <class Pred>
std::size_t count(const std::vector<term>& v, Pred pred) {
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), pred));
}

inline std::size_t count_exits(const std::vector<term>& v) {
  return count(v, [](const term& m) { return is_exit(m); });
}

inline std::size_t count_downs(const std::vector<term>& v) {
  return count(v, [](const term& m) { return is_down(m); });
}

/// Waits forever; messages collect in the mailbox for `testkit::mailbox`.
inline otp::task<> idle(otp::process& self) {
  co_await self.receive(nothing);
}

/// As `idle`, trapping exits first.
inline otp::task<> idle_trapping(otp::process& self) {
  self.trap_exit(true);
  co_await self.receive(nothing);
}

/// `receive R -> exit(R) end`: ends with the first message as its reason.
inline otp::task<> exit_with_first_message(otp::process& self) {
  auto reason = co_await self.receive();
  self.exit(std::move(reason));
}

/// Throws std::runtime_error("boom") as soon as it runs.
inline otp::task<> crash_at_once(otp::process&) {
  throw std::runtime_error("boom");
  co_return;
}

/// The reason `crash_at_once` ends with, as the runtime spells it.
inline const char* boom_reason_text() {
  return R"({exception,'std::runtime_error',<<"boom">>})";
}

inline bool contains(const std::vector<pid>& v, const pid& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

/// While alive, log events go to a capture handler instead of stderr (the
/// default handler is put back afterwards), so a test can check reports.
class log_capture {
public:
  log_capture() {
    had_default_ = otp::logger::remove_handler("default");
    (void)otp::logger::add_handler("sigtest_capture", handler_);
  }
  ~log_capture() {
    otp::logger::remove_handler("sigtest_capture");
    if (had_default_)
      (void)otp::logger::add_handler("default",
                                     std::make_shared<otp::stderr_handler>());
  }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  [[nodiscard]] std::vector<otp::log_event> events() const {
    return handler_->events();
  }
  void clear() { handler_->clear(); }
  /// How many events' text contains `text`.
  [[nodiscard]] std::size_t count(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& e : handler_->events())
      n += e.text.find(text) != std::string::npos;
    return n;
  }

private:
  std::shared_ptr<otp::capture_handler> handler_ =
      std::make_shared<otp::capture_handler>();
  bool had_default_ = false;
};

} // namespace sigtest
