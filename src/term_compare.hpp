#pragma once
/// Orders shared by term.cpp (map construction and lookup) and
/// term_compare.cpp.

#include "otp/term.hpp"

namespace otp::detail {

/// Erlang's map key order, as <0, 0, >0: the term order, except that every
/// integer sorts before every float, at any depth (so `1` and `1.0` are
/// distinct keys, and `{2} < {1.0}`). Maps keep their keys in this order.
[[nodiscard]] int compare_keys(const term& a, const term& b) noexcept;

} // namespace otp::detail
