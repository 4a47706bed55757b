#include "otp/detail/signal.hpp"

#include "otp/detail/pool.hpp"

namespace otp::detail {

namespace {

/// Whether the boxed message names the signal's sender.
bool carries_sender(signal_kind kind) noexcept {
  return kind == signal_kind::call_request ||
         kind == signal_kind::down_message || kind == signal_kind::start_ack;
}

term build_message(const signal& s, term from, term tag, term payload) {
  switch (s.kind) {
  case signal_kind::call_request:
    return term{atom::from_index(static_cast<std::uint32_t>(s.seq)),
                term{std::move(from), std::move(tag)}, std::move(payload)};
  case signal_kind::call_reply:
    return term{std::move(tag), std::move(payload)};
  case signal_kind::cast_request:
    return term{atoms::gen_cast, std::move(payload)};
  case signal_kind::down_message:
    return term{atoms::DOWN, std::move(tag), atoms::process, std::move(from),
                std::move(payload)};
  case signal_kind::start_ack:
    if (!from.as_pid()) // a bare ack (see signal_kind::start_ack)
      from = atoms::undefined;
    return term{atoms::ack, from, term{atoms::ok, from}};
  default:
    return payload;
  }
}

} // namespace

term message_term(const signal& s) {
  return build_message(s, carries_sender(s.kind) ? term{s.from} : term{},
                       s.extra, s.payload);
}

void box_message(signal& s) {
  if (!is_unboxed(s.kind))
    return;
  term from = carries_sender(s.kind) ? term{std::move(s.from)} : term{};
  s.payload = build_message(s, std::move(from), std::move(s.extra),
                            std::move(s.payload));
  s.kind = signal_kind::message;
}

} // namespace otp::detail
