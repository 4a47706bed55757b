#pragma once
/// The names the KV service registers. They are local names, so a runtime
/// runs at most one KV service.

#include <cstddef>
#include <fmt/format.h>
#include <otp/atom.hpp>

namespace kv::names {

using namespace otp::literals;

/// The top supervisor (rest_for_one).
inline otp::atom top_supervisor() {
  return "kv_sup"_a;
}
/// The process that keeps the table while its owner is down.
inline otp::atom table_heir() {
  return "kv_table_heir"_a;
}
/// The table's owner: every read and write goes through it.
inline otp::atom table_owner() {
  return "kv_table_owner"_a;
}
/// The simple_one_for_one supervisor of the request workers.
inline otp::atom worker_supervisor() {
  return "kv_worker_sup"_a;
}
/// The process that fills the worker supervisor with the pool's workers.
inline otp::atom worker_pool() {
  return "kv_worker_pool"_a;
}
/// The TCP listener.
inline otp::atom listener() {
  return "kv_listener"_a;
}

/// Request worker `index` of the pool: `kv_worker_<index>`. Interns an atom:
/// callers on a hot path compute the names once.
inline otp::atom worker(std::size_t index) {
  return otp::atom{fmt::format("kv_worker_{}", index)};
}

} // namespace kv::names
