#include "evacuation.h"

#include <algorithm>
#include <numeric>

namespace cpucompat {

namespace {

std::string mib(uint64_t kb) { return std::to_string(kb / 1024) + " MiB"; }

const char *guest_name(GuestType g) { return g == GuestType::pv ? "PV" : "HVM"; }

}  // namespace

std::vector<Placement> plan_evacuation(const std::vector<Evacuee> &domains, const std::vector<EvacuationTarget> &targets,
                                       const MoveOptions &o, const TemplateLibrary &lib) {
    std::vector<uint64_t> free(targets.size());
    for (size_t t = 0; t < targets.size(); ++t) free[t] = targets[t].free_kb;
    std::vector<size_t> order(domains.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return domains[a].memory_kb > domains[b].memory_kb; });

    std::vector<Placement> out(domains.size());
    for (size_t i : order) {
        const Evacuee &d = domains[i];
        Placement &p = out[i];
        p.domain = d.name;
        std::optional<size_t> best;
        for (size_t t = 0; t < targets.size(); ++t) {
            if (!targets[t].unavailable.empty()) {
                p.rejected.emplace_back(targets[t].host, targets[t].unavailable);
                continue;
            }
            const auto &max = d.guest == GuestType::pv ? targets[t].pv_max : targets[t].hvm_max;
            if (!max) {
                p.rejected.emplace_back(targets[t].host, std::string("runs no ") + guest_name(d.guest) + " guests");
                continue;
            }
            Decision dec = decide(d.policy, *max, o, d.live, restart_refusal(d.restart, *max, d.guest, lib));
            if (dec.kind == MoveKind::refuse) {
                p.rejected.emplace_back(targets[t].host, dec.reason);
                continue;
            }
            if (free[t] < d.memory_kb) {
                p.rejected.emplace_back(targets[t].host, mib(free[t]) + " free, " + d.name + " needs " + mib(d.memory_kb));
                continue;
            }
            // Live beats restart; then the most memory left.
            const bool better = !best || (dec.kind == MoveKind::live && p.decision.kind != MoveKind::live) ||
                                (dec.kind == p.decision.kind && free[t] > free[*best]);
            if (better) {
                best = t;
                p.decision = std::move(dec);
            }
        }
        if (!best) {
            p.decision = Decision{};
            p.decision.reason = "no target takes it";
            continue;
        }
        p.host = targets[*best].host;
        free[*best] -= d.memory_kb;
    }
    return out;
}

}  // namespace cpucompat
