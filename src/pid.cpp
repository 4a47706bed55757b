#include "otp/pid.hpp"

#include "otp/local_node.hpp"

#include <fmt/format.h>

namespace otp {

pid pid::remote(atom node, std::uint32_t id, std::uint32_t serial,
                std::uint32_t creation) {
  return pid{detail::intrusive_ptr<detail::pid_block>{
      new detail::pid_block{node, id, serial, creation, false}, false}};
}

atom pid::node() const noexcept {
  if (!block_)
    return atoms::undefined;
  return block_->is_local() ? local_node() : block_->node();
}

bool operator==(const pid& a, const pid& b) noexcept {
  if (a.block_ == b.block_)
    return true;
  if (!a.block_ || !b.block_ || a.is_local() || b.is_local())
    return false; // distinct local blocks are distinct processes
  return a.block_->node() == b.block_->node() && a.id() == b.id() &&
         a.serial() == b.serial() && a.creation() == b.creation();
}

std::strong_ordering operator<=>(const pid& a, const pid& b) noexcept {
  if (a == b)
    return std::strong_ordering::equal;
  // Null pids sort first; local pids compare by (serial, id) as in the BEAM;
  // pids of other nodes by node name, then serial, id and creation.
  if (!a.block_ || !b.block_)
    return bool(a.block_) <=> bool(b.block_);
  if (a.is_local() != b.is_local()) {
    if (auto c = compare_text(a.node(), b.node()); c != 0)
      return c;
    return a.is_local() ? std::strong_ordering::less
                        : std::strong_ordering::greater;
  }
  if (!a.is_local())
    if (auto c = compare_text(a.node(), b.node()); c != 0)
      return c;
  if (auto c = a.serial() <=> b.serial(); c != 0)
    return c;
  if (auto c = a.id() <=> b.id(); c != 0)
    return c;
  return a.creation() <=> b.creation();
}

std::size_t pid::hash() const noexcept {
  if (!block_)
    return 0;
  std::size_t h = (std::size_t{block_->serial()} << 32) ^ block_->id();
  if (!block_->is_local())
    h ^= std::size_t{block_->node().index()} * 0x9e3779b97f4a7c15ULL;
  // Mixed, as ref::hash is: flat_table (links) probes linearly from the low
  // bits, where consecutive ids would make one run as long as the table, so
  // each erase (a supervisor's 100k children exiting) walked all of it.
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

std::string to_string(const pid& p) {
  if (!p)
    return "undefined";
  auto node_index = p.is_local() ? 0U : p.node().index();
  return fmt::format("<{}.{}.{}>", node_index, p.id(), p.serial());
}

} // namespace otp
