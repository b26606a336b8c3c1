#include "to_xl.h"

#include <cstdio>
#include <cstring>
#include <map>

#include "catalogue.h"

namespace cpucompat {

std::string XlCpuid::config_value() const {
    std::string out;
    if (form == Form::libxl_string) {
        for (const auto &i : items) out += (out.empty() ? "" : ",") + i;
        return "\"" + out + "\"";
    }
    for (const auto &i : items) out += std::string(out.empty() ? "" : ", ") + "\"" + i + "\"";
    return "[" + out + "]";
}

char feature_request(const FeatureInfo &f, const Policy &policy, const Policy &host) {
    if (!f.guest_capable() || Catalogue::get().state_bits().test(f.id)) return 'x';  // Xen decides these
    // Xen's default is the host's default-on features; write only the
    // differences from it.
    if (!policy.features.test(f.id)) return f.guest_default() && host.features.test(f.id) ? '0' : 'x';
    return f.guest_default() ? 'x' : '1';
}

std::string filter_bits(uint32_t v) {
    std::string s(32, '0');
    for (int i = 0; i < 32; ++i)
        if (v >> i & 1u) s[31 - i] = '1';
    return s;
}

namespace {

XlCpuid string_form(const Policy &policy, const Policy &host) {
    XlCpuid x;
    x.items.push_back("host");
    for (const auto &f : Catalogue::get().features()) {
        const char r = feature_request(f, policy, host);
        if (r != 'x') x.items.push_back(std::string(f.name) + "=" + r);
    }
    if (policy.max_leaf < host.max_leaf) x.items.push_back("maxleaf=" + std::to_string(policy.max_leaf));
    return x;
}

XlCpuid xend_form(const Policy &policy, const Policy &host) {
    // One entry per (leaf, subleaf), registers in eax..edx order.
    std::map<std::pair<uint32_t, uint32_t>, std::map<std::string, std::string>> entries;
    for (const WordInfo &w : Catalogue::get().words()) {
        if (w.source != WordSource::cpuid) continue;
        std::string bits(32, 'x');
        bool touched = false;
        for (const auto &f : Catalogue::get().features()) {
            if (f.word() != w.index) continue;
            const char r = feature_request(f, policy, host);
            bits[31 - f.bit()] = r;
            touched |= r != 'x';
        }
        if (touched) entries[{w.leaf, w.subleaf}][w.reg] = bits;
    }
    if (policy.max_leaf < host.max_leaf) entries[{0, kNoSubleaf}]["eax"] = filter_bits(policy.max_leaf);
    if (policy.max_subleaf7 < host.max_subleaf7) entries[{7, 0}]["eax"] = filter_bits(policy.max_subleaf7);
    if (policy.max_extd_leaf < host.max_extd_leaf) entries[{kExtdBase, kNoSubleaf}]["eax"] = filter_bits(policy.max_extd_leaf);
    XlCpuid x;
    x.form = XlCpuid::Form::xend_list;
    for (const auto &[key, regs] : entries) {
        char head[32];
        if (key.second == kNoSubleaf) std::snprintf(head, sizeof head, "0x%x:", key.first);
        else std::snprintf(head, sizeof head, "0x%x,%u:", key.first, key.second);
        std::string item = head;
        bool first = true;
        for (const char *reg : {"eax", "ebx", "ecx", "edx"}) {
            auto it = regs.find(reg);
            if (it == regs.end()) continue;
            item += std::string(first ? "" : ",") + reg + "=" + it->second;
            first = false;
        }
        x.items.push_back(item);
    }
    return x;
}

}  // namespace

XlCpuid to_xl(const Policy &policy, const Policy &host) {
    if (policy.max_extd_leaf < host.max_extd_leaf || policy.max_subleaf7 < host.max_subleaf7) return xend_form(policy, host);
    return string_form(policy, host);
}

}  // namespace cpucompat
