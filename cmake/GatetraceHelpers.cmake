# Helpers shared by the build files of the library, the tests and the tools.

# Warnings for gatetrace's own targets (not applied to users' code).
function(gatetrace_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()

# One module of the library: an object library from src/gatetrace/<name>/*.cpp that
# links the modules and packages it depends on. The modules are combined into the one
# `gatetrace` library; tests link only the modules they exercise.
function(gatetrace_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/gatetrace/${name}/*.cpp")
  if(NOT sources)
    message(FATAL_ERROR "module ${name} has no sources in src/gatetrace/${name}")
  endif()
  add_library(gatetrace_${name} OBJECT ${sources})
  # The binary include directory holds the generated gatetrace/version.h.
  target_include_directories(gatetrace_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
  target_link_libraries(gatetrace_${name} PUBLIC ${ARG_DEPENDS})
  target_compile_definitions(gatetrace_${name} PRIVATE GATETRACE_BUILDING_LIBRARY
    GATETRACE_VERSION_STRING="${PROJECT_VERSION}")
  set_target_properties(gatetrace_${name} PROPERTIES CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  gatetrace_warnings(gatetrace_${name})
  # Object libraries hand their objects only to targets that link them directly, so
  # remember the module's whole closure for gatetrace_link_modules.
  set(closure "")
  foreach(dep IN LISTS ARG_DEPENDS)
    if(dep MATCHES "^gatetrace_")
      get_target_property(dep_closure ${dep} GATETRACE_CLOSURE)
      list(APPEND closure ${dep} ${dep_closure})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES closure)
  set_target_properties(gatetrace_${name} PROPERTIES GATETRACE_CLOSURE "${closure}")
  # Every module goes into the combined library (gatetrace_library in
  # GatetracePackaging.cmake).
  set_property(GLOBAL APPEND PROPERTY GATETRACE_MODULES gatetrace_${name})
endfunction()

# Links `target` with the given modules and every module they depend on.
function(gatetrace_link_modules target)
  set(all "")
  foreach(item IN LISTS ARGN)
    if(item MATCHES "^gatetrace_" AND TARGET ${item})
      get_target_property(item_closure ${item} GATETRACE_CLOSURE)
      if(item_closure)
        list(APPEND all ${item} ${item_closure})
      else()
        list(APPEND all ${item})
      endif()
    else()
      list(APPEND all ${item})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES all)
  target_link_libraries(${target} PRIVATE ${all})
endfunction()
