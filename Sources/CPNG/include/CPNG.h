// libpng's simplified API (png_image_*): no setjmp, so it is callable from Swift.
#include <png.h>
