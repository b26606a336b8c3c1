#include "libxl_cpuid.h"

#include "../core/error.h"
#include "xen_headers.h"

namespace cpucompat {

namespace {

const char *string_form_reason(int rc) {
    switch (rc) {
    case 1: return "missing '='";
    case 2: return "unknown feature name";
    case 3: return "bad value (expected 0, 1, x, k, s or a number)";
    default: return "libxl error";
    }
}

const char *xend_form_reason(int rc) {
    switch (rc) {
    case 1: return "bad leaf";
    case 2: return "bad subleaf";
    case 3: return "missing ':'";
    case 4: return "bad register name";
    case 5: return "register value is not 32 characters";
    default: return "libxl error";
    }
}

// Owns a libxl_cpuid_policy_list for the duration of one check.
struct PolicyList {
    libxl_cpuid_policy_list list = nullptr;
    ~PolicyList() { libxl_cpuid_dispose(&list); }
};

}  // namespace

void validate_with_libxl(const XlCpuid &cpuid) {
    PolicyList pl;
    for (std::size_t i = 0; i < cpuid.items.size(); ++i) {
        const std::string &item = cpuid.items[i];
        if (cpuid.form == XlCpuid::Form::libxl_string) {
            if (i == 0 && item == "host") continue;  // xl's keyword, not libxl's
            const int rc = libxl_cpuid_parse_config(&pl.list, item.c_str());
            if (rc) throw Error("libxl rejects cpuid item \"" + item + "\": " + string_form_reason(rc));
        } else {
            const int rc = libxl_cpuid_parse_config_xend(&pl.list, item.c_str());
            if (rc) throw Error("libxl rejects cpuid entry \"" + item + "\": " + xend_form_reason(rc));
        }
    }
}

}  // namespace cpucompat
