# Sanitizer builds apply to everything in the tree, the library included.
if(OTP_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(OTP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # GCC 12 warns (-Wtsan, an error under -Werror) that TSan does not model
  # std::atomic_thread_fence. The scheduler's two fences (park /
  # notify_if_idle) only order atomics against atomics to avoid lost
  # wake-ups; they publish no plain data, so TSan cannot report false races
  # for want of them.
  add_compile_options($<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  add_link_options(-fsanitize=thread)
elseif(NOT OTP_SANITIZE STREQUAL "")
  message(FATAL_ERROR "OTP_SANITIZE must be empty, 'address' or 'thread'")
endif()
