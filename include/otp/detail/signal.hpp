#pragma once
/// Signals: everything one process sends another travels as a `signal`
/// through the receiver's single inbox, so per-pair order holds for messages,
/// links, exits and monitors alike (see docs/design/signals.md).

#include "otp/detail/pool.hpp"
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
  down,          ///< extra: the ref; from: the dead process; payload: the
                 ///< 'DOWN' message, or with seq 1 the reason alone (the
                 ///< DOWN names `from`: it becomes a down_message)
  timeout,       ///< a receive timeout fired; seq: which receive
  timer,         ///< a timer message: payload: the message; seq: timer id
  alias_message, ///< payload: the message; extra: the alias it is sent to;
                 ///< seq 1: the sender has dropped the receiver's monitor
                 ///< of that tag (a gen call's reply)
  // The gen_server protocol's messages, unboxed: their parts travel as
  // fields, and the Erlang term is built only if process code looks at the
  // message (see box_message). A gen_server takes them apart as they are,
  // which saves the boxes (and their refcounts) of every call and cast.
  call_request, ///< a gen call: a monitor (with alias) and the message
                ///< `{Label, {From, Tag}, Payload}` in one: from: the
                ///< caller (watcher); extra: Tag, `[alias | Ref]` with Ref
                ///< the monitor's ref; seq: Label's atom index
  call_reply,   ///< `{Tag, Payload}` sent to the alias Ref of the Tag
                ///< `[alias | Ref]` in extra; seq 1: as alias_message
  cast_request, ///< `{'$gen_cast', Payload}`
  down_message, ///< `{'DOWN', Ref, process, From, Payload}` with Ref in
                ///< extra: a monitor's DOWN naming the dead process by
                ///< pid, as most do. Unboxed, a process that takes many
                ///< DOWNs later (a spawner) holds no tuple for each.
  start_ack,    ///< `{ack, From, {ok, From}}`: a started server's answer
                ///< that its init went well (proc_lib's init_ack), which
                ///< its starter takes with no tuple built (see
                ///< process_base::take_matching); seq: the address of
                ///< From's block, which the starter matches (no other
                ///< block can have it meanwhile: the starter holds the
                ///< child's pid, and a left-over ack holds From). A bare
                ///< ack has no From: only its starter's linked_ack takes
                ///< it, which waits until it does, and never as a message
                ///< (boxed, it would name `undefined`).
};

/// Whether `kind` carries a message (counted by message_queue_len).
[[nodiscard]] constexpr bool carries_message(signal_kind kind) noexcept {
  return kind == signal_kind::message || kind == signal_kind::timer ||
         kind == signal_kind::alias_message ||
         kind >= signal_kind::call_request;
}

/// Whether a message of this kind is still unboxed in the message queue.
[[nodiscard]] constexpr bool is_unboxed(signal_kind kind) noexcept {
  return kind >= signal_kind::call_request;
}

struct signal {
  signal() noexcept = default;
  /// A signal of `kind` carrying `payload` (moved in, not assigned).
  signal(signal_kind k, term p, term x = {}, std::uint64_t n = 0) noexcept
      : kind(k), seq(n), payload(std::move(p)), extra(std::move(x)) {}

  signal* next = nullptr;
  signal_kind kind = signal_kind::message;
  std::uint64_t seq = 0;
  pid from;
  term payload;
  term extra;

  /// Signals come from the runtime's pool (otp/detail/pool.hpp).
  static void* operator new(std::size_t size) { return pool_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept {
    pool_free(p, size);
  }
};

/// The message an unboxed signal stands for (a copy of the payload for
/// any other message).
[[nodiscard]] term message_term(const signal& s);
/// Builds the message of an unboxed signal in place: afterwards `payload`
/// is the message and the kind is `message`. Others are left as they are.
void box_message(signal& s);

} // namespace otp::detail
