// libpng's simplified API (png_image_*): no setjmp, so it is callable from Swift.
#include <png.h>

/// libpng's upper bound on the encoded size of `image` (PNG_IMAGE_PNG_SIZE_MAX, a macro Swift cannot import):
/// a buffer this large never makes png_image_write_to_memory fail for want of space.
static inline png_alloc_size_t cpng_image_png_size_max(png_image image) {
    return PNG_IMAGE_PNG_SIZE_MAX(image);
}
