#include "decision.h"

#include "../toolstack/core/catalogue.h"
#include "../toolstack/core/guest.h"

namespace cpucompat {

const char *move_kind_name(MoveKind k) {
    switch (k) {
    case MoveKind::live: return "live";
    case MoveKind::restart: return "restart";
    case MoveKind::refuse: break;
    }
    return "refuse";
}

LiveCapability live_capability(bool pv_guest, bool xen_has_hap, bool xen_has_shadow) {
    if (pv_guest && !xen_has_shadow)
        return {false, "this host's Xen cannot migrate PV guests live (it is built without shadow paging)"};
    if (!pv_guest && !xen_has_hap && !xen_has_shadow)
        return {false, "this host's Xen cannot migrate HVM guests live (neither HAP nor shadow paging)"};
    return {};
}

namespace {

Decision by_policy(const Policy &domain, const Policy &receiver_max, const MoveOptions &o, const LiveCapability &live) {
    Decision d;
    d.diff = restore_verdict(domain, receiver_max);
    const std::string why = summary(d.diff, domain, receiver_max);
    if (d.diff.compatible() && live.possible) {
        d.kind = MoveKind::live;
        d.reason = "compatible: live migration";
    } else if (d.diff.compatible()) {
        d.kind = o.allow_restart && !o.live_only ? MoveKind::restart : MoveKind::refuse;
        d.reason = "compatible, but " + live.why_not +
                   (d.kind == MoveKind::restart ? "; restart (--allow-restart)"
                    : o.live_only           ? "; --live-only forbids a restart"
                                            : "; --allow-restart restarts it instead");
    } else if (d.diff.vendor_mismatch) {
        d.kind = o.live_only ? MoveKind::refuse : MoveKind::restart;
        d.reason = o.live_only ? "vendors differ and --live-only forbids a restart: " + why
                               : "vendors differ, a live move is impossible; shutdown and restart: " + why;
    } else {
        d.kind = o.allow_restart && !o.live_only ? MoveKind::restart : MoveKind::refuse;
        d.reason = d.kind == MoveKind::restart ? "the receiver lacks what the domain uses; restart (--allow-restart): " + why
                                               : "the receiver lacks what the domain uses: " + why;
    }
    return d;
}

}  // namespace

std::string restart_refusal(const RestartFit &fit, const Policy &receiver_max, GuestType guest, const TemplateLibrary &lib,
                            const std::vector<Policy> &pool) {
    if (!fit.mode || fit.mode->kind == Mode::Kind::file || (fit.mode->kind == Mode::Kind::pool && pool.empty())) return "";
    Policy there;
    try {
        there = normalize(receiver_max, *fit.mode, lib, pool, guest);
    } catch (const Error &e) {
        return "mode " + fit.mode->to_string() + " there: " + e.what();
    }
    if (fit.guest_os.empty() || !fit.guest_minimum) return "";
    return guest_refusal(fit.guest_os, Catalogue::get().names(guest_missing(there.features, *fit.guest_minimum)), fit.mode->to_string(),
                         false);
}

Decision decide(const Policy &domain, const Policy &receiver_max, const MoveOptions &o, const LiveCapability &live,
                const std::string &restart_blocked) {
    Decision d = by_policy(domain, receiver_max, o, live);
    if (d.kind == MoveKind::restart && !restart_blocked.empty()) {
        d.kind = MoveKind::refuse;
        d.reason += "; but a restart there would not do: " + restart_blocked;
    }
    return d;
}

}  // namespace cpucompat
