# Packaging: Debian packages made with CPack from the install rules.
#
#   cpack -G DEB -B <out>      (in the build tree, after a build)
#
#   maptable-server          component server: maptable-server, the maptable
#                            CLI (its admin commands are the operator's
#                            tools) and the web app in share/maptable/web,
#                            where an installed server looks for it
#   libmaptable-client-dev   component client-dev: the C++ SDK's headers,
#                            shared and static libraries, CMake package and
#                            pkg-config file
#
# Runtime dependencies come from dpkg-shlibdeps; the SDK's headers need the
# -dev packages named below.

include(GNUInstallDirs)

# The built web app; absent until npm has built it (deploy/setup.sh), and
# then the server package goes without it.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/dist/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/maptable/web COMPONENT server OPTIONAL)

set(CPACK_PACKAGE_NAME maptable)
set(CPACK_PACKAGE_VENDOR "maptable")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "maptable maintainers <maptable@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Real-time collaborative city map")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL server client-dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME maptable-server)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
  "maptable server, command-line client and web app\n maptable-server hosts rooms where people edit a city map and chat together\n in real time; the maptable CLI joins rooms and runs the admin API.")

set(CPACK_DEBIAN_CLIENT-DEV_PACKAGE_NAME libmaptable-client-dev)
set(CPACK_DEBIAN_CLIENT-DEV_PACKAGE_SECTION libdevel)
# A shlibs file and the ldconfig trigger, as Debian wants for a shared library.
set(CPACK_DEBIAN_CLIENT-DEV_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_CLIENT-DEV_PACKAGE_DEPENDS "libprotobuf-dev, libboost1.81-dev | libboost-dev (>= 1.81), libssl-dev")
set(CPACK_COMPONENT_CLIENT-DEV_DESCRIPTION
  "maptable C++ SDK\n Join a maptable room from a C++ app: a live replica of the room kept by\n the server's own room model, and every command. find_package(maptable)\n or pkg-config maptable-client.")

include(CPack)
