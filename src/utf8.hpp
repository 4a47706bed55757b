#pragma once
/// UTF-8 decoding and encoding shared by term construction, printing and
/// parsing, so a text means the same code points in all three.

#include <cstddef>
#include <string>
#include <string_view>

namespace otp::internal {

/// Decodes one UTF-8 sequence at `s[i]` and advances `i`. A byte that does
/// not start a valid sequence (overlong forms and surrogates included) is
/// taken as a Latin-1 character, as `term::charlist` documents.
inline char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t extra = c >= 0xF0 && c <= 0xF4   ? 3
                      : c >= 0xE0 && c <= 0xEF ? 2
                      : c >= 0xC2 && c <= 0xDF ? 1
                                               : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (std::size_t k = 1; k <= extra; ++k) {
    unsigned char cont = byte(i + k);
    if ((cont & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cont & 0x3F);
  }
  // Reject overlong forms and surrogates, as a strict decoder does.
  if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
    ++i;
    return c;
  }
  i += extra + 1;
  return cp;
}

/// Appends `c` to `out` as UTF-8.
inline void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

} // namespace otp::internal
