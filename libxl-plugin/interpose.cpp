// libxl has no plugin API, so libxl-cpucompat.so interposes the entry points
// a libxl client calls (loaded with LD_PRELOAD, by `cpucompat create`, or
// host-wide from /etc/ld.so.preload) and forwards to the real functions,
// found with dlsym(RTLD_NEXT). Only these symbols are exported
// (libxl-plugin/exports.map).
//
// libxlutil: xl parses a domain's config with xlu_cfg_init +
// xlu_cfg_readdata; watching those is how the plugin learns the config's
// cpu_compat and cpu_compat_guest keys, which libxl's domain config has no
// field for.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

extern "C" {
#include <libxlutil.h>
}

#include "domain_hooks.h"

namespace {

template <typename Fn>
Fn next(const char *name) {
    Fn f = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
    if (!f) {
        std::fprintf(stderr, "cpucompat plugin: %s not found after the plugin: %s\n", name, dlerror());
        std::abort();  // no real function to forward to: nothing sensible left
    }
    return f;
}

// The file each XLU_Config was opened for, to tell xl.conf from a domain config.
std::mutex g_mutex;
std::map<const XLU_Config *, std::string> g_sources;

constexpr const char *kGlobalConfig = "/etc/xen/xl.conf";

}  // namespace

extern "C" {

XLU_Config *xlu_cfg_init(FILE *report, const char *report_filename) {
    static const auto real = next<XLU_Config *(*)(FILE *, const char *)>("xlu_cfg_init");
    XLU_Config *cfg = real(report, report_filename);
    if (cfg) {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_sources[cfg] = report_filename ? report_filename : "";
    }
    return cfg;
}

int xlu_cfg_readdata(XLU_Config *cfg, const char *data, int length) {
    static const auto real = next<int (*)(XLU_Config *, const char *, int)>("xlu_cfg_readdata");
    const int rc = real(cfg, data, length);
    if (rc) return rc;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        auto it = g_sources.find(cfg);
        if (it != g_sources.end() && it->second == kGlobalConfig) return rc;  // the plugin reads xl.conf itself
    }
    const char *value = nullptr;
    if (xlu_cfg_get_string(cfg, "cpu_compat", &value, 1) == 0 && value)
        cpucompat::plugin::set_domain_config_mode(std::string(value));
    else
        cpucompat::plugin::set_domain_config_mode(std::nullopt);
    value = nullptr;
    if (xlu_cfg_get_string(cfg, "cpu_compat_guest", &value, 1) == 0 && value)
        cpucompat::plugin::set_domain_config_guest(std::string(value));
    else
        cpucompat::plugin::set_domain_config_guest(std::nullopt);
    return rc;
}

void xlu_cfg_destroy(XLU_Config *cfg) {
    static const auto real = next<void (*)(XLU_Config *)>("xlu_cfg_destroy");
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_sources.erase(cfg);
    }
    real(cfg);
}

int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
                            const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how) {
    static const auto real = next<cpucompat::plugin::CreateNewFn>("libxl_domain_create_new");
    return cpucompat::plugin::create_new(real, ctx, d_config, domid, ao_how, aop_console_how);
}

int libxl_domain_create_restore(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid, int restore_fd,
                                int send_back_fd, const libxl_domain_restore_params *params,
                                const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how) {
    static const auto real = next<cpucompat::plugin::CreateRestoreFn>("libxl_domain_create_restore");
    return cpucompat::plugin::create_restore(real, ctx, d_config, domid, restore_fd, send_back_fd, params, ao_how,
                                             aop_console_how);
}

}  // extern "C"
