# Warnings for the project's own targets (never for consumers of the package).
function(otp_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
  if(OTP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
