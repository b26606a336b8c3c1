#include "guest.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "catalogue.h"
#include "text.h"

namespace cpucompat {

bool plain_guest_name(const std::string &s) {
    return !s.empty() && s.size() <= 64 && (std::islower(static_cast<unsigned char>(s[0])) || std::isdigit(static_cast<unsigned char>(s[0]))) &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || (c && std::strchr(".+-", c));
           });
}

Featureset guest_minimum(const GuestNeeds &g, const TemplateLibrary &levels) {
    Featureset need = g.features;
    if (!g.level.empty()) {
        const auto it = levels.find(g.level);
        if (it == levels.end()) throw Error("guest " + quote_text(g.name) + ": no level " + quote_text(g.level));
        if (!it->second.require)
            throw Error("guest " + quote_text(g.name) + ": level " + quote_text(g.level) + " requires no features, so it names no minimum");
        need |= *it->second.require;
    }
    return need;
}

Featureset guest_minimum(const GuestNeeds &g, const TemplateLibrary &levels, GuestType type) {
    // State bits are Xen's to set per vendor and mode (sep: AMD has no
    // SYSENTER in long mode, so Xen's policies on AMD hosts lack it; a
    // 64-bit guest there does not use it), as for a template's floor.
    const Featureset need = guest_minimum(g, levels).minus(Catalogue::get().state_bits());
    return type == GuestType::pv ? need.minus(Catalogue::get().hvm_only()) : need;
}

std::string guest_refusal(const std::string &guest, const std::vector<std::string> &missing, const std::string &mode, bool user_cpuid) {
    if (missing.empty()) return "";
    std::string names;
    for (const auto &m : missing) names += (names.empty() ? "" : ", ") + m;
    return "its guest " + guest + " would not boot: it needs " + names + ", which mode " + mode +
           (user_cpuid ? " with the domain's cpuid=" : "") + " hides (cpucompat guests " + guest + ")";
}

}  // namespace cpucompat
