// The Vulkan headers, exposed to Swift. Function-like macros do not import, so the few we need are
// re-exported as inline functions.
#include <vulkan/vulkan.h>

static inline uint32_t cvk_make_api_version(uint32_t variant, uint32_t major, uint32_t minor, uint32_t patch) {
    return VK_MAKE_API_VERSION(variant, major, minor, patch);
}
