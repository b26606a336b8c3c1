// What the plugin does around libxl's domain creation and restore; called
// from interpose.cpp with the real libxl functions. Never throws: every
// failure is reported on stderr as one line and becomes ERROR_FAIL, the way
// libxl itself fails, so xl's normal error path shows it.
#pragma once

#include <optional>
#include <string>

#include "../toolstack/adapters/xen_headers.h"

namespace cpucompat::plugin {

using CreateNewFn = int (*)(libxl_ctx *, libxl_domain_config *, uint32_t *, const libxl_asyncop_how *,
                            const libxl_asyncprogress_how *);
using CreateRestoreFn = int (*)(libxl_ctx *, libxl_domain_config *, uint32_t *, int, int,
                                const libxl_domain_restore_params *, const libxl_asyncop_how *,
                                const libxl_asyncprogress_how *);

// cpu_compat as found in the domain config this process parsed last
// (interpose.cpp sees xl's parse); nullopt when it named none.
void set_domain_config_mode(std::optional<std::string> value);
// cpu_compat_guest likewise: the guest OS the domain runs (cpucompat guests).
void set_domain_config_guest(std::optional<std::string> value);

int create_new(CreateNewFn real, libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
               const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how);

int create_restore(CreateRestoreFn real, libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
                   int restore_fd, int send_back_fd, const libxl_domain_restore_params *params,
                   const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how);

}  // namespace cpucompat::plugin
