// libpng (Debian: libpng-dev): PNG decoding through its simplified API, which reports errors in the image struct instead of longjmp.
#include <png.h>
