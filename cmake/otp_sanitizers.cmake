# Sanitizer builds apply to everything in the tree, the library included.
if(OTP_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(OTP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT OTP_SANITIZE STREQUAL "")
  message(FATAL_ERROR "OTP_SANITIZE must be empty, 'address' or 'thread'")
endif()
