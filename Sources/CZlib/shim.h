// zlib (Debian: zlib1g-dev): gzip inflate for IDX files, deflate and CRC-32 for PNG.
#include <zlib.h>
