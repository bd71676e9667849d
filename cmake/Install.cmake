# What `cmake --install` puts where: the ztrun executable and its manual page, the preload shim (to
# attach a program by hand), the CMake package (find_package(ztrun): the `ztrun` target and
# ztrun_add_test), the README and the examples; and the Debian package CPack makes of all that.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ztrun RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/docs/ztrun.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(TARGETS ztrun_preload LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")

set(ZTRUN_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ztrun")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/package/ztrunConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ztrunConfig.cmake"
  INSTALL_DESTINATION "${ZTRUN_CMAKE_DIR}"
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a new minor version may change the interface. The package only runs the executable, so a
# project of any architecture may use it.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ztrunConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/ztrunConfig.cmake" "${PROJECT_BINARY_DIR}/ztrunConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/package/ZtrunTest.cmake" "${PROJECT_SOURCE_DIR}/cmake/package/ztrun-ctest.sh"
  DESTINATION "${ZTRUN_CMAKE_DIR}")

install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/examples/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples"
  REGEX "examples/CMakeLists\\.txt$" EXCLUDE)

set(CPACK_PACKAGE_NAME ztrun)
set(CPACK_PACKAGE_CONTACT "ztrun maintainers <ztrun@localhost>" CACHE STRING "The Debian package's Maintainer")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run a program with its sockets on a ZeroTier network or a private loopback")
set(CPACK_PACKAGE_DESCRIPTION
  "ztrun runs an unmodified Linux program with its IPv4 and IPv6 sockets on a network stack of its own
(lwIP inside the ztrun process, reached through a preload library): a private loopback, or
ZeroTier virtual networks it joins as a node. One executable, no daemon, no root, no kernel module.
It also runs a ZeroTier node, a network controller and root, and makes identities and planets.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The libraries' packages from dpkg-shlibdeps, as Debian's own packages get them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
