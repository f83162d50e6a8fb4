# Packaging: the installable C++ SDK (component client-dev).
#
# The in-tree targets (maptable_protocol, maptable_model, maptable_json,
# maptable_client, maptable_boost) are static and internal. An app that
# embeds the SDK gets two libraries built from the very same objects, so
# nothing is compiled twice:
#   libmaptable-model   the wire types and the pure room model (protobuf,
#                       Boost.JSON headers; no Asio, Beast or OpenSSL in its
#                       interface)
#   libmaptable-client  the client; Asio, Beast and OpenSSL are inside it and
#                       private, so its users need only the model's headers
# each as a shared library (with a SONAME) and as a static archive.
# Exactly one copy of the generated protobuf code may live in a process
# (protobuf aborts on a descriptor registered twice), so the model is a
# library of its own that the client links, never copied into both.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(maptable_sdk_include_dirs
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/protocol>
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/protocol>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  # The public headers include "model/room_state.hpp"; it is installed as
  # include/maptable/model/ rather than as a top-level include/model/.
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/maptable>)

# Before 1.0 a minor release may change the ABI, so the SONAME carries it.
set(maptable_sdk_soversion ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})

foreach(kind shared static)
  if(kind STREQUAL "shared")
    set(type SHARED)
    set(suffix "")
  else()
    set(type STATIC)
    set(suffix "_static")
  endif()

  add_library(maptable_sdk_model_${kind} ${type}
    $<TARGET_OBJECTS:maptable_protocol> $<TARGET_OBJECTS:maptable_model> $<TARGET_OBJECTS:maptable_json>)
  target_include_directories(maptable_sdk_model_${kind} PUBLIC ${maptable_sdk_include_dirs})
  target_link_libraries(maptable_sdk_model_${kind} PUBLIC protobuf::libprotobuf Boost::headers PRIVATE OpenSSL::Crypto)
  set_target_properties(maptable_sdk_model_${kind} PROPERTIES
    OUTPUT_NAME maptable-model EXPORT_NAME model${suffix})

  add_library(maptable_sdk_client_${kind} ${type}
    $<TARGET_OBJECTS:maptable_client> $<TARGET_OBJECTS:maptable_boost>)
  target_include_directories(maptable_sdk_client_${kind} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(maptable_sdk_client_${kind}
    PUBLIC maptable_sdk_model_${kind} PRIVATE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
  set_target_properties(maptable_sdk_client_${kind} PROPERTIES
    OUTPUT_NAME maptable-client EXPORT_NAME client${suffix})

  if(kind STREQUAL "shared")
    set_target_properties(maptable_sdk_model_${kind} maptable_sdk_client_${kind} PROPERTIES
      VERSION ${PROJECT_VERSION} SOVERSION ${maptable_sdk_soversion})
    # The client finds the model beside it, wherever the prefix is.
    set_target_properties(maptable_sdk_client_${kind} PROPERTIES INSTALL_RPATH "$ORIGIN")
  endif()
endforeach()

install(TARGETS maptable_sdk_model_shared maptable_sdk_client_shared maptable_sdk_model_static maptable_sdk_client_static
  EXPORT maptable-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client-dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client-dev)

# The headers an app includes, and the ones they include in turn.
install(FILES include/maptable/client.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/maptable COMPONENT client-dev)
install(DIRECTORY ${PROJECT_BINARY_DIR}/protocol/maptable/v1/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/maptable/v1 COMPONENT client-dev
  FILES_MATCHING PATTERN "*.pb.h")
install(FILES
    ${PROJECT_SOURCE_DIR}/protocol/model/room_state.hpp
    ${PROJECT_SOURCE_DIR}/protocol/model/limits.hpp
    ${PROJECT_SOURCE_DIR}/protocol/model/text.hpp
    ${PROJECT_SOURCE_DIR}/protocol/model/geojson.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/maptable/model COMPONENT client-dev)
# The .proto files, for apps that speak the protocol in another language.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/protocol/maptable/v1/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/maptable/proto/maptable/v1 COMPONENT client-dev
  FILES_MATCHING PATTERN "*.proto")

set(maptable_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/maptable)
install(EXPORT maptable-targets NAMESPACE maptable:: DESTINATION ${maptable_cmake_dir} COMPONENT client-dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/maptableConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/maptableConfig.cmake
  INSTALL_DESTINATION ${maptable_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/maptableConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/maptableConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/maptableConfigVersion.cmake
  DESTINATION ${maptable_cmake_dir} COMPONENT client-dev)

# pkg-config: the shared library by default; --static adds what the
# archives need privately.
file(RELATIVE_PATH maptable_pc_to_prefix
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" maptable_pc_to_prefix "${maptable_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/maptable-client.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/maptable-client.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/maptable-client.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT client-dev)
