# `cmake --install build --prefix P`: the sparserec program, the engine's static libraries, its
# public headers (include/sparserec/{kernels,engine,models}/...) and a CMake package, so that
# another project's `find_package(sparserec)` and `target_link_libraries(... sparserec::sparserec)`
# get the engine, the model zoo and their dependencies (examples/custom_model). The libraries are
# the ones this build made (CPU, the emulator, and CUDA when it was built), so a consumer links
# the same backends.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# One target for users: the model zoo, and through it the engine and the kernels.
add_library(sparserec_package INTERFACE)
target_link_libraries(sparserec_package INTERFACE sparserec_models)
set_target_properties(sparserec_package PROPERTIES EXPORT_NAME sparserec)

set(_sr_libraries sr_core sparserec_kernels sr_emu_runtime sparserec_engine sparserec_models sparserec_package)
foreach(t sr_kernels_emu sr_no_emu sr_kernels_cuda sr_no_cuda)  # whichever this build has
  if(TARGET ${t})
    list(APPEND _sr_libraries ${t})
  endif()
endforeach()
install(TARGETS ${_sr_libraries} EXPORT sparserecTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS sparserec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY kernels engine models DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sparserec
        FILES_MATCHING PATTERN "*.h")
install(EXPORT sparserecTargets NAMESPACE sparserec:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparserec)

# What the targets need found again in the consumer's project (the same choices as this build).
set(SPARSEREC_PACKAGE_DEPENDENCIES "find_dependency(Threads)\n")
if(SPARSEREC_HAVE_BLAS)
  string(APPEND SPARSEREC_PACKAGE_DEPENDENCIES "set(BLA_VENDOR OpenBLAS)\nfind_dependency(BLAS)\n")
endif()
if(SPARSEREC_WITH_OPENMP)
  string(APPEND SPARSEREC_PACKAGE_DEPENDENCIES "find_dependency(OpenMP COMPONENTS CXX)\n")
endif()
if(MPI_CXX_FOUND)
  string(APPEND SPARSEREC_PACKAGE_DEPENDENCIES "find_dependency(MPI COMPONENTS CXX)\n")
endif()
if(SPARSEREC_WITH_CUDA)
  string(APPEND SPARSEREC_PACKAGE_DEPENDENCIES "find_dependency(CUDAToolkit)\n")
endif()
configure_package_config_file(cmake/sparserecConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/sparserecConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparserec)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sparserecConfigVersion.cmake VERSION ${SPARSEREC_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sparserecConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/sparserecConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparserec)
