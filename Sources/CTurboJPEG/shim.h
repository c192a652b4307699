// libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev): JPEG decoding with errors returned, not longjmp'd.
#include <turbojpeg.h>
