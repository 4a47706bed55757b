#include "otp/logger.hpp"

#include <algorithm>
#include <atomic>
#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Counts how often fmt formats it, to prove filtered events format nothing.
struct counted_arg {};
std::atomic<int> format_calls{0};

} // namespace

template <>
struct fmt::formatter<counted_arg> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const counted_arg&, FormatContext& ctx) const {
    format_calls.fetch_add(1);
    return fmt::formatter<std::string_view>::format("counted", ctx);
  }
};

namespace {

/// A handler that always throws.
class throwing_handler final : public otp::log_handler {
public:
  void log(const otp::log_event&) override {
    ++calls;
    throw std::runtime_error("handler boom");
  }
  std::atomic<int> calls{0};
};

std::vector<std::string> texts(const otp::capture_handler& h) {
  std::vector<std::string> out;
  for (const otp::log_event& e : h.events())
    out.push_back(e.text);
  return out;
}

/// Whether `s` has `shape`: in `shape`, `9` stands for any digit, `A` for an
/// uppercase and `a` for a lowercase letter; other characters match
/// themselves. (std::regex trips g++ 12 warnings under sanitizers.)
bool has_shape(std::string_view s, std::string_view shape) {
  if (s.size() != shape.size())
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = shape[i] == '9'   ? c >= '0' && c <= '9'
              : shape[i] == 'A' ? c >= 'A' && c <= 'Z'
              : shape[i] == 'a' ? c >= 'a' && c <= 'z'
                                : c == shape[i];
    if (!ok)
      return false;
  }
  return true;
}

} // namespace

/// Swaps the global handlers for one capture handler and restores the
/// logger's state afterwards, so tests neither print nor leak settings.
/// (Not in the anonymous namespace: unity builds reject that for fixtures.)
class Logger : public ::testing::Test {
protected:
  void SetUp() override {
    saved_level_ = otp::logger::level();
    saved_ids_ = otp::logger::handler_ids();
    for (const std::string& id : saved_ids_)
      otp::logger::remove_handler(id);
    ASSERT_TRUE(otp::logger::add_handler("capture", capture_));
    format_calls = 0;
  }
  void TearDown() override {
    for (const std::string& id : otp::logger::handler_ids())
      otp::logger::remove_handler(id);
    otp::logger::set_level(saved_level_);
    ASSERT_TRUE(otp::logger::add_handler(
        "default", std::make_shared<otp::stderr_handler>()));
  }

  std::shared_ptr<otp::capture_handler> capture_ =
      std::make_shared<otp::capture_handler>();
  otp::log_level saved_level_ = otp::log_level::notice;
  std::vector<std::string> saved_ids_;
};

TEST_F(Logger, DefaultsAreNoticeAndTheStderrHandler) {
  EXPECT_EQ(saved_level_, otp::log_level::notice);
  EXPECT_EQ(saved_ids_, std::vector<std::string>{"default"});
  otp::log_error("e");
  otp::log_warning("w");
  otp::log_notice("n");
  otp::log_info("i");
  otp::log_debug("d");
  EXPECT_EQ(texts(*capture_), (std::vector<std::string>{"e", "w", "n"}));
}

TEST_F(Logger, EventCarriesLevelTimeTextMetadataAndThread) {
  auto before = std::chrono::system_clock::now();
  otp::log_error({{"pid", "<0.42.0>"}, {"domain", "otp"}}, "crash {} of {}", 1,
                 "worker");
  auto after = std::chrono::system_clock::now();
  auto events = capture_->events();
  ASSERT_EQ(events.size(), 1u);
  const otp::log_event& e = events[0];
  EXPECT_EQ(e.level, otp::log_level::error);
  EXPECT_EQ(e.text, "crash 1 of worker");
  EXPECT_EQ(e.metadata,
            (otp::log_metadata{{"domain", "otp"}, {"pid", "<0.42.0>"}}));
  EXPECT_EQ(e.thread, std::this_thread::get_id());
  EXPECT_LE(before, e.time);
  EXPECT_LE(e.time, after);
}

TEST_F(Logger, LevelSettingFilters) {
  otp::logger::set_level(otp::log_level::warning);
  EXPECT_EQ(otp::logger::level(), otp::log_level::warning);
  otp::logger::log(otp::log_level::emergency, "em");
  otp::logger::log(otp::log_level::critical, "cr");
  otp::log_warning("w");
  otp::log_notice("n");
  otp::logger::set_level(otp::log_level::all);
  otp::log_debug("d");
  otp::logger::set_level(otp::log_level::none);
  otp::logger::log(otp::log_level::emergency, "never");
  EXPECT_EQ(texts(*capture_), (std::vector<std::string>{"em", "cr", "w", "d"}));
  EXPECT_FALSE(otp::logger::enabled(otp::log_level::emergency));
}

TEST_F(Logger, FilteredEventsAreNotFormatted) {
  otp::log_info("{}", counted_arg{});
  otp::log_debug("{} {}", counted_arg{}, counted_arg{});
  EXPECT_EQ(format_calls, 0);
  EXPECT_EQ(capture_->size(), 0u);
  otp::log_notice("{}", counted_arg{});
  EXPECT_EQ(format_calls, 1);
  EXPECT_EQ(texts(*capture_), std::vector<std::string>{"counted"});
}

TEST_F(Logger, EventsNoHandlerWantsAreNotFormatted) {
  // The primary level lets debug through, but the only handler takes
  // warnings and worse.
  otp::logger::set_level(otp::log_level::all);
  ASSERT_TRUE(
      otp::logger::set_handler_level("capture", otp::log_level::warning));
  otp::log_info("{}", counted_arg{});
  EXPECT_EQ(format_calls, 0);
  otp::log_warning("{}", counted_arg{});
  EXPECT_EQ(format_calls, 1);
  ASSERT_TRUE(otp::logger::remove_handler("capture"));
  otp::log_error("{}", counted_arg{});
  EXPECT_EQ(format_calls, 1);
}

TEST_F(Logger, AddAndRemoveHandlers) {
  auto second = std::make_shared<otp::capture_handler>();
  ASSERT_TRUE(otp::logger::add_handler("second", second));
  EXPECT_FALSE(otp::logger::add_handler("second", second)); // id taken
  EXPECT_FALSE(otp::logger::add_handler("null", nullptr));
  EXPECT_EQ(otp::logger::handler_ids(),
            (std::vector<std::string>{"capture", "second"}));
  otp::log_error("both");
  EXPECT_TRUE(otp::logger::remove_handler("second"));
  EXPECT_FALSE(otp::logger::remove_handler("second"));
  otp::log_error("first only");
  EXPECT_EQ(texts(*capture_), (std::vector<std::string>{"both", "first only"}));
  EXPECT_EQ(texts(*second), std::vector<std::string>{"both"});
}

TEST_F(Logger, PerHandlerLevel) {
  otp::logger::set_level(otp::log_level::info);
  auto errors_only = std::make_shared<otp::capture_handler>();
  ASSERT_TRUE(
      otp::logger::add_handler("errors", errors_only, otp::log_level::error));
  otp::log_info("i");
  otp::log_error("e");
  otp::log_debug("d"); // primary level drops it for everyone
  EXPECT_EQ(texts(*capture_), (std::vector<std::string>{"i", "e"}));
  EXPECT_EQ(texts(*errors_only), std::vector<std::string>{"e"});
  EXPECT_FALSE(otp::logger::set_handler_level("nope", otp::log_level::all));
}

TEST_F(Logger, CaptureHandlerClears) {
  otp::log_error("one");
  EXPECT_EQ(capture_->size(), 1u);
  capture_->clear();
  EXPECT_TRUE(capture_->events().empty());
  otp::log_error("two");
  EXPECT_EQ(texts(*capture_), std::vector<std::string>{"two"});
}

TEST_F(Logger, ThrowingHandlerIsRemovedAndReportedOnce) {
  auto bad = std::make_shared<throwing_handler>();
  auto after = std::make_shared<otp::capture_handler>();
  ASSERT_TRUE(otp::logger::add_handler("bad", bad));
  ASSERT_TRUE(otp::logger::add_handler("after", after));
  ::testing::internal::CaptureStderr();
  otp::log_error("first");
  otp::log_error("second");
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(bad->calls, 1);
  EXPECT_EQ(otp::logger::handler_ids(),
            (std::vector<std::string>{"capture", "after"}));
  EXPECT_EQ(texts(*capture_), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(texts(*after), (std::vector<std::string>{"first", "second"}));
  EXPECT_NE(err.find("handler 'bad' crashed and was removed: handler boom"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("handler 'bad'"), err.rfind("handler 'bad'")) << err;
}

TEST_F(Logger, FormatsLikeErlangReports) {
  using namespace std::chrono;
  otp::log_event e;
  e.level = otp::log_level::error;
  e.time =
      system_clock::time_point{seconds{1'795'552'294} + microseconds{123'456}};
  e.text = "boom";
  e.metadata = {{"pid", "<0.42.0>"}, {"domain", "otp"}};
  std::string out = otp::logger::format_event(e);
  // Seconds and microseconds do not depend on the time zone.
  EXPECT_TRUE(has_shape(out, "=ERROR REPORT==== 99-Aaa-9999::99:99:34.123456"
                             " === domain=otp pid=<0.42.0>\nboom\n"))
      << out;

  e.level = otp::log_level::warning;
  e.metadata.clear();
  e.text = "two\nlines\n";
  out = otp::logger::format_event(e);
  EXPECT_EQ(out.substr(0, 20), "=WARNING REPORT==== ") << out;
  EXPECT_EQ(out.substr(out.size() - 14), "===\ntwo\nlines\n") << out;
}

TEST_F(Logger, StderrHandlerWritesFormattedEvents) {
  ASSERT_TRUE(otp::logger::add_handler(
      "stderr", std::make_shared<otp::stderr_handler>()));
  ::testing::internal::CaptureStderr();
  otp::log_warning({{"pid", "<0.7.0>"}}, "disk at {}%", 97);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(has_shape(err, "=WARNING REPORT==== 99-Aaa-9999::99:99:99.999999"
                             " === pid=<0.7.0>\ndisk at 97%\n"))
      << err;
}

TEST_F(Logger, LevelNames) {
  EXPECT_EQ(otp::to_string(otp::log_level::emergency), "emergency");
  EXPECT_EQ(otp::to_string(otp::log_level::warning), "warning");
  EXPECT_EQ(otp::to_string(otp::log_level::debug), "debug");
}

TEST_F(Logger, ConcurrentLoggingDeliversEveryEventOnce) {
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  auto second = std::make_shared<otp::capture_handler>();
  ASSERT_TRUE(
      otp::logger::add_handler("second", second, otp::log_level::error));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i)
        otp::logger::log(i % 2 ? otp::log_level::error : otp::log_level::notice,
                         {{"thread", std::to_string(t)}}, "{}:{}", t, i);
    });
  for (std::thread& w : workers)
    w.join();

  auto events = capture_->events();
  ASSERT_EQ(events.size(), std::size_t{threads * per_thread});
  std::set<std::string> unique;
  std::vector<int> next(threads, 0); // each thread's events arrive in order
  for (const otp::log_event& e : events) {
    unique.insert(e.text);
    int t = std::stoi(e.metadata.at("thread"));
    EXPECT_EQ(e.text,
              fmt::format("{}:{}", t, next[static_cast<std::size_t>(t)]));
    ++next[static_cast<std::size_t>(t)];
  }
  EXPECT_EQ(unique.size(), events.size());
  EXPECT_EQ(second->size(), std::size_t{threads * per_thread / 2});
}

TEST_F(Logger, ReconfiguringWhileLoggingLosesNoEvents) {
  constexpr int loggers = 3;
  constexpr int per_thread = 300;
  std::atomic<bool> done{false};
  std::thread churn([&] {
    auto flaky = std::make_shared<otp::capture_handler>();
    for (int i = 0; !done.load() && i < 100'000; ++i) {
      EXPECT_TRUE(otp::logger::add_handler("flaky", flaky));
      otp::logger::set_handler_level("flaky", otp::log_level::error);
      EXPECT_TRUE(otp::logger::remove_handler("flaky"));
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < loggers; ++t)
    workers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i)
        otp::log_notice("{}:{}", t, i);
    });
  for (std::thread& w : workers)
    w.join();
  done = true;
  churn.join();
  EXPECT_EQ(capture_->size(), std::size_t{loggers * per_thread});
}
