#pragma once
/// `otp::expected`: the outcome type of every fallible otp++ call.
///
/// An alias to tl::expected (Debian's libexpected-dev) because g++ 12 has no
/// usable std::expected in C++20. Only the subset shared with std::expected
/// is used, so switching the alias later is a one-line change.

#include <tl/expected.hpp>

namespace otp {

template <class T, class E>
using expected = tl::expected<T, E>;

using tl::unexpected;

} // namespace otp
