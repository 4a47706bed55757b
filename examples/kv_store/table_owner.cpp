#include "table_owner.hpp"

#include "names.hpp"
#include "table_heir.hpp"

#include <string>

namespace kv {

using namespace otp::literals;
using otp::term;

otp::task<table_owner::init_result> table_owner::init() {
  auto claimed = co_await claim_table(self());
  if (!claimed)
    co_return init_error(term{"no_table"_a, claimed.error()});
  table_ = std::move(*claimed);
  co_return ok();
}

table_owner::call_result table_owner::handle_call(const term& request,
                                                  const from&) {
  const bool shaped =
      request.is_tuple() && request.size() >= 2 && request[1].is_binary();
  if (!shaped)
    return reply(term{"error"_a, "bad_request"_a});
  std::string key{request[1].as_binary()};
  if (request.is_tuple(3) && request[0] == term{"put"_a} &&
      request[2].is_binary()) {
    table_->put(std::move(key), std::string{request[2].as_binary()});
    return reply("ok"_a);
  }
  if (request.is_tuple(2) && request[0] == term{"get"_a}) {
    if (auto value = table_->get(key))
      return reply(term{"value"_a, *value});
    return reply("not_found"_a);
  }
  if (request.is_tuple(2) && request[0] == term{"del"_a}) {
    table_->erase(key);
    return reply("ok"_a);
  }
  return reply(term{"error"_a, "bad_request"_a});
}

table_owner::cast_result table_owner::handle_cast(const term& msg) {
  if (msg == term{"inject_crash"_a})
    throw injected_fault{"table owner: injected fault"};
  return noreply();
}

term table_owner::state() const {
  return term{"table_owner"_a,
              static_cast<std::int64_t>(table_ ? table_->size() : 0)};
}

otp::supervisor::child_spec table_owner_spec() {
  return otp::supervisor::child_spec::worker<table_owner>(
      "table_owner"_a, otp::gen_server::start_options{names::table_owner()});
}

} // namespace kv
