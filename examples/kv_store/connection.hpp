#pragma once
/// A connection process: serves one client connection, one request at a
/// time, so replies come back in the order of the requests.
///
/// For each line it calls a request worker (`{request, Line}`, see
/// worker.hpp), taking the pool's workers in turn, and writes the worker's
/// reply. A worker that is not registered (restarting) is skipped for the
/// next one; if none is there, or the worker dies during the call, the
/// reply is `ERROR unavailable` and the client retries. The call has no
/// timeout, for the reason given in worker.hpp.
///
/// The process ends when the client closes (reason `normal`), after
/// answering a too-long line (see protocol.hpp), or with its listener (it
/// is linked to it). Its socket closes with it, however it ends: the
/// `connection_handle` is a local of the process's coroutine.

#include "io_thread.hpp"

#include <cstddef>
#include <otp/process.hpp>
#include <otp/task.hpp>

namespace kv {

/// The connection process's body: `listener.spawn_link(serve_connection,
/// std::move(conn), workers)`.
otp::task<> serve_connection(otp::process& self, connection_handle conn,
                             std::size_t workers);

} // namespace kv
