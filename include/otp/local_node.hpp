#pragma once
/// The name and creation of this node, as local pids and refs report them.
/// `nonode@nohost` and creation 0 until the distribution layer names the node.

#include "otp/atom.hpp"

#include <cstdint>

namespace otp {

/// This node's name. Thread-safe.
[[nodiscard]] atom local_node() noexcept;
/// This node's creation. Thread-safe.
[[nodiscard]] std::uint32_t local_creation() noexcept;
/// Names this node (the distribution layer calls it once, at start).
void set_local_node(atom name, std::uint32_t creation) noexcept;

} // namespace otp
