#pragma once
/// A TCP client as an `otp::connection`: it keeps a connection to a
/// line-based server on 127.0.0.1, backs off with jitter while the server
/// is down, reconnects when it comes back, and answers calls
/// `{send, Line}` with `{ok, ReplyLine}`, or `{error, closed}` while
/// disconnected.
///
/// The design: no IO ever runs on a scheduler thread. One `io_thread` (an
/// asio io_context on its own std::thread) owns every socket; the process
/// asks it for work (connect, write, close: posted, so they return at
/// once) and it answers the process with ordinary messages, sent through
/// the thread-safe `otp::runtime::send`:
///
/// - `{tcp_connected, Id}` / `{tcp_connect_failed, Id, Reason}`
/// - `{tcp_line, Id, Line}`: a line the server sent (without its `\n`)
/// - `{tcp_closed, Id, Reason}`: the peer closed, or a read/write failed
///
/// `Id` names one connection attempt (a ref), so messages from a socket
/// the process has given up on are told apart and ignored. `connect` is
/// a coroutine: it posts the connect and waits for its answer in a
/// selective receive with a timeout, as `gen_tcp:connect/4` blocks an
/// Erlang process but not the VM. Calls that arrive meanwhile stay queued;
/// while backing off they are answered `{error, closed}`.
///
/// Each transition is reported to an optional observer pid as
/// `{tcp_client, Event}`: `connected`, `{disconnected, Reason}`,
/// `{backoff, Ms, Attempt}` (a failed attempt and the delay before the next).
///
/// ```cpp
/// otp::runtime rt;
/// auto io = std::make_shared<tcp_client::io_thread>(rt);
/// auto conn = otp::connection::start<tcp_client::client>(
///     rt, {}, io, tcp_client::options{.port = 7000});
/// otp::scoped_mailbox me{rt};
/// auto r = otp::gen_server::call(me, *conn, otp::term{"send"_a, "hi"});
/// ```

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <otp/backoff.hpp>
#include <otp/connection.hpp>
#include <otp/runtime.hpp>
#include <string>
#include <thread>
#include <utility>

namespace tcp_client {

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::term;

/// One socket and its buffers. Everything but `id` and `owner` is touched
/// on the io thread only.
struct session {
  session(asio::io_context& io, otp::pid to)
      : socket(io), owner(std::move(to)) {}

  asio::ip::tcp::socket socket;
  const otp::ref id = otp::ref::make();
  const otp::pid owner;
  std::string input;
  std::deque<std::string> output;
  bool writing = false;
  bool closed = false; ///< closed by its owner: report nothing more
};

/// The thread every socket lives on. Its members are thread-safe: they
/// post the work to the io thread and return at once.
class io_thread {
public:
  explicit io_thread(otp::runtime& rt)
      : rt_(rt), work_(asio::make_work_guard(io_)),
        thread_([this] { io_.run(); }) {}
  ~io_thread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  /// Starts connecting to `to`; the answer goes to `owner`.
  std::shared_ptr<session> connect(const otp::pid& owner,
                                   asio::ip::tcp::endpoint to) {
    auto s = std::make_shared<session>(io_, owner);
    asio::post(io_, [this, s, to] {
      s->socket.async_connect(to, [this, s](const asio::error_code& ec) {
        if (s->closed)
          return;
        if (ec) {
          tell(*s, term{"tcp_connect_failed"_a, s->id, reason(ec)});
          return;
        }
        // A connect to a port of this host with no listener can pick that
        // very port as its own and connect to itself (TCP simultaneous
        // open); that is no server.
        asio::error_code e1, e2;
        if (s->socket.local_endpoint(e1) == s->socket.remote_endpoint(e2)) {
          s->socket.close(e1);
          tell(*s, term{"tcp_connect_failed"_a, s->id, "self_connect"_a});
          return;
        }
        s->socket.set_option(asio::ip::tcp::no_delay(true), e1);
        tell(*s, term{"tcp_connected"_a, s->id});
        read(s);
      });
    });
    return s;
  }

  /// Sends `line` and a newline.
  void write(const std::shared_ptr<session>& s, std::string line) {
    line.push_back('\n');
    asio::post(io_, [this, s, line = std::move(line)]() mutable {
      s->output.push_back(std::move(line));
      if (!s->writing)
        write_next(s);
    });
  }

  /// Closes the socket; nothing more is reported about it.
  void close(const std::shared_ptr<session>& s) {
    asio::post(io_, [s] {
      s->closed = true;
      asio::error_code ignored;
      s->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      s->socket.close(ignored);
    });
  }

private:
  static term reason(const asio::error_code& ec) {
    if (ec == asio::error::eof)
      return "closed"_a;
    if (ec == asio::error::connection_refused)
      return "econnrefused"_a;
    if (ec == asio::error::connection_reset)
      return "econnreset"_a;
    return term{ec.message()};
  }

  void tell(const session& s, term msg) { rt_.send(s.owner, std::move(msg)); }

  void read(std::shared_ptr<session> s) {
    asio::async_read_until(
        s->socket, asio::dynamic_buffer(s->input), '\n',
        [this, s](const asio::error_code& ec, std::size_t n) {
          if (s->closed)
            return;
          if (ec) {
            tell(*s, term{"tcp_closed"_a, s->id, reason(ec)});
            return;
          }
          std::string line = s->input.substr(0, n - 1);
          s->input.erase(0, n);
          tell(*s, term{"tcp_line"_a, s->id, line});
          read(s);
        });
  }

  void write_next(std::shared_ptr<session> s) {
    if (s->output.empty() || s->closed) {
      s->writing = false;
      return;
    }
    s->writing = true;
    asio::async_write(s->socket, asio::buffer(s->output.front()),
                      [this, s](const asio::error_code& ec, std::size_t) {
                        if (s->closed)
                          return;
                        if (ec) {
                          tell(*s, term{"tcp_closed"_a, s->id, reason(ec)});
                          return;
                        }
                        s->output.pop_front();
                        write_next(s);
                      });
  }

  otp::runtime& rt_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

struct options {
  std::uint16_t port = 7000;
  /// The delays between failed attempts.
  otp::backoff::options backoff{.initial = 100ms, .max = 5s};
  /// How long one connect attempt may take.
  std::chrono::milliseconds connect_timeout = 2s;
  /// Gets `{tcp_client, Event}` at each transition (none if null).
  otp::pid observer{};
};

class client : public otp::connection::behaviour<client> {
public:
  client(std::shared_ptr<io_thread> io, options opts)
      : io_(std::move(io)), opts_(opts), policy_(opts.backoff) {}

  init_result init() { return then_connect("init"_a); }

  otp::task<connect_result> connect(const term&) {
    auto attempt = io_->connect(
        self().self(),
        asio::ip::tcp::endpoint{asio::ip::address_v4::loopback(), opts_.port});
    const otp::ref id = attempt->id;
    auto answer = co_await self().receive(
        [&id](const term& m) {
          return (m.is_tuple(2) || m.is_tuple(3)) &&
                 (m[0] == term{"tcp_connected"_a} ||
                  m[0] == term{"tcp_connect_failed"_a}) &&
                 m[1].is_ref() && m[1].as_ref() == id;
        },
        opts_.connect_timeout);
    if (answer && (*answer)[0] == term{"tcp_connected"_a}) {
      session_ = std::move(attempt);
      policy_.reset();
      notify("connected"_a);
      co_return ok();
    }
    io_->close(attempt); // refused, or timed out: give up on it
    auto delay = policy_.next();
    notify(term{"backoff"_a, static_cast<std::int64_t>(delay.count()),
                static_cast<std::int64_t>(policy_.attempts())});
    co_return backoff(delay);
  }

  disconnect_result disconnect(const term& info) {
    close_session();
    notify(term{"disconnected"_a, info});
    return then_connect("reconnect"_a); // at once; backs off if that fails
  }

  call_result handle_call(const term& req, const from& caller) {
    if (!req.is_tuple(2) || req[0] != term{"send"_a} || !req[1].is_binary())
      return reply(term{"error"_a, "badarg"_a});
    if (!session_)
      return reply(term{"error"_a, "closed"_a});
    io_->write(session_, std::string{req[1].as_binary()});
    waiting_.push_back(caller); // the server answers lines in order
    return noreply();
  }

  info_result handle_info(const term& msg) {
    if (!msg.is_tuple() || msg.size() < 2 || !msg[1].is_ref() || !session_ ||
        msg[1].as_ref() != session_->id)
      return noreply(); // not ours, or about a socket already given up
    if (msg[0] == term{"tcp_line"_a} && !waiting_.empty()) {
      reply_to(waiting_.front(), term{"ok"_a, msg[2]});
      waiting_.pop_front();
    } else if (msg[0] == term{"tcp_closed"_a}) {
      return then_disconnect(term{"error"_a, msg[2]});
    }
    return noreply();
  }

  void terminate(const term&) { close_session(); }

  [[nodiscard]] term state() const override {
    return term{"tcp_client"_a, static_cast<std::int64_t>(opts_.port),
                session_ ? "connected"_a : "disconnected"_a};
  }

private:
  void close_session() {
    if (session_)
      io_->close(session_);
    session_.reset();
    for (const from& f : waiting_)
      reply_to(f, term{"error"_a, "closed"_a});
    waiting_.clear();
  }

  void notify(term event) {
    if (opts_.observer)
      self().send(opts_.observer, term{"tcp_client"_a, std::move(event)});
  }

  std::shared_ptr<io_thread> io_;
  options opts_;
  otp::backoff policy_;
  std::shared_ptr<session> session_;
  std::deque<from> waiting_;
};

} // namespace tcp_client
