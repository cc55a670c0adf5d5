# Optional MPI support: pmap collectives across processes and hosts (runtime/mpi_*.cpp).
# LANES_MPI defaults to ON when an MPI C library is found (Debian: libopenmpi-dev); the
# library then gets the compile definition LANES_HAVE_MPI.
find_package(MPI COMPONENTS C QUIET)
option(LANES_MPI "Build the MPI communicator (needs an MPI library)" ${MPI_C_FOUND})
if(LANES_MPI)
  if(NOT MPI_C_FOUND)
    message(FATAL_ERROR "LANES_MPI is ON but no MPI C library was found (install libopenmpi-dev)")
  endif()
  target_sources(lanes PRIVATE
    ${PROJECT_SOURCE_DIR}/runtime/mpi_world.cpp
    ${PROJECT_SOURCE_DIR}/runtime/mpi_communicator.cpp)
  target_link_libraries(lanes PRIVATE MPI::MPI_C)
  # We use MPI's C API from C++: keep mpi.h from pulling in the (removed in MPI-3) C++
  # bindings, which would need libmpi_cxx.
  set(LANES_MPI_DEFINITIONS OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
  target_compile_definitions(lanes PRIVATE ${LANES_MPI_DEFINITIONS})
  # In-tree code (the library, its tests) can test for MPI; installed headers do not need it.
  target_compile_definitions(lanes PUBLIC $<BUILD_INTERFACE:LANES_HAVE_MPI>)
  message(STATUS "Lanes: MPI communicator enabled (${MPI_C_LIBRARIES})")
else()
  message(STATUS "Lanes: MPI communicator disabled")
endif()
