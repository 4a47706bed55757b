#include "line_client.hpp"

namespace kv {

void line_client::run(const bool& done) {
  io_->restart();
  io_->run_for(timeout_);
  if (!done) {
    asio::error_code ignored;
    socket_.close(ignored);
    io_->restart();
    io_->run(); // the aborted operation's handler
  }
}

bool line_client::connect() {
  close();
  asio::error_code result = asio::error::timed_out;
  bool done = false;
  socket_.async_connect(
      asio::ip::tcp::endpoint{asio::ip::address_v4::loopback(), port_},
      [&](const asio::error_code& ec) {
        result = ec;
        done = true;
      });
  run(done);
  if (result) {
    close();
    return false;
  }
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  return true;
}

bool line_client::send_raw(std::string_view bytes) {
  if (!connected())
    return false;
  asio::error_code result = asio::error::timed_out;
  bool done = false;
  asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                    [&](const asio::error_code& ec, std::size_t) {
                      result = ec;
                      done = true;
                    });
  run(done);
  if (result)
    close();
  return !result;
}

std::optional<std::string> line_client::read_line() {
  if (!connected())
    return std::nullopt;
  asio::error_code result = asio::error::timed_out;
  std::size_t n = 0;
  bool done = false;
  asio::async_read_until(socket_, asio::dynamic_buffer(input_), '\n',
                         [&](const asio::error_code& ec, std::size_t got) {
                           result = ec;
                           n = got;
                           done = true;
                         });
  run(done);
  if (result) {
    close();
    return std::nullopt;
  }
  std::string line = input_.substr(0, n - 1);
  input_.erase(0, n);
  return line;
}

std::optional<std::string> line_client::request(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 1);
  out.append(line).push_back('\n');
  if (!send_raw(out))
    return std::nullopt;
  return read_line();
}

void line_client::close() {
  asio::error_code ignored;
  socket_.close(ignored);
  input_.clear();
}

} // namespace kv
