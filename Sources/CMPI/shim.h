// Open MPI for Swift, built only with the MPI package trait (swift build --traits MPI). mpi.h defines its
// handles as macros Swift cannot import (MPI_COMM_WORLD casts the address of a global); these inline
// functions hand them over.
#include <mpi.h>

static inline MPI_Comm vae_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype vae_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype vae_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op vae_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op vae_mpi_max(void) { return MPI_MAX; }
static inline void *vae_mpi_in_place(void) { return MPI_IN_PLACE; }
