# Standalone asio (Debian's libasio-dev, header-only), for the examples and
# tests that do real IO: the target `otp_asio` if asio.hpp is found.
if(NOT TARGET otp_asio)
  find_path(OTP_ASIO_INCLUDE_DIR asio.hpp)
  if(OTP_ASIO_INCLUDE_DIR)
    add_library(otp_asio INTERFACE)
    target_include_directories(otp_asio SYSTEM INTERFACE ${OTP_ASIO_INCLUDE_DIR})
    target_link_libraries(otp_asio INTERFACE Threads::Threads)
    if(OTP_SANITIZE STREQUAL "thread")
      # ThreadSanitizer does not model atomic_thread_fence (g++ refuses it
      # under -Werror); asio's fenced blocks only add ordering its scheduler's
      # mutexes already give.
      target_compile_definitions(otp_asio INTERFACE ASIO_DISABLE_FENCED_BLOCK)
    endif()
  endif()
endif()
