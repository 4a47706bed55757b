#include "load_generator.hpp"

#include "line_client.hpp"
#include "protocol.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <random>
#include <utility>

namespace kv {

namespace load_detail {

using clock = std::chrono::steady_clock;

/// A short, growing pause between attempts, so that clients do not spin
/// while a restart is under way.
class retry_pause {
public:
  void wait() {
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds{50});
  }
  void reset() { delay_ = std::chrono::milliseconds{1}; }

private:
  std::chrono::milliseconds delay_{1};
};

std::string key_name(std::size_t client, std::size_t key) {
  return fmt::format("c{}-k{}", client, key);
}

std::string expected_get(const std::optional<std::string>& v) {
  return v ? protocol::value_reply(*v) : std::string{protocol::not_found};
}

/// Sends `line` until it gets a real answer, reconnecting as needed, or
/// gives up after `give_up_after`. Counts retries in `stats` (if any).
std::optional<std::string>
send_until_answered(line_client& conn, const std::string& line,
                    std::chrono::milliseconds give_up_after, load_stats* stats,
                    bool& connected_before) {
  const auto give_up_at = clock::now() + give_up_after;
  retry_pause pause;
  while (clock::now() < give_up_at) {
    if (!conn.connected()) {
      if (!conn.connect()) {
        pause.wait(); // refused: the listener is being restarted
        continue;
      }
      if (stats && std::exchange(connected_before, true))
        ++stats->reconnects;
    }
    auto reply = conn.request(line);
    if (!reply) {
      if (stats)
        ++stats->dropped;
      continue;
    }
    if (*reply == protocol::unavailable) {
      if (stats)
        ++stats->unavailable;
      pause.wait();
      continue;
    }
    return reply;
  }
  return std::nullopt;
}

} // namespace load_detail

load_stats& load_stats::operator+=(const load_stats& o) {
  requests += o.requests;
  acked_writes += o.acked_writes;
  reads_checked += o.reads_checked;
  stale_reads += o.stale_reads;
  unexpected_replies += o.unexpected_replies;
  unavailable += o.unavailable;
  dropped += o.dropped;
  reconnects += o.reconnects;
  gave_up += o.gave_up;
  return *this;
}

/// One client: its keys' model, its connection and its counts. Touched by
/// its own thread only, until the thread is joined.
class load_generator::client {
public:
  client(std::size_t index, const load_options& o)
      : index_(index), options_(o), model_(o.keys_per_client),
        rng_(o.seed * 7919 + index), connection_(o.port) {}

  void run(const std::atomic<bool>& stopping) {
    while (!stopping.load(std::memory_order_relaxed))
      if (!step()) {
        ++stats_.gave_up;
        return;
      }
  }

  /// Reads every key back (faults stopped) into `result`.
  void verify(verify_result& result) const {
    line_client reader{options_.port};
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const std::string key = load_detail::key_name(index_, k);
      bool connected_before = false;
      auto reply = load_detail::send_until_answered(
          reader, fmt::format("GET {}", key), options_.give_up_after, nullptr,
          connected_before);
      if (!reply) {
        result.complete = false;
        return;
      }
      ++result.keys_checked;
      const std::string want = load_detail::expected_get(model_[k]);
      if (*reply != want) {
        ++result.lost;
        if (result.examples.size() < 5)
          result.examples.push_back(
              fmt::format("{}: expected '{}', got '{}'", key, want, *reply));
      }
    }
  }

  [[nodiscard]] const load_stats& stats() const noexcept { return stats_; }

private:
  /// One request of the mix; false if it could not be completed.
  bool step() {
    const std::size_t k =
        std::uniform_int_distribution<std::size_t>{0, model_.size() - 1}(rng_);
    const std::string key = load_detail::key_name(index_, k);
    const int dice = std::uniform_int_distribution<int>{0, 9}(rng_);
    if (dice < 5) {
      std::string value = fmt::format("v{}-{}", index_, ++writes_);
      auto reply = perform(fmt::format("PUT {} {}", key, value));
      if (!reply)
        return false;
      if (*reply == protocol::ok) {
        model_[k] = std::move(value);
        ++stats_.acked_writes;
      } else {
        ++stats_.unexpected_replies;
      }
    } else if (dice < 8) {
      auto reply = perform(fmt::format("GET {}", key));
      if (!reply)
        return false;
      ++stats_.reads_checked;
      if (*reply != load_detail::expected_get(model_[k]))
        ++stats_.stale_reads;
    } else {
      auto reply = perform(fmt::format("DEL {}", key));
      if (!reply)
        return false;
      if (*reply == protocol::ok) {
        model_[k].reset();
        ++stats_.acked_writes;
      } else {
        ++stats_.unexpected_replies;
      }
    }
    ++stats_.requests;
    return true;
  }

  std::optional<std::string> perform(const std::string& line) {
    return load_detail::send_until_answered(
        connection_, line, options_.give_up_after, &stats_, has_connected_);
  }

  std::size_t index_;
  load_options options_;
  std::vector<std::optional<std::string>> model_;
  std::mt19937_64 rng_;
  line_client connection_;
  std::uint64_t writes_ = 0;
  bool has_connected_ = false;
  load_stats stats_;
};

load_generator::load_generator(load_options options) : options_(options) {
  for (std::size_t i = 0; i < options_.clients; ++i)
    clients_.push_back(std::make_unique<client>(i, options_));
  for (auto& c : clients_)
    threads_.emplace_back([&c = *c, this] { c.run(stopping_); });
}

load_generator::~load_generator() {
  (void)stop();
}

load_stats load_generator::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  load_stats total;
  for (const auto& c : clients_)
    total += c->stats();
  return total;
}

verify_result load_generator::verify() const {
  verify_result result;
  result.complete = true;
  for (const auto& c : clients_)
    c->verify(result);
  return result;
}

} // namespace kv
