// ARPACK-NG's C interface (dsaupd_c / dseupd_c): no Fortran name mangling or hidden string lengths.
#include <arpack/arpack.h>
