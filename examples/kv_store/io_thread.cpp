#include "io_thread.hpp"

#include "protocol.hpp"

#include <array>
#include <asio.hpp>
#include <deque>
#include <otp/runtime.hpp>
#include <thread>
#include <unordered_map>
#include <utility>

namespace kv {

using namespace otp::literals;
using otp::term;

namespace io_detail {

/// Members other than the consts are touched on the io thread only.
struct acceptor_state {
  acceptor_state(std::shared_ptr<asio::io_context> io, otp::pid to,
                 otp::ref listener_id)
      : context(std::move(io)), acceptor(*context), owner(std::move(to)),
        id(std::move(listener_id)) {}

  /// First member, so it is destroyed last: the acceptor needs it.
  std::shared_ptr<asio::io_context> context;
  asio::ip::tcp::acceptor acceptor;
  const otp::pid owner;
  const otp::ref id;
  bool closed = false;
};

struct connection_state {
  connection_state(std::shared_ptr<asio::io_context> io,
                   asio::ip::tcp::socket s)
      : context(std::move(io)), socket(std::move(s)), linger(*context) {}

  /// First member, so it is destroyed last. A connection state may die
  /// anywhere (in a dropped `kv_accepted` message, say), even after the
  /// io thread has stopped: its socket still needs its io_context then.
  std::shared_ptr<asio::io_context> context;
  asio::ip::tcp::socket socket;
  asio::steady_timer linger;
  const otp::ref id = otp::ref::make();
  otp::pid reader;
  std::string input;
  std::array<char, 4096> scratch{}; ///< what a lingering close discards
  std::deque<std::string> output;
  bool reading = false;  ///< a read is pending
  bool writing = false;  ///< a write is pending
  bool closing = false;  ///< close once `output` is written
  bool closed = false;   ///< our side is shut: report nothing more
  bool finished = false; ///< the socket is closed
};

} // namespace io_detail

using io_detail::acceptor_state;
using io_detail::connection_state;

struct io_thread::impl {
  explicit impl(otp::runtime& r) : rt(r) {}

  otp::runtime& rt;
  std::shared_ptr<asio::io_context> io = std::make_shared<asio::io_context>();
  asio::executor_work_guard<asio::io_context::executor_type> work =
      asio::make_work_guard(*io);
  // What is open (lingering included), to close at the end: states can
  // be owned elsewhere (messages, handles), hence weak. Io thread only.
  std::unordered_map<acceptor_state*, std::weak_ptr<acceptor_state>> acceptors;
  std::unordered_map<connection_state*, std::weak_ptr<connection_state>>
      connections;
  std::thread thread;

  void tell(const otp::pid& to, term msg) { rt.send(to, std::move(msg)); }

  static term reason(const asio::error_code& ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset)
      return "closed"_a;
    if (ec == asio::error::not_found) // the line outgrew the buffer's limit
      return "line_too_long"_a;
    return term{ec.message()};
  }

  void listen(const std::shared_ptr<acceptor_state>& a, std::uint16_t port) {
    acceptors[a.get()] = a;
    const asio::ip::tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    asio::error_code ec;
    a->acceptor.open(at.protocol(), ec);
    if (!ec)
      a->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      a->acceptor.bind(at, ec);
    if (!ec)
      a->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      close_acceptor(*a);
      tell(a->owner, term{"kv_listen_failed"_a, a->id, ec.message()});
      return;
    }
    tell(a->owner, term{"kv_listening"_a, a->id});
    accept(a);
  }

  void accept(std::shared_ptr<acceptor_state> a) {
    a->acceptor.async_accept([this, a](const asio::error_code& ec,
                                       asio::ip::tcp::socket s) {
      if (a->closed)
        return;
      if (!ec) {
        asio::error_code ignored;
        s.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto c = std::make_shared<connection_state>(io, std::move(s));
        connections[c.get()] = c;
        tell(a->owner, term{"kv_accepted"_a, a->id, term::any(std::move(c))});
      }
      // A failed accept (out of descriptors, say) fails one client;
      // the listener goes on.
      accept(a);
    });
  }

  static void close_acceptor(acceptor_state& a) {
    a.closed = true;
    asio::error_code ignored;
    a.acceptor.close(ignored);
  }

  void read(std::shared_ptr<connection_state> c) {
    c->reading = true;
    // The limit makes a line with no end fail as `not_found` instead of
    // growing the buffer for ever. +2: the `\r\n`.
    asio::async_read_until(
        c->socket, asio::dynamic_buffer(c->input, protocol::max_line + 2), '\n',
        [this, c](const asio::error_code& ec, std::size_t n) {
          c->reading = false;
          if (c->closed)
            return linger_on(c, ec);
          if (ec) {
            tell(c->reader, term{"kv_closed"_a, c->id, reason(ec)});
            return;
          }
          std::string_view line{c->input.data(), n - 1};
          tell(c->reader, term{"kv_line"_a, c->id, line});
          c->input.erase(0, n);
          read(c);
        });
  }

  void write_next(std::shared_ptr<connection_state> c) {
    if (c->closed)
      return;
    if (c->output.empty()) {
      c->writing = false;
      if (c->closing)
        close_connection(c);
      return;
    }
    c->writing = true;
    asio::async_write(c->socket, asio::buffer(c->output.front()),
                      [this, c](const asio::error_code& ec, std::size_t) {
                        if (ec) {
                          // The reader hears of it from its read.
                          close_connection(c);
                          return;
                        }
                        c->output.pop_front();
                        write_next(c);
                      });
  }

  /// A lingering close: shut our side (the peer reads its last replies,
  /// then end of file), then read and drop what the peer still sends until
  /// it closes too, for at most a second. Closing with unread input would
  /// send a reset instead, which can destroy replies the peer has not read
  /// yet (a too-long line's error, say).
  void close_connection(const std::shared_ptr<connection_state>& c) {
    if (c->closed)
      return;
    c->closed = true;
    asio::error_code ignored;
    c->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    c->linger.expires_after(std::chrono::seconds{1});
    c->linger.async_wait([this, c](const asio::error_code&) { finish(*c); });
    if (!c->reading)
      drain(c);
  }

  void drain(std::shared_ptr<connection_state> c) {
    c->reading = true;
    c->socket.async_read_some(
        asio::buffer(c->scratch),
        [this, c](const asio::error_code& ec, std::size_t) {
          c->reading = false;
          linger_on(c, ec);
        });
  }

  void linger_on(const std::shared_ptr<connection_state>& c,
                 const asio::error_code& ec) {
    if (ec || c->finished)
      finish(*c);
    else
      drain(c);
  }

  void finish(connection_state& c) {
    if (c.finished)
      return;
    c.finished = true;
    connections.erase(&c);
    asio::error_code ignored;
    c.linger.cancel();
    c.socket.close(ignored);
  }

  /// The last job: closes everything, so every pending operation ends and
  /// `run` returns.
  void close_all() {
    for (auto& [raw, weak] : acceptors)
      if (auto a = weak.lock())
        close_acceptor(*a);
    acceptors.clear();
    auto open = std::exchange(connections, {});
    for (auto& [raw, weak] : open)
      if (auto c = weak.lock()) {
        close_connection(c);
        finish(*c); // no lingering: the thread is stopping
      }
  }
};

io_thread::io_thread(otp::runtime& rt) : impl_(std::make_unique<impl>(rt)) {
  impl_->thread = std::thread{[i = impl_.get()] { i->io->run(); }};
}

io_thread::~io_thread() {
  asio::post(*impl_->io, [i = impl_.get()] { i->close_all(); });
  impl_->work.reset();
  impl_->thread.join();
}

std::shared_ptr<acceptor_state> io_thread::listen(const otp::pid& owner,
                                                  const otp::ref& id,
                                                  std::uint16_t port) {
  auto a = std::make_shared<acceptor_state>(impl_->io, owner, id);
  asio::post(*impl_->io, [i = impl_.get(), a, port] { i->listen(a, port); });
  return a;
}

void io_thread::close(std::shared_ptr<acceptor_state> a) {
  asio::post(*impl_->io, [i = impl_.get(), a = std::move(a)] {
    i->acceptors.erase(a.get());
    impl::close_acceptor(*a);
  });
}

void io_thread::start_reading(std::shared_ptr<connection_state> c,
                              const otp::pid& reader) {
  asio::post(*impl_->io, [i = impl_.get(), c = std::move(c), reader] {
    if (c->closed)
      return;
    c->reader = reader;
    i->read(c);
  });
}

void io_thread::write(std::shared_ptr<connection_state> c, std::string line) {
  line.push_back('\n');
  asio::post(*impl_->io,
             [i = impl_.get(), c = std::move(c), line = std::move(line)] {
               if (c->closed || c->closing)
                 return;
               c->output.push_back(line);
               if (!c->writing)
                 i->write_next(c);
             });
}

void io_thread::close(std::shared_ptr<connection_state> c) {
  asio::post(*impl_->io, [i = impl_.get(), c = std::move(c)] {
    c->closing = true;
    if (!c->writing)
      i->close_connection(c);
  });
}

// -- handles ------------------------------------------------------------------

listen_handle::listen_handle(std::shared_ptr<io_thread> io,
                             const otp::pid& owner, std::uint16_t port)
    : io_(std::move(io)), id_(otp::ref::make()) {
  state_ = io_->listen(owner, id_, port);
}

listen_handle& listen_handle::operator=(listen_handle&& other) noexcept {
  if (this != &other) {
    close();
    io_ = std::move(other.io_);
    state_ = std::move(other.state_);
    id_ = std::move(other.id_);
  }
  return *this;
}

void listen_handle::close() noexcept {
  if (state_)
    io_->close(std::exchange(state_, nullptr));
}

connection_handle::connection_handle(std::shared_ptr<io_thread> io,
                                     const term& accepted) {
  if (!accepted.is_tuple(3) || accepted[0] != term{"kv_accepted"_a})
    return;
  if (auto* c = accepted[2].try_get<std::shared_ptr<connection_state>>()) {
    io_ = std::move(io);
    state_ = *c;
    id_ = state_->id;
  }
}

connection_handle&
connection_handle::operator=(connection_handle&& other) noexcept {
  if (this != &other) {
    close();
    io_ = std::move(other.io_);
    state_ = std::move(other.state_);
    id_ = std::move(other.id_);
  }
  return *this;
}

void connection_handle::start_reading(const otp::pid& reader) {
  if (state_)
    io_->start_reading(state_, reader);
}

void connection_handle::write(std::string line) {
  if (state_)
    io_->write(state_, std::move(line));
}

void connection_handle::close() noexcept {
  if (state_)
    io_->close(std::exchange(state_, nullptr));
}

} // namespace kv
