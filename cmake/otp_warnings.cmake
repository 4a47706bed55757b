# Warnings for the project's own targets (never for consumers of the package).
function(otp_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    # g++ 12 reports std::variant and std::optional members as "maybe
    # uninitialized" at -O2 and above (GCC bug 105562 and kin).
    -Wno-maybe-uninitialized)
  if(OTP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
