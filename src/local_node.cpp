#include "otp/local_node.hpp"

#include <atomic>

namespace otp {
namespace {
std::atomic<std::uint32_t> node_index{atoms::nonode.index()};
std::atomic<std::uint32_t> node_creation{0};
} // namespace

atom local_node() noexcept {
  return atom::from_index(node_index.load(std::memory_order_acquire));
}

std::uint32_t local_creation() noexcept {
  return node_creation.load(std::memory_order_acquire);
}

void set_local_node(atom name, std::uint32_t creation) noexcept {
  node_creation.store(creation, std::memory_order_release);
  node_index.store(name.index(), std::memory_order_release);
}

} // namespace otp
