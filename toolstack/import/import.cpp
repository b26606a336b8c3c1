#include "import.h"

#include "cpuid_tool.h"
#include "fingerprint.h"
#include "instlat.h"
#include "xen_cpuid_policy.h"

namespace cpucompat {

const char *format_name(InputFormat f) {
    switch (f) {
    case InputFormat::fingerprint_json: return "cpucompat fingerprint (JSON)";
    case InputFormat::fingerprint_yaml: return "cpucompat fingerprint (YAML)";
    case InputFormat::xen_cpuid: return "xen-cpuid -p";
    case InputFormat::instlat: return "InstLatx64 CPUID dump";
    case InputFormat::cpuid_tool: return "cpuid -r";
    }
    return "?";
}

InputFormat detect_format(const std::string &text) {
    if (looks_like_json(text)) return InputFormat::fingerprint_json;
    if (looks_like_xen_cpuid_policy(text)) return InputFormat::xen_cpuid;
    if (looks_like_instlat(text)) return InputFormat::instlat;
    if (looks_like_cpuid_tool(text)) return InputFormat::cpuid_tool;
    return InputFormat::fingerprint_yaml;
}

Policy import_policy(const InputText &in, const std::string &xen_cpuid_policy) {
    check_input_text(in);
    switch (detect_format(in.text)) {
    case InputFormat::fingerprint_json: return parse_fingerprint_json(in);
    case InputFormat::fingerprint_yaml: return parse_fingerprint_yaml(in);
    case InputFormat::xen_cpuid: {
        const auto all = parse_xen_cpuid_policies(in);
        return select_policy(all, xen_cpuid_policy, in.name).policy;
    }
    case InputFormat::instlat: return parse_instlat(in);
    case InputFormat::cpuid_tool: return parse_cpuid_tool(in);
    }
    return {};
}

Policy import_policy_file(const std::string &path, const std::string &xen_cpuid_policy) {
    return import_policy(read_input_file(path), xen_cpuid_policy);
}

}  // namespace cpucompat
