#include "compare.h"

#include "catalogue.h"
#include "text.h"

namespace cpucompat {

namespace {

std::vector<FeatureId> ids_of(const Featureset &fs) {
    std::vector<FeatureId> out;
    if (!fs.empty())
        for (const auto &f : Catalogue::get().features())
            if (fs.test(f.id)) out.push_back(f.id);
    return out;
}

std::string join_names(const std::vector<FeatureId> &ids) {
    std::string s;
    for (FeatureId id : ids) s += std::string(s.empty() ? "" : " ") + Catalogue::get().by_id(id)->name;
    return s;
}

std::string join_limits(const std::vector<LimitExceeded> &ls, const char *rel) {
    std::string s;
    for (const auto &l : ls) s += std::string(s.empty() ? "" : ", ") + l.what + " " + hex(l.guest) + rel + hex(l.host);
    return s;
}

void limit_checks(std::vector<LimitExceeded> &out, const Policy &a, const Policy &b) {
    if (a.max_leaf > b.max_leaf) out.push_back({"max_leaf", a.max_leaf, b.max_leaf});
    if (a.max_subleaf7 > b.max_subleaf7) out.push_back({"max_subleaf7", a.max_subleaf7, b.max_subleaf7});
    if (a.max_extd_leaf > b.max_extd_leaf) out.push_back({"max_extd_leaf", a.max_extd_leaf, b.max_extd_leaf});
}

}  // namespace

CompareResult compare(const Policy &guest, const Policy &host) {
    CompareResult r;
    r.vendor_mismatch = guest.vendor_id != host.vendor_id;
    r.missing = ids_of(guest.features.minus(host.features));
    limit_checks(r.limits, guest, host);
    return r;
}

std::string summary(const CompareResult &r, const Policy &guest, const Policy &host) {
    if (r.compatible()) return "compatible";
    std::string s;
    auto add = [&s](const std::string &part) { s += (s.empty() ? "" : "; ") + part; };
    if (r.vendor_mismatch) add("vendor " + guest.vendor_id + ", host " + host.vendor_id);
    if (!r.missing.empty()) add("missing: " + join_names(r.missing));
    if (!r.limits.empty()) add("limits: " + join_limits(r.limits, " > "));
    if (!r.unknown.empty()) add("unknown to this build's Xen: " + join(r.unknown, " "));
    return s;
}

CompareResult restore_verdict(const Policy &recorded, const Policy &host_max, const std::vector<std::string> &unknown) {
    Policy g = recorded;
    g.features &= Catalogue::get().toolstack_controlled();
    CompareResult r = compare(g, host_max);
    r.unknown = unknown;
    return r;
}

std::string AppliedDiff::summary() const {
    if (ok()) return "as requested";
    std::string s;
    auto add = [&s](const std::string &part) { s += (s.empty() ? "" : "; ") + part; };
    if (vendor_differs) add("vendor differs");
    if (!missing.empty()) add("not applied: " + join_names(missing));
    if (!extra.empty()) add("applied but not requested: " + join_names(extra));
    if (!limits.empty()) add("limits: " + join_limits(limits, " applied, requested "));
    return s;
}

AppliedDiff check_applied(const Policy &requested, const Policy &applied) {
    const Featureset &ctl = Catalogue::get().toolstack_controlled();
    const Featureset want = requested.features & ctl, got = applied.features & ctl;
    AppliedDiff d;
    d.vendor_differs = requested.vendor_id != applied.vendor_id;
    d.missing = ids_of(want.minus(got));
    d.extra = ids_of(got.minus(want));
    limit_checks(d.limits, applied, requested);
    return d;
}

}  // namespace cpucompat
