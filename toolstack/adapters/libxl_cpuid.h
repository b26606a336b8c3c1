// libxl's own cpuid list code, used without a hypervisor: its parsers
// (libxl_cpuid_parse_config / _xend) check and apply `cpuid=` items, and
// its JSON generator shows what a list holds.
#pragma once

#include "../core/cpuid_merge.h"
#include "../core/to_xl.h"

// libxl.h's libxl_cpuid_policy_list, without including libxl.h here.
extern "C" struct libxl__cpu_policy;

namespace cpucompat {

// Throws Error naming the first item libxl rejects and why.
void validate_with_libxl(const XlCpuid &cpuid);

using LibxlCpuidList = libxl__cpu_policy *;

// The filters a list holds, through libxl_cpuid_policy_list_gen_json.
CpuidFilters read_cpuid_filters(const LibxlCpuidList &list);
// Applies merged items to the list: every item is first parsed into a
// scratch list, so a rejected item throws Error and leaves `list` unchanged.
void apply_merged_cpuid(LibxlCpuidList &list, const MergedCpuid &m);

}  // namespace cpucompat
