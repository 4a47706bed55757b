#pragma once
/// `kv::table_owner`: the table's owner, the only process that reads or
/// writes it (registered as `kv_table_owner`).
///
/// | request (call)          | reply                         |
/// |-------------------------|-------------------------------|
/// | `{put, Key, Value}`     | `ok`, once the table has it   |
/// | `{get, Key}`            | `{value, V}` or `not_found`   |
/// | `{del, Key}`            | `ok`                          |
///
/// Keys and values are binaries. The write is applied before the reply is
/// sent, and the table outlives the owner (table_heir.hpp), so an `ok` the
/// owner sent is never lost, whatever kills the owner afterwards. A request
/// the owner dies before answering fails the caller's call: the caller
/// cannot know whether it was applied and retries it (every request is
/// idempotent).
///
/// init claims the table from the heir: a restarted owner starts with
/// every write its predecessors acknowledged.
///
/// The cast `inject_crash` makes the owner throw from handle_cast: the
/// demo's fault injector uses it to crash the owner from inside a callback.

#include "table.hpp"

#include <memory>
#include <otp/gen_server.hpp>
#include <otp/supervisor.hpp>
#include <stdexcept>

namespace kv {

/// Thrown by a callback on the fault injector's request.
class injected_fault : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class table_owner : public otp::gen_server::server<table_owner> {
public:
  otp::task<init_result> init();
  call_result handle_call(const otp::term& request, const from& caller);
  cast_result handle_cast(const otp::term& msg);
  [[nodiscard]] otp::term state() const override;

private:
  std::shared_ptr<table> table_;
};

/// The owner's child spec (registered as `kv_table_owner`).
[[nodiscard]] otp::supervisor::child_spec table_owner_spec();

} // namespace kv
