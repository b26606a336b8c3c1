#include "import.h"

#include "../core/error.h"
#include "../core/text.h"
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

std::string Imported::describe() const {
    return terminal_safe(file) + " (" + format_name(format) + (section.empty() ? "" : ", policy " + quote_text(section)) + ")";
}

namespace {

Imported imported(const InputText &in, InputFormat f, Policy p, std::string section = "") {
    return Imported{in.name, f, std::move(section), std::move(p)};
}

Imported from_section(const InputText &in, const NamedPolicy &p) { return imported(in, InputFormat::xen_cpuid, p.policy, p.name); }

}  // namespace

Imported import_input(const InputText &in, const std::string &xen_cpuid_policy) {
    check_input_text(in);
    const InputFormat f = detect_format(in.text);
    switch (f) {
    case InputFormat::fingerprint_json: return imported(in, f, parse_fingerprint_json(in));
    case InputFormat::fingerprint_yaml: return imported(in, f, parse_fingerprint_yaml(in));
    case InputFormat::xen_cpuid: return from_section(in, select_policy(parse_xen_cpuid_policies(in), xen_cpuid_policy, in.name));
    case InputFormat::instlat: return imported(in, f, parse_instlat(in));
    case InputFormat::cpuid_tool: return imported(in, f, parse_cpuid_tool(in));
    }
    throw Error(in.name, 0, "unknown input format");
}

Imported import_file(const std::string &path, const std::string &xen_cpuid_policy) {
    return import_input(read_input_file(path), xen_cpuid_policy);
}

Policy import_policy(const InputText &in, const std::string &xen_cpuid_policy) { return import_input(in, xen_cpuid_policy).policy; }

Policy import_policy_file(const std::string &path, const std::string &xen_cpuid_policy) {
    return import_file(path, xen_cpuid_policy).policy;
}

CompareSides import_compare_sides(const InputText &guest, const std::string &guest_sel, const InputText &host,
                                  const std::string &host_sel) {
    CompareSides s{{}, import_input(host, host_sel)};
    check_input_text(guest);
    if (!guest_sel.empty() || detect_format(guest.text) != InputFormat::xen_cpuid) {
        s.guest = import_input(guest, guest_sel);
        return s;
    }
    const auto all = parse_xen_cpuid_policies(guest);
    const std::string &hs = s.host.section;
    if (hs == "HVM Max" || hs == "PV Max") {
        const std::string kind = hs.substr(0, hs.size() - 3);
        const NamedPolicy *p = find_policy(all, kind + "Default");
        if (!p) p = find_policy(all, hs);
        s.guest = from_section(guest, p ? *p : select_policy(all, "", guest.name));
    } else {
        const NamedPolicy *same = s.host.format == InputFormat::xen_cpuid ? find_policy(all, hs) : nullptr;
        s.guest = from_section(guest, same ? *same : select_policy(all, "default", guest.name));
    }
    return s;
}

}  // namespace cpucompat
