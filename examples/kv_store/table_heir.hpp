#pragma once
/// `kv::table_heir`: keeps the table alive while its owner is down, and
/// lends it to one owner at a time (ETS's `heir` option, as a process).
///
/// Why: an acknowledged write must survive the owner's crash. The owner
/// applies each write to the table before it replies `OK`, and the table is
/// not in the owner's state: the heir created it and holds a reference for
/// as long as the heir lives, so an owner that is killed (`exit(Pid,
/// kill)`, no terminate) or throws loses nothing. The restarted owner
/// claims the very same table in its init.
///
/// Protocol (`gen_server:call(kv_table_heir, claim)`):
/// - no holder: the caller becomes the holder; the heir monitors it and
///   replies with the table (`term::any(std::shared_ptr<table>)`).
/// - a holder already: the reply waits until the holder's `'DOWN'`. The
///   runtime sends `'DOWN'` only after the holder's state is destroyed, so
///   the old owner can no longer touch the table when the new one gets it:
///   at most one process ever uses the table (it is not thread-safe).
/// - a second claim while one waits: `{error, busy}` (never happens with
///   one owner under a supervisor; it keeps the invariant obvious).
///
/// The heir is the table's durability boundary: its crash loses the table,
/// as an ETS table dies with its last owner and heir. It has no logic that
/// could fail, and the fault injector leaves it alone; a journal on disk
/// would be the next step for a store that must survive the whole node.

#include "table.hpp"

#include <memory>
#include <optional>
#include <otp/gen_server.hpp>
#include <otp/supervisor.hpp>

namespace kv {

class table_heir : public otp::gen_server::server<table_heir> {
public:
  call_result handle_call(const otp::term& request, const from& caller);
  info_result handle_info(const otp::term& msg);
  [[nodiscard]] otp::term state() const override;

private:
  void lend(const from& to);

  std::shared_ptr<table> table_ = std::make_shared<table>();
  otp::pid holder_;
  otp::ref holder_monitor_;
  std::optional<from> waiting_;
};

/// The heir's child spec (registered as `kv_table_heir`).
[[nodiscard]] otp::supervisor::child_spec table_heir_spec();

/// From the owner's init: claims the table. The table, or the reason the
/// claim failed (the heir is down, or busy).
[[nodiscard]] otp::task<otp::expected<std::shared_ptr<table>, otp::term>>
claim_table(otp::process& self);

} // namespace kv
