#include "cpu_template.h"

#include <algorithm>

#include "catalogue.h"
#include "text.h"

namespace cpucompat {

Policy apply_template(const Policy &host, const CpuTemplate &t, GuestType guest) {
    if (!t.vendor_id.empty() && t.vendor_id != host.vendor_id)
        throw Error("template \"" + t.name + "\" is for " + t.vendor_id + " CPUs; this host is " + host.vendor_id);
    Policy out;
    out.vendor_id = host.vendor_id;
    out.family = host.family;
    out.model = host.model;
    out.stepping = host.stepping;
    out.features = host.features & Catalogue::get().guest_default_view();
    if (t.require) {
        const Featureset require = guest == GuestType::pv ? t.require->minus(Catalogue::get().hvm_only()) : *t.require;
        const Featureset missing = require.minus(host.features).minus(Catalogue::get().state_bits());
        if (!missing.empty()) {
            std::vector<FeatureId> ids;
            std::string names;
            for (const auto &f : Catalogue::get().features())
                if (missing.test(f.id)) {
                    ids.push_back(f.id);
                    names += std::string(names.empty() ? "" : " ") + f.name;
                }
            throw BelowFloorError("host is below the floor of \"" + t.name + "\": it lacks " + names, std::move(ids));
        }
        out.features = require;
    }
    const Catalogue &cat = Catalogue::get();
    out.max_leaf = std::min(host.max_leaf, t.max_leaf.value_or(host.max_leaf));
    out.max_extd_leaf = std::min(host.max_extd_leaf, t.max_extd_leaf.value_or(host.max_extd_leaf));
    out.max_subleaf7 = std::min(host.max_subleaf7, t.max_subleaf7.value_or(host.max_subleaf7));
    const Featureset offered = out.features.minus(t.hide).minus(cat.state_bits()) | (host.features & cat.state_bits());
    out.features = cat.close_under_deps(offered & reachable_features(out));
    return out;
}

namespace {

std::string names_of(const Featureset &fs) { return join(Catalogue::get().names(fs), ", "); }

}  // namespace

std::optional<TemplateProblem> template_problem(const CpuTemplate &t) {
    const Catalogue &cat = Catalogue::get();
    if (!t.require) return std::nullopt;
    const Featureset both = *t.require & t.hide;
    if (!both.empty()) return TemplateProblem{"hide", names_of(both) + ": both required and hidden"};
    const Featureset given = t.require->minus(t.hide) | cat.state_bits();
    const Featureset closed = cat.close_under_deps(given);
    for (const auto &f : cat.features()) {
        if (!t.require->test(f.id) || closed.test(f.id)) continue;
        Featureset lacking;  // f's prerequisites that are not given
        for (const auto &g : cat.features())
            if (const Featureset *deps = cat.deep_deps(g.id); deps && deps->test(f.id) && !given.test(g.id)) lacking.set(g.id);
        return TemplateProblem{"require", std::string(f.name) + " cannot be given: it needs " + names_of(lacking) +
                                              ", which the template does not require"};
    }
    Policy limits;
    limits.max_leaf = t.max_leaf.value_or(0xffffffffu);
    limits.max_extd_leaf = t.max_extd_leaf.value_or(0xffffffffu);
    limits.max_subleaf7 = t.max_subleaf7.value_or(0xffffffffu);
    const Featureset beyond = t.require->minus(cat.state_bits()).minus(reachable_features(limits));
    for (const auto &f : cat.features()) {  // the limit that hides the first such feature
        if (!beyond.test(f.id)) continue;
        const WordInfo &w = cat.words().at(f.word());
        const auto [key, cap] = w.leaf >= kExtdBase        ? std::pair("max_extd_leaf", limits.max_extd_leaf)
                                : w.leaf > limits.max_leaf ? std::pair("max_leaf", limits.max_leaf)
                                                           : std::pair("max_subleaf7", limits.max_subleaf7);
        return TemplateProblem{key, names_of(beyond) + " required, but the template's own " + key + " " + hex(cap) +
                                        " hides the CPUID leaf it lives in"};
    }
    return std::nullopt;
}

}  // namespace cpucompat
