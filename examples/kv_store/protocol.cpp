#include "protocol.hpp"

#include <algorithm>
#include <cctype>

namespace kv::protocol {

namespace parsing {

bool is_control(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

bool valid_key(std::string_view key) {
  return !key.empty() && key.size() <= max_key &&
         std::none_of(key.begin(), key.end(),
                      [](char c) { return c == ' ' || is_control(c); });
}

bool same_word(std::string_view word, std::string_view upper) {
  return word.size() == upper.size() &&
         std::equal(word.begin(), word.end(), upper.begin(),
                    [](char a, char b) {
                      return std::toupper(static_cast<unsigned char>(a)) == b;
                    });
}

otp::unexpected<std::string> fail(std::string_view reply) {
  return otp::unexpected<std::string>(std::string{reply});
}

/// `GET key` and `DEL key`: exactly one valid key after the verb.
otp::expected<command, std::string> key_only(verb v, std::string_view args,
                                             std::string_view usage) {
  if (args.empty() || args.find(' ') != std::string_view::npos)
    return fail(usage);
  if (!valid_key(args))
    return fail("ERROR bad key");
  return command{v, std::string{args}, {}};
}

} // namespace parsing

otp::expected<command, std::string> parse(std::string_view line) {
  using namespace parsing;
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (line.size() > max_line)
    return fail(line_too_long);
  if (line.empty())
    return fail("ERROR empty line");
  const auto space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  // No arguments at all and "VERB " with an empty rest are the same
  // mistake: a missing key.
  const std::string_view args = space == std::string_view::npos
                                    ? std::string_view{}
                                    : line.substr(space + 1);
  if (same_word(word, "GET"))
    return key_only(verb::get, args, "ERROR usage: GET key");
  if (same_word(word, "DEL"))
    return key_only(verb::del, args, "ERROR usage: DEL key");
  if (same_word(word, "PUT")) {
    const auto gap = args.find(' ');
    if (gap == std::string_view::npos || gap + 1 == args.size())
      return fail("ERROR usage: PUT key value");
    const std::string_view key = args.substr(0, gap);
    if (!valid_key(key))
      return fail("ERROR bad key");
    return command{verb::put, std::string{key},
                   std::string{args.substr(gap + 1)}};
  }
  if (same_word(word, "PING")) {
    if (space != std::string_view::npos)
      return fail("ERROR usage: PING");
    return command{verb::ping, {}, {}};
  }
  return fail("ERROR unknown command");
}

std::string value_reply(std::string_view value) {
  std::string reply;
  reply.reserve(6 + value.size());
  reply.append("VALUE ").append(value);
  return reply;
}

} // namespace kv::protocol
