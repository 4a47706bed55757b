#include "worker_pool.hpp"

#include "names.hpp"
#include "worker.hpp"

namespace kv {

using namespace otp::literals;
using otp::term;
namespace sup = otp::supervisor;

otp::task<worker_pool::init_result> worker_pool::init() {
  for (std::size_t i = 0; i < size_; ++i) {
    // Built before the co_await: g++ 12 miscompiles an initializer list
    // built inside one.
    term extra_args = term::list({term{static_cast<std::int64_t>(i)}});
    auto started = co_await sup::start_child(self(), names::worker_supervisor(),
                                             std::move(extra_args));
    if (!started)
      co_return init_error(term{"worker_start_failed"_a,
                                static_cast<std::int64_t>(i), started.error()});
  }
  co_return ok();
}

worker_pool::call_result worker_pool::handle_call(const term& request,
                                                  const from&) {
  if (request == term{"size"_a})
    return reply(static_cast<std::int64_t>(size_));
  return reply(term{"error"_a, "bad_request"_a});
}

term worker_pool::state() const {
  return term{"worker_pool"_a, static_cast<std::int64_t>(size_)};
}

sup::child_spec worker_supervisor_spec(int intensity,
                                       std::chrono::seconds period) {
  sup::spec pool{
      sup::flags{sup::simple_one_for_one}.with_intensity(intensity, period),
      sup::child_spec::worker<worker>("worker"_a)
          .with_shutdown(std::chrono::seconds{1})};
  return sup::child_spec::supervisor(
      "worker_sup"_a, std::move(pool),
      otp::gen_server::start_options{names::worker_supervisor()});
}

sup::child_spec worker_pool_spec(std::size_t size) {
  return sup::child_spec::worker<worker_pool>(
      "worker_pool"_a, otp::gen_server::start_options{names::worker_pool()},
      size);
}

} // namespace kv
