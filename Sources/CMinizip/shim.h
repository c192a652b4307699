// minizip (Debian: libminizip-dev), zlib's zip reader and writer: the arrays inside NumPy .npz files, stored or
// deflated (the writer makes test archives).
#include <minizip/unzip.h>
#include <minizip/zip.h>
