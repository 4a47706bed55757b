// Printing terms as Erlang's `io_lib:format("~p", [T])` does, on one line.
//
// `~p` works on Latin-1 characters: binaries and lists are printed as
// strings only when every byte or element is a printable Latin-1 character,
// and atoms are quoted and escaped by the same rules. The characters are
// then written out as UTF-8, so a binary holding the UTF-8 bytes of "é"
// prints as `<<"Ã©">>` exactly as `~p` shows it.

#include "otp/detail/type_name.hpp"
#include "otp/term.hpp"
#include "utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cxxabi.h>
#include <fmt/format.h>
#include <memory>
#include <ostream>

namespace otp {
namespace {

using internal::put_utf8;

/// io_lib:printable_latin1_list's test for one character.
bool printable_latin1(std::int64_t c) noexcept {
  return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) ||
         (c >= 8 && c <= 13) || c == 27;
}

/// One character inside quotes, escaped as io_lib:write_string does.
void put_quoted_char(std::string& out, char32_t c, char quote) {
  switch (c) {
  case '\n':
    out += "\\n";
    return;
  case '\r':
    out += "\\r";
    return;
  case '\t':
    out += "\\t";
    return;
  case '\v':
    out += "\\v";
    return;
  case '\b':
    out += "\\b";
    return;
  case '\f':
    out += "\\f";
    return;
  case 27:
    out += "\\e";
    return;
  case 127:
    out += "\\d";
    return;
  case '\\':
    out += "\\\\";
    return;
  default:
    break;
  }
  if (c == static_cast<char32_t>(quote)) {
    out += '\\';
    out += quote;
  } else if ((c >= 32 && c <= 126) || (c >= 160 && c <= 255)) {
    put_utf8(out, c);
  } else if (c > 255) {
    fmt::format_to(std::back_inserter(out), "\\x{{{:X}}}",
                   static_cast<std::uint32_t>(c));
  } else {
    fmt::format_to(std::back_inserter(out), "\\{:03o}",
                   static_cast<std::uint32_t>(c));
  }
}

/// Atom text is UTF-8; bytes that are not valid UTF-8 count as Latin-1.
std::u32string code_points(std::string_view utf8) {
  std::u32string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    std::size_t extra = c >= 0xF0 && c <= 0xF4   ? 3
                        : c >= 0xE0 && c <= 0xEF ? 2
                        : c >= 0xC2 && c <= 0xDF ? 1
                                                 : 0;
    char32_t cp = c & (0x3F >> extra);
    bool ok = extra > 0 && i + extra < utf8.size();
    for (std::size_t k = 1; ok && k <= extra; ++k) {
      auto cont = static_cast<unsigned char>(utf8[i + k]);
      ok = (cont & 0xC0) == 0x80;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (ok) {
      out += cp;
      i += extra + 1;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

bool atom_lower_start(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

bool atom_name_char(char32_t c) noexcept {
  return atom_lower_start(c) || (c >= 'A' && c <= 'Z') ||
         (c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= '0' && c <= '9') ||
         c == '_' || c == '@';
}

/// erl_scan:reserved_word/1 in OTP 25 (`maybe` and `else` only with the
/// maybe_expr feature, which is off by default: `~p` leaves them bare).
bool reserved_word(std::string_view s) noexcept {
  static constexpr std::array<std::string_view, 26> words{
      "after",  "and",     "andalso", "band", "begin", "bnot", "bor",
      "bsl",    "bsr",     "bxor",    "case", "catch", "cond", "div",
      "end",    "fun",     "if",      "let",  "not",   "of",   "or",
      "orelse", "receive", "rem",     "try",  "when"};
  if (s == "xor")
    return true;
  for (auto w : words)
    if (w == s)
      return true;
  return false;
}

void print_atom(std::string& out, atom a) {
  auto text = a.text();
  auto chars = code_points(text);
  bool bare =
      !chars.empty() && atom_lower_start(chars[0]) && !reserved_word(text);
  for (std::size_t i = 1; bare && i < chars.size(); ++i)
    bare = atom_name_char(chars[i]);
  if (bare) {
    for (auto c : chars)
      put_utf8(out, c);
    return;
  }
  out += '\'';
  for (auto c : chars)
    put_quoted_char(out, c, '\'');
  out += '\'';
}

/// Erlang's shortest round-trip float text (io_lib_format:fwrite_g/1):
/// the shortest digits that read back to the same double, written in plain
/// notation unless scientific notation is shorter; integral values of 2^53
/// and beyond always use scientific notation.
void print_float(std::string& out, double d) {
  if (std::isnan(d) || std::isinf(d)) {
    // Not Erlang values; print something readable rather than nothing.
    out += std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
    return;
  }
  if (std::signbit(d))
    out += '-';
  d = std::fabs(d);
  if (d == 0.0) {
    out += "0.0";
    return;
  }
  // Shortest digits: "D.DDDDe+XX" from to_chars.
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), d,
                           std::chars_format::scientific);
  std::string_view sci{buf.data(),
                       static_cast<std::size_t>(res.ptr - buf.data())};
  auto e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.')
      digits += c;
  int exp = std::atoi(std::string{sci.substr(e_pos + 1)}.c_str());
  auto len = static_cast<int>(digits.size());
  auto exp_text = std::to_string(exp);
  auto exp_len = static_cast<int>(exp_text.size());
  int place = exp - len + 1; // value = digits * 10^place
  auto scientific = [&] {
    out += digits[0];
    out += '.';
    out += len == 1 ? std::string{"0"} : digits.substr(1);
    out += 'e';
    out += exp_text;
  };
  if (place >= 0) {
    if (exp_len + (len == 1 ? 1 : 0) >= place && d < 9007199254740992.0) {
      out += digits;
      out.append(static_cast<std::size_t>(place), '0');
      out += ".0";
    } else {
      scientific();
    }
  } else if (exp >= 0) {
    out += digits.substr(0, static_cast<std::size_t>(exp + 1));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(exp + 1));
  } else {
    int plain_len = 2 + (-exp - 1) + len;
    int sci_len = len + (len == 1 ? 2 : 1) + 1 + exp_len;
    if (plain_len <= sci_len) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    } else {
      scientific();
    }
  }
}

void print_binary(std::string& out, std::string_view bytes) {
  out += "<<";
  bool printable = !bytes.empty();
  for (unsigned char c : bytes)
    printable = printable && printable_latin1(c);
  if (printable) {
    out += '"';
    for (unsigned char c : bytes)
      put_quoted_char(out, c, '"');
    out += '"';
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0)
        out += ',';
      out += std::to_string(static_cast<unsigned char>(bytes[i]));
    }
  }
  out += ">>";
}

bool printable_charlist(const term& t) noexcept {
  const term* at = &t;
  for (; at->is_cons(); at = &at->tail()) {
    const term& h = at->head();
    if (!h.is_integer() || h.is_bignum() || !printable_latin1(h.as_int()))
      return false;
  }
  return at->is_nil();
}

void print(std::string& out, const term& t);

void print_list(std::string& out, const term& t) {
  if (printable_charlist(t)) {
    out += '"';
    for (const term& c : t.as_list())
      put_quoted_char(out, static_cast<char32_t>(c.as_int()), '"');
    out += '"';
    return;
  }
  out += '[';
  const term* at = &t;
  bool first = true;
  for (; at->is_cons(); at = &at->tail()) {
    if (!first)
      out += ',';
    first = false;
    print(out, at->head());
  }
  if (!at->is_nil()) {
    out += '|';
    print(out, *at);
  }
  out += ']';
}

void print(std::string& out, const term& t) {
  switch (t.kind()) {
  case term_kind::nil:
    out += "[]";
    return;
  case term_kind::integer:
    if (t.is_bignum())
      out += t.as_bignum().to_string();
    else
      fmt::format_to(std::back_inserter(out), "{}", t.as_int());
    return;
  case term_kind::float_:
    print_float(out, t.as_double());
    return;
  case term_kind::atom:
    print_atom(out, t.as_atom());
    return;
  case term_kind::ref:
    out += to_string(t.as_ref());
    return;
  case term_kind::pid:
    out += to_string(t.as_pid());
    return;
  case term_kind::any: {
    auto* b =
        static_cast<const detail::any_box*>(detail::term_access::box_of(t));
    out += "#Any<";
    out += detail::demangle(b->type->name());
    out += '>';
    return;
  }
  case term_kind::binary:
    print_binary(out, t.as_binary());
    return;
  case term_kind::tuple: {
    out += '{';
    bool first = true;
    for (const term& e : t.elements()) {
      if (!first)
        out += ',';
      first = false;
      print(out, e);
    }
    out += '}';
    return;
  }
  case term_kind::map: {
    out += "#{";
    bool first = true;
    for (const auto& [k, v] : t.as_map()) {
      if (!first)
        out += ',';
      first = false;
      print(out, k);
      out += " => ";
      print(out, v);
    }
    out += '}';
    return;
  }
  case term_kind::cons:
    print_list(out, t);
    return;
  }
}

} // namespace

std::string to_string(const term& t) {
  std::string out;
  print(out, t);
  return out;
}

std::ostream& operator<<(std::ostream& os, const term& t) {
  return os << to_string(t);
}

} // namespace otp
