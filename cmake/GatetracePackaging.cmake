# The one `gatetrace` library users link, and how it is installed: headers, the
# library, a CMake package (find_package(gatetrace CONFIG)) and a pkg-config file.
#
# The modules are object libraries (see GatetraceHelpers.cmake); gatetrace_library()
# combines all of them into `gatetrace` (static or shared as BUILD_SHARED_LIBS says) and
# links the packages they use. The install rules run deferred, at the end of the
# project's top directory, so that integration libraries declared after the core
# (gatetrace_httplib, gatetrace_beast) are picked up when they exist.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The integration libraries that are installed and exported when their target exists:
# target name -> exported name (gatetrace::<name>) and header stem under
# include/gatetrace/integrations/.
set(GATETRACE_INTEGRATIONS httplib beast)

# The packages whose headers gatetrace's public headers include (log_correlation.h:
# fmt; curl_client_span.h: libcurl). They are public usage requirements of the library;
# the other packages it links are private.
set(GATETRACE_PUBLIC_PACKAGES fmt::fmt CURL::libcurl)

# The packages (imported targets) that `targets` link, directly, without the modules
# themselves. Generator expressions such as $<LINK_ONLY:x> are unwrapped.
function(gatetrace_external_dependencies out)
  set(result "")
  foreach(target IN LISTS ARGN)
    foreach(property IN ITEMS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(items ${target} ${property})
      if(NOT items)
        continue()
      endif()
      foreach(item IN LISTS items)
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
        if(item MATCHES "^gatetrace(_|::|$)" OR item MATCHES "^\\$<" OR item STREQUAL "")
          continue()
        endif()
        list(APPEND result ${item})
      endforeach()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES result)
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# Creates `gatetrace` and its alias `gatetrace::gatetrace` from every module declared so
# far. Call once, after the last gatetrace_module().
function(gatetrace_library)
  get_property(modules GLOBAL PROPERTY GATETRACE_MODULES)
  set(objects "")
  foreach(module IN LISTS modules)
    list(APPEND objects $<TARGET_OBJECTS:${module}>)
  endforeach()
  add_library(gatetrace ${objects})
  add_library(gatetrace::gatetrace ALIAS gatetrace)
  target_include_directories(gatetrace PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # Users inherit C++17 and the packages of GATETRACE_PUBLIC_PACKAGES; the others are
  # private (a static library still passes them on for the final link, as
  # $<LINK_ONLY:...>).
  target_compile_features(gatetrace PUBLIC cxx_std_17)
  gatetrace_external_dependencies(packages ${modules})
  foreach(package IN LISTS packages)
    if(package IN_LIST GATETRACE_PUBLIC_PACKAGES)
      target_link_libraries(gatetrace PUBLIC ${package})
    else()
      target_link_libraries(gatetrace PRIVATE ${package})
    endif()
  endforeach()
  # 0.x releases may break the ABI with every minor version.
  set_target_properties(gatetrace PROPERTIES
    OUTPUT_NAME gatetrace
    EXPORT_NAME gatetrace
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_target_property(type gatetrace TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    # Hidden visibility keeps gatetrace's own internals out of the dynamic symbol
    # table; the version script also keeps out the instantiations of std templates
    # (std:: has default visibility), so the exports are exactly GATETRACE_API.
    set(script "${PROJECT_SOURCE_DIR}/cmake/gatetrace.map")
    target_link_options(gatetrace PRIVATE "LINKER:--version-script=${script}"
                        "LINKER:--no-undefined")
    set_property(TARGET gatetrace APPEND PROPERTY LINK_DEPENDS "${script}")
  endif()
  set_property(GLOBAL PROPERTY GATETRACE_PACKAGES "${packages}")
  if(GATETRACE_INSTALL)
    cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL gatetrace_install())
  endif()
endfunction()

# The CMake code that finds one package an exported target links, for the package
# config file; empty for packages that need no finding.
function(gatetrace_find_code item out)
  if(item MATCHES "^PkgConfig::(.+)$")
    set(prefix ${CMAKE_MATCH_1})
    set(module "${${prefix}_MODULE_NAME}")
    if(NOT module)
      string(TOLOWER "${prefix}" module)
    endif()
    set(code "find_dependency(PkgConfig)\n"
             "pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})\n"
             "if(NOT ${prefix}_FOUND)\n"
             "  set(gatetrace_FOUND FALSE)\n"
             "  set(gatetrace_NOT_FOUND_MESSAGE \"gatetrace needs pkg-config module '${module}'\")\n"
             "  return()\n"
             "endif()\n")
  elseif(item STREQUAL "nlohmann_json::nlohmann_json")
    set(code "find_dependency(nlohmann_json 3.10)\n")
  elseif(item STREQUAL "Boost::headers" OR item STREQUAL "Boost::boost")
    set(code "find_dependency(Boost)\n")
  elseif(item MATCHES "^([A-Za-z0-9_]+)::")
    set(code "find_dependency(${CMAKE_MATCH_1})\n")
  else()
    set(code "")
  endif()
  string(REPLACE ";" "" code "${code}")
  set(${out} "${code}" PARENT_SCOPE)
endfunction()

# What Requires/Libs of gatetrace.pc name for one linked package.
function(gatetrace_pkg_config_item item out_module out_flags)
  set(module "")
  set(flags "")
  if(item MATCHES "^PkgConfig::(.+)$")
    set(module "${${CMAKE_MATCH_1}_MODULE_NAME}")
    if(NOT module)
      string(TOLOWER "${CMAKE_MATCH_1}" module)
    endif()
  elseif(item STREQUAL "CURL::libcurl")
    set(module libcurl)
  elseif(item MATCHES "^fmt::fmt")
    set(module fmt)
  elseif(item STREQUAL "Threads::Threads")
    set(flags -pthread)
  endif()
  # nlohmann_json is header-only and private: nothing for the consumer's link.
  set(${out_module} "${module}" PARENT_SCOPE)
  set(${out_flags} "${flags}" PARENT_SCOPE)
endfunction()

# Install rules (deferred to the end of the top directory; see above).
function(gatetrace_install)
  set(targets gatetrace)
  set(integrations "")
  foreach(name IN LISTS GATETRACE_INTEGRATIONS)
    if(TARGET gatetrace_${name})
      list(APPEND targets gatetrace_${name})
      list(APPEND integrations ${name})
      set_target_properties(gatetrace_${name} PROPERTIES EXPORT_NAME ${name})
      if(NOT TARGET gatetrace::${name})
        add_library(gatetrace::${name} ALIAS gatetrace_${name})
      endif()
    endif()
  endforeach()

  install(TARGETS ${targets} EXPORT gatetraceTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

  # Headers: all of include/gatetrace and the generated version.h, except an
  # integration's headers when its library is not built (they include the framework's).
  set(excluded "")
  foreach(name IN LISTS GATETRACE_INTEGRATIONS)
    if(NOT name IN_LIST integrations)
      list(APPEND excluded REGEX "/integrations/${name}(\\.h|_[^/]*\\.h|/.*)$" EXCLUDE)
    endif()
  endforeach()
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/gatetrace"
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h" ${excluded})
  install(FILES "${PROJECT_BINARY_DIR}/include/gatetrace/version.h"
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gatetrace)

  # The CMake package. A static libgatetrace.a records no dependencies, so the targets
  # file names them all ($<LINK_ONLY:...>) and the config must find them; a shared one
  # names only the public packages. The integration libraries' packages are needed in
  # every case.
  set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/gatetrace)
  install(EXPORT gatetraceTargets NAMESPACE gatetrace:: DESTINATION ${config_dir}
          FILE gatetraceTargets.cmake)
  get_property(packages GLOBAL PROPERTY GATETRACE_PACKAGES)
  get_target_property(type gatetrace TYPE)
  set(needed "")
  foreach(package IN LISTS packages)
    if(package IN_LIST GATETRACE_PUBLIC_PACKAGES OR NOT type STREQUAL "SHARED_LIBRARY")
      list(APPEND needed ${package})
    endif()
  endforeach()
  foreach(name IN LISTS integrations)
    gatetrace_external_dependencies(integration_packages gatetrace_${name})
    list(APPEND needed ${integration_packages})
  endforeach()
  list(REMOVE_DUPLICATES needed)
  set(GATETRACE_FIND_DEPENDENCIES "")
  foreach(item IN LISTS needed)
    gatetrace_find_code(${item} code)
    string(APPEND GATETRACE_FIND_DEPENDENCIES "${code}")
  endforeach()
  set(GATETRACE_LIBRARY_TYPE ${type})
  set(GATETRACE_INTEGRATIONS_BUILT "${integrations}")
  configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/gatetraceConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/gatetraceConfig.cmake" INSTALL_DESTINATION ${config_dir})
  # 0.x: a new minor version may break the API.
  write_basic_package_version_file("${PROJECT_BINARY_DIR}/gatetraceConfigVersion.cmake"
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES "${PROJECT_BINARY_DIR}/gatetraceConfig.cmake"
          "${PROJECT_BINARY_DIR}/gatetraceConfigVersion.cmake" DESTINATION ${config_dir})

  # pkg-config. Relocatable: the prefix is found from the .pc file's own directory.
  # The public packages are requirements (their headers are needed); the private ones
  # are private requirements of a shared library (pkg-config --static adds them), but
  # requirements of a static one, which cannot be linked without them.
  set(requires "")
  set(requires_private "")
  set(flags "")
  foreach(item IN LISTS packages)
    gatetrace_pkg_config_item(${item} module item_flags)
    if(item IN_LIST GATETRACE_PUBLIC_PACKAGES OR NOT type STREQUAL "SHARED_LIBRARY")
      list(APPEND requires ${module})
    else()
      list(APPEND requires_private ${module})
    endif()
    list(APPEND flags ${item_flags})
  endforeach()
  list(JOIN requires " " requires)
  list(JOIN requires_private " " requires_private)
  list(JOIN flags " " flags)
  set(pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(GATETRACE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  else()
    file(RELATIVE_PATH up "/root/${pc_dir}" "/root")
    string(REGEX REPLACE "/$" "" up "${up}")
    set(GATETRACE_PC_PREFIX "\${pcfiledir}/${up}")
  endif()
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(GATETRACE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  else()
    set(GATETRACE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  endif()
  if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(GATETRACE_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
  else()
    set(GATETRACE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  endif()
  set(GATETRACE_PC_REQUIRES "${requires}")
  set(GATETRACE_PC_REQUIRES_PRIVATE "${requires_private}")
  if(type STREQUAL "SHARED_LIBRARY")
    set(GATETRACE_PC_LIBS "")
    set(GATETRACE_PC_LIBS_PRIVATE "${flags}")
  else()
    set(GATETRACE_PC_LIBS " ${flags}")
    set(GATETRACE_PC_LIBS_PRIVATE "")
  endif()
  configure_file("${PROJECT_SOURCE_DIR}/cmake/gatetrace.pc.in"
                 "${PROJECT_BINARY_DIR}/gatetrace.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/gatetrace.pc" DESTINATION ${pc_dir})
endfunction()
