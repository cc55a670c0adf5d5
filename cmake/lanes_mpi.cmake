# Optional MPI support: pmap collectives across processes and hosts (runtime/mpi_*.cpp).
#
# The MPI code is a plugin, liblanes_mpi.so (target lanes_mpi, exported as Lanes::mpi):
# liblanes never links libmpi. When a process runs under an MPI launcher (or
# LANES_USE_MPI=1, or the host initialized MPI), liblanes loads the plugin from its own
# directory (runtime/process_group.cpp). LANES_MPI defaults to ON when an MPI C library is
# found (Debian: libopenmpi-dev); liblanes then gets LANES_MPI_PLUGIN, the file it loads.
find_package(MPI COMPONENTS C QUIET)
option(LANES_MPI "Build the MPI plugin (needs an MPI library)" ${MPI_C_FOUND})
if(NOT LANES_MPI)
  message(STATUS "Lanes: MPI plugin disabled")
  return()
endif()
if(NOT MPI_C_FOUND)
  message(FATAL_ERROR "LANES_MPI is ON but no MPI C library was found (install libopenmpi-dev)")
endif()

# We use MPI's C API from C++: keep mpi.h from pulling in the (removed in MPI-3) C++
# bindings, which would need libmpi_cxx.
set(LANES_MPI_DEFINITIONS OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
set(LANES_MPI_SOURCES ${PROJECT_SOURCE_DIR}/runtime/mpi_world.cpp
                      ${PROJECT_SOURCE_DIR}/runtime/mpi_communicator.cpp)

# The plugin: its entry point (runtime/mpi_plugin.cpp) is its only export besides what
# the public headers declare; it uses liblanes' public API only.
add_library(lanes_mpi SHARED ${LANES_MPI_SOURCES} ${PROJECT_SOURCE_DIR}/runtime/mpi_plugin.cpp)
add_library(Lanes::mpi ALIAS lanes_mpi)
target_include_directories(lanes_mpi PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(lanes_mpi PRIVATE ${LANES_MPI_DEFINITIONS})
target_compile_options(lanes_mpi PRIVATE ${LANES_WARNINGS})
target_link_libraries(lanes_mpi PRIVATE lanes MPI::MPI_C Threads::Threads)
set_target_properties(lanes_mpi PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION 0 EXPORT_NAME mpi
  CXX_VISIBILITY_PRESET hidden)
install(TARGETS lanes_mpi EXPORT LanesMpiTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT mpi NAMELINK_SKIP)
install(EXPORT LanesMpiTargets NAMESPACE Lanes:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Lanes
  COMPONENT mpi)

# The same code linked into a static library, for the tests that drive the MPI
# communicator directly (tests/mpi) on top of lanes_internal.
add_library(lanes_mpi_internal STATIC ${LANES_MPI_SOURCES})
target_compile_definitions(lanes_mpi_internal PUBLIC ${LANES_MPI_DEFINITIONS})
target_compile_options(lanes_mpi_internal PRIVATE ${LANES_WARNINGS})
target_link_libraries(lanes_mpi_internal PUBLIC lanes_internal MPI::MPI_C Threads::Threads)

# liblanes loads the plugin by its file name (beside itself, then the loader's search path).
set_property(SOURCE ${PROJECT_SOURCE_DIR}/runtime/process_group.cpp APPEND PROPERTY COMPILE_DEFINITIONS
  LANES_MPI_PLUGIN="${CMAKE_SHARED_LIBRARY_PREFIX}lanes_mpi${CMAKE_SHARED_LIBRARY_SUFFIX}.0")
# In-tree tests can test for MPI; installed headers do not need it.
target_compile_definitions(lanes_internal PUBLIC LANES_HAVE_MPI)
message(STATUS "Lanes: MPI plugin enabled (${MPI_C_LIBRARIES})")
