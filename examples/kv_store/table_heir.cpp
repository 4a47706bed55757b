#include "table_heir.hpp"

#include "names.hpp"

namespace kv {

using namespace otp::literals;
using otp::term;

table_heir::call_result table_heir::handle_call(const term& request,
                                                const from& caller) {
  if (request != term{"claim"_a})
    return reply(term{"error"_a, "bad_request"_a});
  if (!holder_) {
    lend(caller);
    return noreply();
  }
  if (waiting_)
    return reply(term{"error"_a, "busy"_a});
  waiting_ = caller;
  return noreply();
}

table_heir::info_result table_heir::handle_info(const term& msg) {
  const bool holder_down =
      msg.is_tuple(5) && msg[0].is_atom(otp::atoms::DOWN) && msg[1].is_ref() &&
      msg[1].as_ref() == holder_monitor_;
  if (!holder_down)
    return noreply();
  // The holder's state is gone: the table is ours alone again.
  holder_ = otp::pid{};
  if (waiting_) {
    const from next = *waiting_;
    waiting_.reset();
    lend(next);
  }
  return noreply();
}

void table_heir::lend(const from& to) {
  holder_ = to.caller;
  // A claimant that died before the reply arrives gives a 'DOWN' at once
  // (noproc): the table comes back without waiting.
  holder_monitor_ = self().monitor(holder_);
  reply_to(to, term::any(std::shared_ptr<table>{table_}));
}

term table_heir::state() const {
  return term{"table_heir"_a, static_cast<std::int64_t>(table_->size()),
              holder_ ? term{holder_} : term{"none"_a}};
}

otp::supervisor::child_spec table_heir_spec() {
  return otp::supervisor::child_spec::worker<table_heir>(
      "table_heir"_a, otp::gen_server::start_options{names::table_heir()});
}

otp::task<otp::expected<std::shared_ptr<table>, term>>
claim_table(otp::process& self) {
  auto answer = co_await otp::gen_server::try_call(
      self, names::table_heir(), "claim"_a, std::chrono::seconds{5});
  if (!answer)
    co_return otp::unexpected<term>(std::move(answer.error()));
  if (auto* t = answer->try_get<std::shared_ptr<table>>())
    co_return std::shared_ptr<table>{*t};
  co_return otp::unexpected<term>(std::move(*answer));
}

} // namespace kv
