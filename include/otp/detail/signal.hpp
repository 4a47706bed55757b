#pragma once
/// Signals: everything one process sends another travels as a `signal`
/// through the receiver's single inbox, so per-pair order holds for messages,
/// links, exits and monitors alike (see docs/design/signals.md).

#include "otp/pid.hpp"
#include "otp/term.hpp"

#include <cstdint>
#include <new>

namespace otp::detail {

enum class signal_kind : std::uint8_t {
  message,       ///< payload: the message
  exit,          ///< exit/2: payload: reason; from: sender
  forced_exit,   ///< untrappable exit with payload as reason (runtime shutdown)
  exit_linked,   ///< a linked process died: payload: reason; from: the dead one
  link,          ///< from: the process that linked to us
  unlink,        ///< from: the process that unlinked
  monitor,       ///< from: watcher; extra: the ref; payload: name or []
  demonitor,     ///< from: watcher; extra: the ref
  down,          ///< extra: the ref; payload: reason; from: the dead process
  timeout,       ///< a receive timeout fired; seq: which receive
  timer,         ///< a timer message: payload: the message; seq: timer id
  alias_message, ///< payload: the message; extra: the alias it is sent to;
                 ///< seq 1: the sender has dropped the receiver's monitor
                 ///< of that tag (a gen call's reply)
  monitor_message, ///< a monitor (with alias) and a message in one: from:
                   ///< watcher; extra: the ref; payload: the message
};

/// Whether `kind` carries a message (counted by message_queue_len).
[[nodiscard]] constexpr bool carries_message(signal_kind kind) noexcept {
  return kind == signal_kind::message || kind == signal_kind::timer ||
         kind == signal_kind::alias_message ||
         kind == signal_kind::monitor_message;
}

struct signal {
  signal* next = nullptr;
  signal_kind kind = signal_kind::message;
  std::uint64_t seq = 0;
  pid from;
  term payload;
  term extra;

  /// Signals come from the runtime's pool (otp/detail/pool.hpp).
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;
};

} // namespace otp::detail
