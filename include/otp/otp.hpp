#pragma once
/// Everything of otp++'s core in one include.

#include "otp/actor.hpp"
#include "otp/atom.hpp"
#include "otp/error.hpp"
#include "otp/expected.hpp"
#include "otp/gen_server.hpp"
#include "otp/pid.hpp"
#include "otp/process.hpp"
#include "otp/process_info.hpp"
#include "otp/ref.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"
#include "otp/server_ref.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"
#include "otp/task.hpp"
#include "otp/term.hpp"
