// evacuate HOST...: empty this host before maintenance. Every domain goes to
// the target it can go to best (migration/evacuation.h): live where it can,
// restarted where the vendors differ, left here with the reasons where no
// target takes it. Decided for all before anything moves.
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>

#include "../../migration/evacuation.h"
#include "../../migration/journal.h"
#include "../../migration/move.h"
#include "../../migration/process.h"
#include "../../migration/stop_signals.h"
#include "../../migration/xl_moves.h"
#include "commands.h"
#include "move_report.h"
#include "output.h"

namespace cpucompat {

namespace {

// What a target offers, asked over ssh; an unreachable one takes nothing.
EvacuationTarget ask_target(const MoveRequest &req) {
    EvacuationTarget t;
    t.host = req.host;
    try {
        const HostFacts f = gather_host_facts(req);
        t.pv_max = f.pv_max;
        t.hvm_max = f.hvm_max;
        t.free_kb = f.free_kb;
    } catch (const Error &e) {
        t.unavailable = std::string("cannot be asked: ") + e.what();
    }
    return t;
}

nlohmann::ordered_json placement_json(const Placement &p) {
    nlohmann::ordered_json j{{"domain", p.domain}, {"host", p.host.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(p.host)},
                             {"decision", move_kind_name(p.decision.kind)}, {"reason", p.decision.reason}};
    j["rejected"] = nlohmann::ordered_json::object();
    for (const auto &[host, why] : p.rejected) j["rejected"][host] = why;
    return j;
}

void print_placement(const Placement &p) {
    if (!p.host.empty()) {
        std::cout << "  " << p.domain << " -> " << p.host << ": " << move_kind_name(p.decision.kind) << " (" << p.decision.reason << ")\n";
        return;
    }
    std::cout << "  " << p.domain << ": stays here, no target takes it\n";
    for (const auto &[host, why] : p.rejected) std::cout << "      " << host << ": " << why << "\n";
}

std::string this_host() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? buf : "this host";
}

}  // namespace

Runner add_evacuate(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        MoveRequest base;
        MoveOptions move;
        std::vector<std::string> targets, domains;
        bool dry_run = false, force = false;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("evacuate", "Move every domain off this host to TARGETs: each live where it can, restarted across vendors");
    c->add_option("TARGET", o->targets, "the hosts that take the domains")->required();
    c->add_option("--domain", o->domains, "only this domain (repeat); default: every domain but Domain-0");
    c->add_flag("--dry-run", o->dry_run, "print where each domain would go and why; change nothing");
    c->add_flag("--live-only", o->move.live_only, "never restart: leave a domain here instead");
    c->add_flag("--allow-restart", o->move.allow_restart, "also restart when same-vendor targets lack features");
    c->add_option("--shutdown-timeout", o->base.shutdown_timeout, "seconds each guest has to shut down")->capture_default_str()->check(CLI::PositiveNumber);
    c->add_flag("--force-shutdown", o->force, "destroy a guest that has not shut down in time");
    c->add_option("--link-timeout", o->base.link_timeout, "seconds to keep asking a target after the link fails mid-restart")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    c->add_option("-s,--ssh", o->base.ssh, "the ssh command to reach the targets, as xl migrate -s")->capture_default_str();
    c->add_option("--storage-check", o->base.storage_check,
                  "before a restart: prove each disk is the same on both hosts (digest: size and first/last MiB), or none")
        ->transform(CLI::CheckedTransformer(std::map<std::string, StorageCheck>{{"digest", StorageCheck::digest}, {"none", StorageCheck::none}}))
        ->default_str("digest");
    c->add_option("--xl-option", o->base.xl_options, "passed to xl migrate (repeat)");
    return [o, &g]() -> int {
        const auto for_host = [&](const std::string &host) {
            MoveRequest r = o->base;
            r.host = host;
            return r;
        };
        // Facts first, for every domain and target, then the plan.
        const std::vector<std::string> names = o->domains.empty() ? list_guest_domains() : o->domains;
        const LoadedGuestTable guests = load_guest_table(default_guest_table_path());
        std::vector<DomainFacts> facts;
        std::vector<Evacuee> evacuees;
        for (const auto &n : names) {
            facts.push_back(gather_domain(n, ""));
            const DomainFacts &d = facts.back();
            evacuees.push_back({d.name, d.guest, d.policy, d.memory_kb, d.live, restart_fit(d, guests)});
        }
        std::vector<EvacuationTarget> targets;
        for (const auto &h : o->targets) {
            if (!g.json) std::cerr << "cpucompat: asking " << h << std::endl;
            targets.push_back(ask_target(for_host(h)));
        }
        const std::vector<Placement> plan = plan_evacuation(evacuees, targets, o->move, guests.levels);

        nlohmann::ordered_json j{{"host", this_host()}, {"targets", o->targets}, {"dry_run", o->dry_run}};
        j["placements"] = nlohmann::ordered_json::array();
        for (const auto &p : plan) j["placements"].push_back(placement_json(p));
        if (!g.json) {
            std::cout << "evacuation of " << this_host() << ": " << plan.size() << " domain(s)\n";
            for (const auto &p : plan) print_placement(p);
        }
        int worst = 0;
        for (const auto &p : plan)
            if (p.host.empty()) worst = 1;
        j["moves"] = nlohmann::ordered_json::array();
        const MoveJournalStore journal;
        std::unique_ptr<StopSignals> signals;
        if (!o->dry_run) signals = std::make_unique<StopSignals>();
        for (size_t i = 0; i < plan.size() && !o->dry_run; ++i) {
            const Placement &p = plan[i];
            if (p.host.empty()) continue;
            MoveRequest req = for_host(p.host);
            req.domain = p.domain;
            nlohmann::ordered_json m{{"domain", p.domain}, {"uuid", facts[i].uuid}, {"host", p.host}, {"evacuation", true}};
            MoveResult result;
            result.outcome = RestartOutcome::not_moved;
            try {
                if (StopSignals::requested()) throw Error("not moved: the evacuation was asked to stop (signal " + std::to_string(StopSignals::which()) + ")");
                const MigrationLock lock(p.domain);
                // Gathered again under the lock: the domain planned may have
                // moved, stopped or been replaced meanwhile (by uuid).
                DomainFacts d;
                try {
                    d = gather_domain(p.domain, "");
                } catch (const Error &e) {
                    result.outcome = RestartOutcome::skipped;
                    throw Error(std::string("skipped: no longer here (") + e.what() + ")");
                }
                if (d.uuid != facts[i].uuid) {
                    result.outcome = RestartOutcome::skipped;
                    throw Error("skipped: " + p.domain + " is now another domain (uuid " + d.uuid + ", planned " + facts[i].uuid + ")");
                }
                refuse_if_unfinished(journal, d.name, d.uuid);
                if (const std::string other = other_mover(running_processes(), d.name, d.domid); !other.empty()) {
                    result.outcome = RestartOutcome::skipped;
                    throw Error("skipped: being moved or saved by another process: " + other);
                }
                // Asked again right before the move: earlier moves used its memory.
                const ReceiverFacts r = gather_receiver(req, d.guest);
                const Decision dec = decide(d.policy, r.max, o->move, d.live, restart_refusal(restart_fit(d, guests), r.max, d.guest, guests.levels));
                m["decision"] = move_kind_name(dec.kind);
                m["reason"] = dec.reason;
                if (!g.json) {
                    std::cerr << "cpucompat: [" << i + 1 << "/" << plan.size() << "] ";
                    print_decision(p.domain, p.host, dec);
                }
                if (dec.kind == MoveKind::refuse) {
                    result.failure = "refused: " + dec.reason;
                } else if (r.free_kb < d.memory_kb) {
                    result.failure = p.host + " no longer has the memory for it";
                } else {
                    result = carry_out_move(req, d, r, dec, o->force, move_progress(p.domain, g.json), journal);
                }
            } catch (const Error &e) {
                result.failure = e.what();
            }
            m.update(move_result_json(result));
            const int status = result.exit_status();
            m["exit"] = status;
            audit(m);
            if (!g.json) print_outcome(p.domain, result);
            j["moves"].push_back(m);
            worst = std::max(worst, status);
        }
        j["exit"] = worst;
        if (g.json) std::cout << json_text(j);
        return worst;
    };
}

}  // namespace cpucompat
