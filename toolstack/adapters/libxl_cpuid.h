// Checks a `cpuid=` setting with libxl's own parsers
// (libxl_cpuid_parse_config / _xend), which run without a hypervisor: what
// passes here is what xl will accept.
#pragma once

#include "../core/to_xl.h"

namespace cpucompat {

// Throws Error naming the first item libxl rejects and why.
void validate_with_libxl(const XlCpuid &cpuid);

}  // namespace cpucompat
