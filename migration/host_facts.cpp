#include "host_facts.h"

#include <set>

#include "../toolstack/core/error.h"
#include "../toolstack/import/fingerprint.h"

namespace cpucompat {

nlohmann::ordered_json host_facts_json(const HostFacts &f) {
    nlohmann::ordered_json j{{"format", kHostFactsFormat},
                             {"cpucompat_version", f.cpucompat_version},
                             {"xen_version", f.xen_version},
                             {"free_kb", f.free_kb},
                             {"capabilities", {{"pv", f.pv}, {"hvm", f.hvm}, {"hap", f.hap}, {"shadow", f.shadow}}},
                             {"plugin", f.plugin}};
    j["pv_max"] = f.pv_max ? policy_to_json(*f.pv_max, false) : nlohmann::ordered_json();
    j["hvm_max"] = f.hvm_max ? policy_to_json(*f.hvm_max, false) : nlohmann::ordered_json();
    return j;
}

HostFacts host_facts_from_json(const std::string &text, const std::string &where) {
    const nlohmann::json j = parse_json_strict(text, where);
    const auto bad = [&](const std::string &msg) { return Error(where + ": " + msg); };
    if (!j.is_object() || !j.contains("format") || j["format"] != kHostFactsFormat)
        throw bad(std::string("not cpucompat facts of format ") + kHostFactsFormat);
    static const std::set<std::string> keys{"format", "cpucompat_version", "xen_version", "free_kb",
                                            "capabilities", "plugin", "pv_max", "hvm_max"};
    for (const auto &[k, v] : j.items())
        if (!keys.count(k)) throw bad("unknown key \"" + k + "\"");
    for (const auto &k : keys)
        if (!j.contains(k)) throw bad("\"" + k + "\" missing");
    HostFacts f;
    for (const char *k : {"cpucompat_version", "xen_version"}) {
        if (!j[k].is_string() || j[k].get<std::string>().size() > 200) throw bad(std::string("\"") + k + "\" is not a short string");
    }
    f.cpucompat_version = j["cpucompat_version"];
    f.xen_version = j["xen_version"];
    // A number of KiB: unsigned, and below 2^50 (a PiB): not a wrapped -1.
    if (!j["free_kb"].is_number_unsigned() || j["free_kb"].get<uint64_t>() >= (uint64_t{1} << 50))
        throw bad("\"free_kb\" is not a plausible amount of memory");
    f.free_kb = j["free_kb"];
    const auto &caps = j["capabilities"];
    if (!caps.is_object() || caps.size() != 4) throw bad("\"capabilities\" is not {pv, hvm, hap, shadow}");
    for (const auto &[k, v] : caps.items()) {
        if (!v.is_boolean()) throw bad("capability \"" + k + "\" is not true or false");
        bool *slot = k == "pv" ? &f.pv : k == "hvm" ? &f.hvm : k == "hap" ? &f.hap : k == "shadow" ? &f.shadow : nullptr;
        if (!slot) throw bad("unknown capability \"" + k + "\"");
        *slot = v.get<bool>();
    }
    if (!j["plugin"].is_boolean()) throw bad("\"plugin\" is not true or false");
    f.plugin = j["plugin"];
    if (!j["pv_max"].is_null()) f.pv_max = policy_from_json(j["pv_max"], where + ": pv_max");
    if (!j["hvm_max"].is_null()) f.hvm_max = policy_from_json(j["hvm_max"], where + ": hvm_max");
    return f;
}

}  // namespace cpucompat
