#include "connection.hpp"

#include "names.hpp"
#include "protocol.hpp"

#include <otp/gen_server.hpp>
#include <otp/match.hpp>
#include <random>
#include <string>
#include <vector>

namespace kv {

using namespace otp::literals;
using otp::term;

namespace connection_detail {

/// The pool's workers, taken in turn from a random start so connections
/// spread over the pool.
class worker_cursor {
public:
  explicit worker_cursor(std::size_t workers) {
    names_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i)
      names_.push_back(names::worker(i));
    if (!names_.empty())
      next_ = std::random_device{}() % names_.size();
  }
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  otp::atom next() {
    otp::atom n = names_[next_];
    next_ = (next_ + 1) % names_.size();
    return n;
  }

private:
  std::vector<otp::atom> names_;
  std::size_t next_ = 0;
};

/// The reply line for `line`, from the first registered worker.
otp::task<std::string> dispatch(otp::process& self, term line,
                                worker_cursor& workers) {
  for (std::size_t tried = 0; tried < workers.size(); ++tried) {
    const otp::pid w = self.whereis(workers.next());
    if (!w)
      continue; // restarting: the next one
    term request{"request"_a, line};
    auto reply = co_await otp::gen_server::try_call(self, w, std::move(request),
                                                    otp::infinity);
    if (reply && reply->is_binary())
      co_return std::string{reply->as_binary()};
    break; // died under the request: it may have been applied
  }
  co_return std::string{protocol::unavailable};
}

} // namespace connection_detail

otp::task<> serve_connection(otp::process& self, connection_handle conn,
                             std::size_t workers) {
  using namespace otp::patterns;
  connection_detail::worker_cursor cursor{workers};
  conn.start_reading(self.self());
  const auto from_socket = one_of(tuple("kv_line"_a, conn.id(), _binary),
                                  tuple("kv_closed"_a, conn.id(), _));
  for (;;) {
    term msg = co_await self.receive(from_socket);
    if (msg[0] == term{"kv_closed"_a}) {
      if (msg[2] == term{"line_too_long"_a})
        conn.write(std::string{protocol::line_too_long});
      co_return; // conn's destructor closes, after that reply
    }
    conn.write(co_await connection_detail::dispatch(self, msg[2], cursor));
  }
}

} // namespace kv
