# CTest tests (label `consumer`) that consume this build as a user would, through
# test/consumer/run.sh: find_package against an install of this build, add_subdirectory
# of the source tree, and pkg-config. Each sends one trace to the agent stand-in. They
# need the build done first (`cmake --build`), like every test. For a shared library,
# a symbols test checks that only the public API is exported.
#
# Included from test/CMakeLists.txt, which builds the stand-in.

if(NOT TARGET gatetrace-agent-stand-in)
  message(FATAL_ERROR "the consumer tests need the gatetrace-agent-stand-in target")
endif()

if(BUILD_SHARED_LIBS)
  set(gatetrace_consumer_shared ON)
else()
  set(gatetrace_consumer_shared OFF)
endif()

foreach(mode IN ITEMS find_package add_subdirectory pkg_config)
  add_test(NAME consumer_${mode}
           COMMAND ${PROJECT_SOURCE_DIR}/test/consumer/run.sh ${mode}
                   --build-dir ${PROJECT_BINARY_DIR} --source-dir ${PROJECT_SOURCE_DIR}
                   --stand-in $<TARGET_FILE:gatetrace-agent-stand-in>
                   --version ${PROJECT_VERSION} --shared ${gatetrace_consumer_shared}
                   --cxx ${CMAKE_CXX_COMPILER})
  # add_subdirectory compiles the whole library again, with two jobs.
  set_tests_properties(consumer_${mode} PROPERTIES LABELS consumer TIMEOUT 1800
                       PROCESSORS 2)
endforeach()

if(BUILD_SHARED_LIBS)
  add_test(NAME consumer_exported_symbols
           COMMAND ${PROJECT_SOURCE_DIR}/test/consumer/check_symbols.sh
                   $<TARGET_FILE:gatetrace>)
  set_tests_properties(consumer_exported_symbols PROPERTIES LABELS "consumer;symbols"
                       TIMEOUT 60)
endif()
