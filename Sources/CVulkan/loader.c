#include "CVulkan.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static void *library;
static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static _Thread_local const char *missing;

static void open_library(void) {
    library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
}

// Each FILL line resolves one entry point and fails the whole table on the first gap.
#define CVK_FILL(resolve, owner, name) \
    if (!(table->name = (PFN_##name)resolve(owner, #name))) { missing = #name; return CVK_MISSING_ENTRY_POINT; }

CVKLoadResult cvk_load_loader(CVKLoaderTable *table) {
    pthread_once(&library_once, open_library);
    if (!library) return CVK_NO_LOADER;
    table->vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)dlsym(library, "vkGetInstanceProcAddr");
    if (!table->vkGetInstanceProcAddr) { missing = "vkGetInstanceProcAddr"; return CVK_MISSING_ENTRY_POINT; }
    PFN_vkGetInstanceProcAddr resolve = table->vkGetInstanceProcAddr;
#define X(name) CVK_FILL(resolve, NULL, name)
    CVK_LOADER_FUNCTIONS(X)
#undef X
    return CVK_LOADED;
}

CVKLoadResult cvk_load_instance(const CVKLoaderTable *loader, VkInstance instance, CVKInstanceTable *table) {
    PFN_vkGetInstanceProcAddr resolve = loader->vkGetInstanceProcAddr;
#define X(name) CVK_FILL(resolve, instance, name)
    CVK_INSTANCE_FUNCTIONS(X)
#undef X
    return CVK_LOADED;
}

CVKLoadResult cvk_load_device(const CVKInstanceTable *instance, VkDevice device, CVKDeviceTable *table) {
    PFN_vkGetDeviceProcAddr resolve = instance->vkGetDeviceProcAddr;
#define X(name) CVK_FILL(resolve, device, name)
    CVK_DEVICE_FUNCTIONS(X)
#undef X
    return CVK_LOADED;
}

const char *cvk_missing_entry_point(void) { return missing; }
