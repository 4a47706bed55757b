#pragma once
/// The KV service's line protocol: one request per line, one reply line
/// per request, in order. Lines end in `\n` (a `\r` before it is ignored,
/// so `nc -C` and telnet work).
///
/// | request            | reply                                   |
/// |--------------------|-----------------------------------------|
/// | `PUT key value`    | `OK` (the value is the rest of the line)|
/// | `GET key`          | `VALUE value` or `NOT_FOUND`            |
/// | `DEL key`          | `OK` (also when the key was not there)  |
/// | `PING`             | `PONG`                                  |
///
/// Command names are case-insensitive. A key is 1 to 250 bytes without
/// spaces or control characters; a value is 1 byte or more, any bytes but
/// the line end. Words are separated by exactly one space.
///
/// Errors are replies too, and leave the connection open:
/// - `ERROR unknown command`, `ERROR empty line`,
///   `ERROR usage: PUT key value` (and the same for GET and DEL),
///   `ERROR bad key`: the request was not understood; nothing was done.
/// - `ERROR unavailable`: the service could not complete the request (a
///   worker or the table owner crashed under it, or is restarting). The
///   request may or may not have been applied; every request is
///   idempotent, so the client retries it as is.
/// - `ERROR line too long` (more than `max_line` bytes): the reply is sent,
///   then the connection is closed, since the rest of that line cannot be
///   told apart from the next request.

#include <cstddef>
#include <otp/expected.hpp>
#include <string>
#include <string_view>

namespace kv::protocol {

inline constexpr std::size_t max_key = 250;
/// The longest request line, without its line end.
inline constexpr std::size_t max_line = 64 * 1024;

enum class verb { put, get, del, ping };

/// A well-formed request.
struct command {
  protocol::verb verb = protocol::verb::ping;
  std::string key;
  std::string value; ///< PUT only
};

/// `line` (without its `\n`) as a command, or the `ERROR ...` reply that
/// says why it is not one. Never throws on any input but allocation failure.
[[nodiscard]] otp::expected<command, std::string> parse(std::string_view line);

// -- replies ------------------------------------------------------------------

inline constexpr std::string_view ok = "OK";
inline constexpr std::string_view not_found = "NOT_FOUND";
inline constexpr std::string_view pong = "PONG";
inline constexpr std::string_view unavailable = "ERROR unavailable";
inline constexpr std::string_view line_too_long = "ERROR line too long";

/// `VALUE value`.
[[nodiscard]] std::string value_reply(std::string_view value);

} // namespace kv::protocol
