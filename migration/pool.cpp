#include "pool.h"

#include <algorithm>
#include <map>
#include <set>

#include "../toolstack/core/catalogue.h"
#include "../toolstack/core/error.h"
#include "../toolstack/core/guest.h"
#include "../toolstack/core/level.h"
#include "../toolstack/core/normalize.h"

namespace cpucompat {

namespace {

void refuse_duplicates(const std::vector<PoolHost> &hosts) {
    std::set<std::string> seen;
    for (const auto &h : hosts)
        if (!seen.insert(h.name).second) throw Error("pool host " + h.name + " is named twice");
}

std::vector<Policy> vendor_members(const std::vector<PoolHost> &hosts, const std::string &vendor_id) {
    std::vector<Policy> out;
    for (const auto &h : hosts)
        if (h.max.vendor_id == vendor_id) out.push_back(h.max);
    return out;
}

std::vector<std::string> minus(const std::vector<std::string> &a, const std::vector<std::string> &b) {
    std::vector<std::string> out;
    for (const auto &x : a)
        if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
    return out;
}

const VendorLevel *find_vendor(const std::vector<VendorLevel> &ls, const std::string &vendor_id) {
    for (const auto &l : ls)
        if (l.vendor_id == vendor_id) return &l;
    return nullptr;
}

}  // namespace

std::vector<VendorLevel> pool_levels(const std::vector<PoolHost> &hosts) {
    if (hosts.empty()) throw Error("the pool has no hosts");
    refuse_duplicates(hosts);
    std::map<std::string, VendorLevel> by_vendor;
    for (const auto &h : hosts) {
        VendorLevel &v = by_vendor[h.max.vendor_id];
        v.vendor_id = h.max.vendor_id;
        v.hosts.push_back(h.name);
    }
    std::vector<VendorLevel> out;
    for (auto &[id, v] : by_vendor) {
        v.level = level(vendor_members(hosts, id));
        out.push_back(std::move(v));
    }
    return out;
}

Mobility mobility(const PoolDomain &d, const std::vector<PoolHost> &hosts, const TemplateLibrary &lib) {
    Mobility m;
    MoveOptions o;
    o.allow_restart = true;
    for (const auto &h : hosts) {
        if (h.name == d.host) continue;
        // A domain in mode pool would get the level of that host's vendor here.
        const Decision dec =
            decide(d.policy, h.max, o, d.live, restart_refusal(d.restart, h.max, d.guest, lib, vendor_members(hosts, h.max.vendor_id)));
        switch (dec.kind) {
        case MoveKind::live: m.live.push_back(h.name); break;
        case MoveKind::restart: m.restart.push_back(h.name); break;
        case MoveKind::refuse: m.refused.emplace_back(h.name, dec.reason); break;
        }
    }
    return m;
}

WhatIf what_if(const std::vector<PoolHost> &hosts, const std::vector<PoolDomain> &domains, const PoolChange &change,
               const TemplateLibrary &lib) {
    refuse_duplicates(hosts);
    for (const auto &r : change.remove)
        if (std::none_of(hosts.begin(), hosts.end(), [&](const PoolHost &h) { return h.name == r; }))
            throw Error("cannot remove " + r + ": it is not a host of the pool");
    std::vector<PoolHost> after;
    for (const auto &h : hosts)
        if (std::find(change.remove.begin(), change.remove.end(), h.name) == change.remove.end()) after.push_back(h);
    for (const auto &a : change.add) {
        if (std::any_of(hosts.begin(), hosts.end(), [&](const PoolHost &h) { return h.name == a.name; }))
            throw Error("cannot add " + a.name + ": the pool already has a host of that name");
        after.push_back(a);
    }
    refuse_duplicates(after);

    WhatIf w;
    w.before = pool_levels(hosts);
    if (!after.empty()) w.after = pool_levels(after);
    std::set<std::string> vendors;
    for (const auto &l : w.before) vendors.insert(l.vendor_id);
    for (const auto &l : w.after) vendors.insert(l.vendor_id);
    for (const auto &v : vendors) {
        LevelShift s;
        s.vendor_id = v;
        if (const VendorLevel *b = find_vendor(w.before, v)) s.before = b->level;
        if (const VendorLevel *a = find_vendor(w.after, v)) s.after = a->level;
        if (s.before && s.after) {
            s.lost = s.before->features.minus(s.after->features);
            s.gained = s.after->features.minus(s.before->features);
            const CompareResult c = compare(*s.before, *s.after);
            s.lowered = c.limits;
        }
        w.shifts.push_back(std::move(s));
    }

    for (const auto &d : domains) {
        DomainImpact im;
        im.domain = d.name;
        im.host = d.host;
        const Mobility now = mobility(d, hosts, lib);
        im.after = mobility(d, after, lib);
        im.live_lost = minus(now.live, im.after.live);
        for (const auto &a : change.add)
            if (std::find(im.after.live.begin(), im.after.live.end(), a.name) != im.after.live.end()) im.live_gained.push_back(a.name);
        im.host_removed = std::find(change.remove.begin(), change.remove.end(), d.host) != change.remove.end();
        if (d.restart.mode && d.restart.mode->kind == Mode::Kind::pool && !d.restart.guest_os.empty() && d.restart.guest_minimum) {
            const VendorLevel *a = find_vendor(w.after, d.policy.vendor_id);
            const VendorLevel *b = find_vendor(w.before, d.policy.vendor_id);
            if (!a)
                im.guest_after = "no " + d.policy.vendor_id + " host is left in the pool for its next start";
            else if (!b || !(a->level.features == b->level.features)) {
                im.guest_after = guest_refusal(d.restart.guest_os,
                                               Catalogue::get().names(guest_missing(a->level.features, *d.restart.guest_minimum)), "pool", false);
            }
        }
        w.domains.push_back(std::move(im));
    }
    return w;
}

}  // namespace cpucompat
