// OpenBLAS's CBLAS interface (Debian's libopenblas-dev, pthread build).
#include <cblas.h>
// OpenBLAS extensions: thread count control.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
