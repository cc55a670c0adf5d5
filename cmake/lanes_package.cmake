# The Debian packages (`cpack -G DEB` in the build directory; tests/package checks them):
#   lanes      liblanes, liblanes_repl, the `lanes` tool, headers and the CMake package
#   lanes-mpi  the MPI plugin (depends on lanes and Open MPI's library), so that an
#              application that does not use MPI never installs MPI.
# Installs go to /usr; binaries find their libraries through $ORIGIN, so the unpacked
# tree also works from any other prefix.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lanes)
set(CPACK_PACKAGE_VENDOR "Lanes")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "JAX's transformations (jit, grad, vmap, pmap) for C++, compiled by LLVM ORC")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Lanes developers <lanes-dev@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps (dpkg-dev) fills Depends
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL lanes mpi)
set(CPACK_DEBIAN_LANES_PACKAGE_NAME lanes)
set(CPACK_DEBIAN_MPI_PACKAGE_NAME lanes-mpi)
# The AMDGPU path: ROCm's device libraries and the ld.lld executable (liblanes links LLVM
# statically without lld's library), and HIP to run code objects (loaded at run time).
set(CPACK_DEBIAN_LANES_PACKAGE_RECOMMENDS "lld-19, rocm-device-libs")
set(CPACK_DEBIAN_LANES_PACKAGE_SUGGESTS "libamdhip64-5, lanes-mpi")
set(CPACK_DEBIAN_MPI_PACKAGE_DEPENDS "lanes (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_MPI_DESCRIPTION "Lanes' MPI plugin: pmap across processes under mpirun\n liblanes loads it when a process runs under an MPI launcher; applications never link it.")
# The tool and plugin need liblanes from the same package set, found by its RPATH.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${PROJECT_BINARY_DIR}/_CPack_Packages/Linux/DEB/lanes-${PROJECT_VERSION}-Linux/lanes/usr/${CMAKE_INSTALL_LIBDIR})
include(CPack)
