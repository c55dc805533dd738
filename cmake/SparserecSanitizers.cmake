# SPARSEREC_SANITIZE applies to host C++ (the CPU backend, the emulator and the kernels it runs).
if(SPARSEREC_SANITIZE)
  if(SPARSEREC_SANITIZE STREQUAL "thread" AND SPARSEREC_WITH_OPENMP)
    message(FATAL_ERROR "SPARSEREC_SANITIZE=thread needs SPARSEREC_WITH_OPENMP=OFF (libgomp is not instrumented)")
  endif()
  set(_sr_san -fsanitize=${SPARSEREC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${_sr_san}>")
  add_link_options(${_sr_san})
endif()
