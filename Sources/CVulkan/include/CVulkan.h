// Vulkan types for Swift, with every entry point loaded at run time.
//
// libvulkan is opened with dlopen, never linked, so a binary built with the Vulkan backend still
// starts (and uses the CPU) on machines without a Vulkan loader. Entry points are resolved through
// vkGetInstanceProcAddr / vkGetDeviceProcAddr into the tables below; a table is filled completely
// or not at all, so its fields are non-null and Swift calls them without unwrapping.
#ifndef CVULKAN_H
#define CVULKAN_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

// X-macro lists: one line per entry point the backend uses.
#define CVK_LOADER_FUNCTIONS(X) \
    X(vkCreateInstance)

#define CVK_INSTANCE_FUNCTIONS(X) \
    X(vkDestroyInstance) \
    X(vkEnumeratePhysicalDevices) \
    X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceMemoryProperties) \
    X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPhysicalDeviceFeatures2) \
    X(vkGetPhysicalDeviceProperties2) \
    X(vkEnumerateDeviceExtensionProperties) \
    X(vkCreateDevice) \
    X(vkGetDeviceProcAddr)

#define CVK_DEVICE_FUNCTIONS(X) \
    X(vkDestroyDevice) \
    X(vkGetDeviceQueue) \
    X(vkDeviceWaitIdle) \
    X(vkCreateBuffer) \
    X(vkDestroyBuffer) \
    X(vkGetBufferMemoryRequirements) \
    X(vkAllocateMemory) \
    X(vkFreeMemory) \
    X(vkBindBufferMemory) \
    X(vkMapMemory) \
    X(vkUnmapMemory) \
    X(vkCreateShaderModule) \
    X(vkDestroyShaderModule) \
    X(vkCreateDescriptorSetLayout) \
    X(vkDestroyDescriptorSetLayout) \
    X(vkCreatePipelineLayout) \
    X(vkDestroyPipelineLayout) \
    X(vkCreateComputePipelines) \
    X(vkDestroyPipeline) \
    X(vkCreateDescriptorPool) \
    X(vkDestroyDescriptorPool) \
    X(vkResetDescriptorPool) \
    X(vkAllocateDescriptorSets) \
    X(vkUpdateDescriptorSets) \
    X(vkCreateCommandPool) \
    X(vkDestroyCommandPool) \
    X(vkResetCommandPool) \
    X(vkAllocateCommandBuffers) \
    X(vkBeginCommandBuffer) \
    X(vkEndCommandBuffer) \
    X(vkCmdBindPipeline) \
    X(vkCmdBindDescriptorSets) \
    X(vkCmdPushConstants) \
    X(vkCmdDispatch) \
    X(vkCmdPipelineBarrier) \
    X(vkCmdCopyBuffer) \
    X(vkCmdFillBuffer) \
    X(vkQueueSubmit) \
    X(vkCreateFence) \
    X(vkDestroyFence) \
    X(vkWaitForFences) \
    X(vkResetFences) \
    X(vkCreateQueryPool) \
    X(vkDestroyQueryPool) \
    X(vkCmdResetQueryPool) \
    X(vkCmdWriteTimestamp) \
    X(vkGetQueryPoolResults)

#define CVK_FIELD(name) PFN_##name _Nonnull name;

/// Entry points that need no instance.
typedef struct { PFN_vkGetInstanceProcAddr _Nonnull vkGetInstanceProcAddr; CVK_LOADER_FUNCTIONS(CVK_FIELD) } CVKLoaderTable;
/// Entry points of one instance.
typedef struct { CVK_INSTANCE_FUNCTIONS(CVK_FIELD) } CVKInstanceTable;
/// Entry points of one logical device.
typedef struct { CVK_DEVICE_FUNCTIONS(CVK_FIELD) } CVKDeviceTable;

#undef CVK_FIELD

/// Outcome of filling a table.
typedef enum {
    CVK_LOADED = 0,
    /// libvulkan.so.1 could not be opened (no Vulkan loader installed).
    CVK_NO_LOADER = 1,
    /// The loader or driver lacks an entry point (see cvk_missing_entry_point).
    CVK_MISSING_ENTRY_POINT = 2,
} CVKLoadResult;

/// Opens libvulkan.so.1 (once per process; it stays open) and fills the loader-level table.
CVKLoadResult cvk_load_loader(CVKLoaderTable *_Nonnull table);
/// Fills the table of `instance` through the loader's vkGetInstanceProcAddr.
CVKLoadResult cvk_load_instance(const CVKLoaderTable *_Nonnull loader, VkInstance _Nonnull instance,
                                CVKInstanceTable *_Nonnull table);
/// Fills the table of `device` through vkGetDeviceProcAddr (no loader trampoline per call).
CVKLoadResult cvk_load_device(const CVKInstanceTable *_Nonnull instance, VkDevice _Nonnull device,
                              CVKDeviceTable *_Nonnull table);
/// The name of the entry point that made the last load on this thread fail, or NULL.
const char *_Nullable cvk_missing_entry_point(void);

/// VK_MAKE_API_VERSION, which Swift does not import (function-like macro).
static inline uint32_t cvk_make_api_version(uint32_t variant, uint32_t major, uint32_t minor, uint32_t patch) {
    return VK_MAKE_API_VERSION(variant, major, minor, patch);
}
static inline uint32_t cvk_api_version_major(uint32_t version) { return VK_API_VERSION_MAJOR(version); }
static inline uint32_t cvk_api_version_minor(uint32_t version) { return VK_API_VERSION_MINOR(version); }
static inline uint32_t cvk_api_version_patch(uint32_t version) { return VK_API_VERSION_PATCH(version); }

#endif
