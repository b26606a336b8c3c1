#include "libxl_cpuid.h"

#include <nlohmann/json.hpp>

#include "../core/error.h"
#include "../import/libxl_cpuid_json.h"
#include "xen_headers.h"

extern "C" {
// libxl_json.h needs yajl 2's version header named before it.
#define HAVE_YAJL_YAJL_VERSION_H 1
#include <libxl_json.h>
}

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


CpuidFilters read_cpuid_filters(const LibxlCpuidList &list) {
    if (!list) return {};  // no cpuid= at all, the common case: nothing to convert
    yajl_gen g = yajl_gen_alloc(nullptr);
    if (!g) throw Error("out of memory reading a cpuid list");
    LibxlCpuidList copy = list;  // gen_json takes a non-const pointer, reads only
    const yajl_gen_status s = libxl_cpuid_policy_list_gen_json(g, &copy);
    const unsigned char *buf = nullptr;
    size_t len = 0;
    if (s == yajl_gen_status_ok) yajl_gen_get_buf(g, &buf, &len);
    const std::string text(reinterpret_cast<const char *>(buf ? buf : reinterpret_cast<const unsigned char *>("")), len);
    yajl_gen_free(g);
    if (s != yajl_gen_status_ok) throw Error("libxl could not write its cpuid list as JSON");
    return cpuid_filters_from_json(nlohmann::json::parse(text), "cpuid list");
}

void apply_merged_cpuid(LibxlCpuidList &list, const MergedCpuid &m) {
    PolicyList scratch;
    auto parse_all = [&m](LibxlCpuidList *l) {
        for (const auto &item : m.xend_items)
            if (const int rc = libxl_cpuid_parse_config_xend(l, item.c_str()))
                throw Error("libxl rejects cpuid entry \"" + item + "\": " + xend_form_reason(rc));
        for (const auto &item : m.msr_items)
            if (const int rc = libxl_cpuid_parse_config(l, item.c_str()))
                throw Error("libxl rejects cpuid item \"" + item + "\": " + string_form_reason(rc));
    };
    parse_all(&scratch.list);
    parse_all(&list);  // cannot fail now: the same items just parsed
}

}  // namespace cpucompat
