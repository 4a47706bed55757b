#pragma once
/// `kv::load_generator`: client threads (plain asio sockets, outside the
/// runtime) that run a PUT/GET/DEL mix against the service and check it.
///
/// Each client has its own keys (`c<Client>-k<N>`), so it alone writes
/// them, and it keeps a model: the last acknowledged write of each key (a
/// value, or deleted). Its requests go one at a time; a request whose
/// connection drops (or times out) is sent again on a new connection, and
/// one answered `ERROR unavailable` is sent again, until it gets a real
/// answer. So after each request the service must hold exactly the model:
/// - a `GET` must answer the model's value (counted as a stale read
///   otherwise), already during the run;
/// - at the end, `verify` reads every key back: a key that differs from
///   its last acknowledged write is a lost write.
///
/// Retrying is safe because every request is idempotent, and because the
/// service has no request timeouts: a request it failed is either applied
/// before the client's retry or never (see worker.hpp).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kv {

struct load_options {
  std::uint16_t port = 0;
  std::size_t clients = 8;
  std::size_t keys_per_client = 64;
  std::uint64_t seed = 1;
  /// How long one request may keep failing before its client gives up.
  std::chrono::milliseconds give_up_after = std::chrono::seconds{30};
};

/// What the clients saw, summed over them.
struct load_stats {
  std::uint64_t requests = 0;     ///< answered for real (not ERROR unavailable)
  std::uint64_t acked_writes = 0; ///< PUTs and DELs answered OK
  std::uint64_t reads_checked = 0;
  std::uint64_t stale_reads = 0; ///< GETs that disagreed with the model
  std::uint64_t unexpected_replies = 0;
  std::uint64_t unavailable = 0; ///< ERROR unavailable, retried
  std::uint64_t dropped = 0;    ///< connection dropped under a request, retried
  std::uint64_t reconnects = 0; ///< connections opened again after a drop
  std::uint64_t gave_up = 0;    ///< clients that stopped on a failing request

  load_stats& operator+=(const load_stats& o);
};

struct verify_result {
  std::uint64_t keys_checked = 0;
  std::uint64_t lost = 0; ///< keys whose last acknowledged write is gone
  bool complete = false;  ///< every key could be read back
  std::vector<std::string> examples; ///< a few of the differences
};

class load_generator {
public:
  /// Starts the clients at once.
  explicit load_generator(load_options options);
  /// Stops the clients if `stop` was not called.
  ~load_generator();
  load_generator(const load_generator&) = delete;
  load_generator& operator=(const load_generator&) = delete;

  /// Lets each client finish its current request (retrying until it is
  /// answered), then joins them. Idempotent.
  load_stats stop();
  /// Reads every key back and compares it with its last acknowledged
  /// write. After `stop`.
  [[nodiscard]] verify_result verify() const;

  class client;

private:
  load_options options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<client>> clients_;
  std::vector<std::thread> threads_;
};

} // namespace kv
