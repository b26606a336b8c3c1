#include "normalize.h"

#include "catalogue.h"
#include "level.h"

namespace cpucompat {

std::string Mode::to_string() const {
    switch (kind) {
    case Kind::off: return "off";
    case Kind::vendor: return "vendor";
    case Kind::level: return "level:" + arg;
    case Kind::hyperv_r2: return "hyperv-r2";
    case Kind::pool: return "pool";
    case Kind::file: return "file:" + arg;
    }
    return "off";
}

Mode parse_mode(const std::string &text) {
    if (text == "off") return {Mode::Kind::off, ""};
    if (text == "vendor") return {Mode::Kind::vendor, ""};
    if (text == "hyperv-r2") return {Mode::Kind::hyperv_r2, ""};
    if (text == "pool") return {Mode::Kind::pool, ""};
    if (text.rfind("level:", 0) == 0 && text.size() > 6) return {Mode::Kind::level, text.substr(6)};
    if (text.rfind("file:", 0) == 0 && text.size() > 5) return {Mode::Kind::file, text.substr(5)};
    throw Error("invalid cpu_compat mode \"" + text + "\"; expected off, vendor, level:NAME, hyperv-r2, pool or file:PATH");
}

std::string template_key(const Mode &mode, const std::string &vendor_id) {
    const std::string v = vendor_short_name(vendor_from_id(vendor_id));
    switch (mode.kind) {
    case Mode::Kind::vendor: return "vendor-" + v;
    case Mode::Kind::hyperv_r2: return "hyperv-r2-" + v;
    case Mode::Kind::level: return mode.arg;
    case Mode::Kind::file: return "file:" + mode.arg;
    case Mode::Kind::off:
    case Mode::Kind::pool: break;
    }
    return "";
}

Policy normalize(const Policy &host, const Mode &mode, const TemplateLibrary &lib, const std::vector<Policy> &pool,
                 GuestType guest) {
    if (mode.kind == Mode::Kind::off) return apply_template(host, CpuTemplate{"off", "", "", "", {}, {}, {}, {}, {}}, guest);
    if (mode.kind == Mode::Kind::pool) {
        if (pool.empty()) throw Error("mode pool needs the pool's host policies");
        const Policy lvl = level(pool);
        CpuTemplate t;
        t.name = "pool";
        t.vendor_id = lvl.vendor_id;
        // What plain xl would give by default, on every host of the pool:
        // the level is of max policies (publish --pool), whose features a
        // guest never gets by default (svm, vmx: nested virtualization) are
        // no floor for a domain.
        t.require = lvl.features & Catalogue::get().guest_default_view();
        t.max_leaf = lvl.max_leaf;
        t.max_extd_leaf = lvl.max_extd_leaf;
        t.max_subleaf7 = lvl.max_subleaf7;
        return apply_template(host, t, guest);
    }
    const std::string key = template_key(mode, host.vendor_id);
    auto it = lib.find(key);
    if (it == lib.end()) {
        if (mode.kind == Mode::Kind::vendor || mode.kind == Mode::Kind::hyperv_r2)
            throw Error("mode " + mode.to_string() + " has no baseline for " + host.vendor_id + " hosts (no template \"" + key + "\")");
        std::string names;
        for (const auto &[name, t] : lib)
            if (name.rfind("file:", 0) != 0 && name.rfind("vendor-", 0) != 0 && name.rfind("hyperv-r2-", 0) != 0)
                names += (names.empty() ? "" : ", ") + name;
        throw Error("unknown level \"" + mode.arg + "\"; known levels: " + names);
    }
    return apply_template(host, it->second, guest);
}

}  // namespace cpucompat
